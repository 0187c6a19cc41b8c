"""The ledger (cards.lock) and the ids stage's matching of old and new cards, without Anki."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build import ledger, ledger_file
from genanki_build.config import Config
from genanki_build.errors import BuildError
from genanki_build.ids import _plain, assign_ids, match
from genanki_build.model import Card, Markup, SourceRef
from genanki_build.notetypes import note_types
from genanki_build.render import render_cards, to_html
from genanki_build.stage import Context, LedgerEntry

T1, T2 = 1_700_000_000, 1_700_086_400
SPECS = note_types("Test")


def card(front: str, back: str, file: str = "a.txt", line: int = 1, **kw: object) -> Card:
    c = Card(front=front, back=back, source=SourceRef(file, line, line + 1), format="test")
    return replace(c, identity=f"{front}\x1f{back}", **kw)  # type: ignore[arg-type]


EMPTY = ledger.Ledger()


def built(cards: list[Card], previous: ledger.Ledger = EMPTY, at: int = T1) -> ledger.Stamped:
    """The ids stage, render, then the ledger update, as a build does them."""
    context = Context(config=Config(name="Test"), build_time=at, ledger=previous.by_guid())
    result = assign_ids(tuple(cards), context)
    rendered = render_cards(result.cards, context).cards
    return replace(ledger.update(rendered, previous, SPECS, build_time=at), findings=result.findings)


DECK = [
    card("What is a market segment?", "A group of buyers who respond alike to a marketing mix.", line=1),
    card("What does CRM stand for?", "Customer relationship management.", line=4),
    card("Which term names the tools a firm controls?", "The marketing mix.", line=7),
    card("Define brand equity.", "The added value a brand name gives a product.", line=10),
    card("What is positioning?", "The place a brand occupies in customers' minds.", line=13),
]


def guids(stamped: ledger.Stamped) -> list[str]:
    return [c.guid for c in stamped.cards]


def test_ids__edits_keep_guids_and_new_cards_get_new_ones() -> None:
    v1 = built(DECK)
    edited = [
        replace(DECK[0], front="What is a market segmnet?"),  # typo
        replace(DECK[1], back="Customer relationship management: keeping customers."),  # answer edited
        replace(DECK[2], front="What do we call the levers a firm controls?"),  # question reworded
        card("What is a marketing funnel?", "The stages from awareness to purchase.", line=12),  # new
        DECK[4],
    ]  # DECK[3] deleted
    v2 = built(edited, v1.ledger, T2)
    old = guids(v1)
    assert guids(v2)[:3] == old[:3]
    assert guids(v2)[4] == old[4]
    assert guids(v2)[3] not in old
    removed = [f for f in v2.findings if "removed" in f.message]
    # Named by its file; its lines in the last build are in the message (they hold other cards now).
    assert len(removed) == 1 and removed[0].where == SourceRef(DECK[3].source.file, 0, 0)
    assert f"it stood at {DECK[3].source} in the last build" in removed[0].message
    assert [c.mtime for c in v2.cards] == [T2, T2, T2, T2, T1]


def test_ids__unrelated_replacement_is_not_matched() -> None:
    """A deleted card and a new one in the same file must not share a GUID when nothing is alike."""
    v1 = built(DECK)
    v2 = built(
        [*DECK[:3], card("Who coined the term 4 Ps?", "McCarthy, in 1960.", line=10), DECK[4]], v1.ledger, T2
    )
    assert guids(v2)[3] not in guids(v1)


def test_ids__short_shared_answer_proves_nothing() -> None:
    """Two questions answered "True." are not the same card because their answers match."""
    v1 = built([card("Is the earth round?", "True."), card("Is water wet?", "Yes.", line=4)])
    v2 = built(
        [card("Do markets always clear?", "True."), card("Is water wet?", "Yes.", line=4)], v1.ledger, T2
    )
    assert guids(v2)[0] != guids(v1)[0]
    assert guids(v2)[1] == guids(v1)[1]


def test_ids__moved_between_files_keeps_guid() -> None:
    v1 = built(DECK)
    moved = [*DECK[:4], replace(DECK[4], source=SourceRef("b.txt", 1, 2))]
    v2 = built(moved, v1.ledger, T2)
    assert guids(v2) == guids(v1)
    assert v2.cards[4].mtime == T1  # nothing a student sees changed
    assert v2.ledger.cards[-1].file == "b.txt"


def test_ids__swapped_cards_keep_their_guids() -> None:
    v1 = built(DECK)
    swapped = [DECK[1], DECK[0], *DECK[2:]]
    v2 = built(swapped, v1.ledger, T2)
    assert guids(v2) == [guids(v1)[1], guids(v1)[0], *guids(v1)[2:]]
    assert all(c.mtime == T1 for c in v2.cards)


def test_ids__given_guid_wins_over_ledger() -> None:
    v1 = built(DECK)
    given = replace(DECK[0], guid="given-guid", guid_given=True)
    v2 = built([given, *DECK[1:]], v1.ledger, T2)
    assert guids(v2)[0] == "given-guid"
    assert guids(v2)[1:] == guids(v1)[1:]


def test_ids__new_guid_never_reuses_a_ledger_guid() -> None:
    """A new card whose derived GUID is already in the ledger (for another note) gets a salted one."""
    v1 = built([DECK[0]])
    (entry,) = v1.ledger.cards
    # The ledger holds the new card's would-be GUID for a note that no longer matches anything.
    other = replace(entry, front="Something else entirely", back="Unrelated answer text here")
    v2 = built([DECK[0]], ledger.Ledger((other,), v1.ledger.note_types), T2)
    assert guids(v2)[0] != entry.guid


def test_ids__markdown_is_compared_as_rendered_text() -> None:
    md = card("What is **CLV**?", "- profit\n- over time", markup=Markup.MARKDOWN)
    v1 = built([md])
    # The ledger holds the rendered card as plain text; the ids stage compares the same.
    v2 = built([md], v1.ledger, T2)
    assert guids(v2) == guids(v1) and v2.findings == ()


def test_ledger__dumps_loads_round_trip_and_is_one_entry_per_line() -> None:
    v1 = built(DECK)
    text = ledger.dumps(v1.ledger)
    assert ledger.loads(text) == v1.ledger
    lines = text.splitlines()
    assert sum(1 for ln in lines if '"guid"' in ln) == len(DECK)
    assert ledger.dumps(ledger.loads(text)) == text


def test_ledger__unchanged_rebuild_writes_same_text() -> None:
    v1 = built(DECK)
    v2 = built(DECK, v1.ledger, T2)
    assert ledger.dumps(v2.ledger) == ledger.dumps(v1.ledger)


def test_ledger__merge_conflict_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cards.lock"
    path.write_text("<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> branch\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"cards\.lock: line 1: not valid JSON.*merge conflict"):
        ledger.read(path)


def test_ledger__missing_file_is_an_empty_ledger(tmp_path: Path) -> None:
    assert ledger.read(tmp_path / "cards.lock") == ledger.Ledger()


def test_ledger__duplicate_guid_is_refused() -> None:
    v1 = built(DECK[:1])
    text = ledger.dumps(ledger.Ledger(v1.ledger.cards * 2, v1.ledger.note_types))
    with pytest.raises(BuildError, match="appears twice"):
        ledger.loads(text)


def test_ledger__changed_note_is_always_newer_than_before() -> None:
    """An edit built with an older SOURCE_DATE_EPOCH would not reach students; it must still be newer."""
    v1 = built(DECK)
    v2 = built([replace(DECK[0], back="Edited."), *DECK[1:]], v1.ledger, T1 - 500)
    assert v2.cards[0].mtime == T1 + 1


def test_ledger__note_type_mtime_bumps_only_on_change() -> None:
    v1 = ledger.update((), ledger.Ledger(), SPECS, build_time=T1)
    same = ledger.update((), v1.ledger, SPECS, build_time=T2)
    assert dict(same.notetype_mtimes) == {"basic": T1, "cloze": T1}
    restyled = {k: replace(s, css=s.css + "\n.x{}") if k == "basic" else s for k, s in SPECS.items()}
    changed = ledger.update((), v1.ledger, restyled, build_time=T2)
    assert dict(changed.notetype_mtimes) == {"basic": T2, "cloze": T1}


def test_ledger__field_change_refused_unless_allowed() -> None:
    v1 = ledger.update((), ledger.Ledger(), SPECS, build_time=T1)
    renamed = {
        k: replace(s, fields=("Question", *s.fields[1:])) if k == "basic" else s for k, s in SPECS.items()
    }
    with pytest.raises(BuildError, match=r"Test Basic: fields \['Front'.*\['Question'.*--allow-field-change"):
        ledger.update((), v1.ledger, renamed, build_time=T2)
    allowed = ledger.update((), v1.ledger, renamed, build_time=T2, allow_field_change=True)
    assert [f.kind for f in allowed.findings] == ["warning"]
    assert allowed.ledger.note_types["basic"].fields[0] == "Question"


def test_ids__matching_is_blocked_not_all_pairs() -> None:
    """3,000 cards with every answer reworded in 30 files: matched quickly, each to its own GUID."""
    files = [f"f{i:02d}.txt" for i in range(30)]
    old = [
        LedgerEntry(
            f"g{i}", "x", T1, files[i % 30], f"Question number {i} about topic {i * 7}?", f"Answer {i}.", i, i
        )
        for i in range(3000)
    ]
    new = [
        card(f"Question number {i} about topic {i * 7}?", f"Answer {i}, now longer.", files[i % 30], i)
        for i in range(3000)
    ]
    matched, _ = match(new, old)
    assert matched == {i: f"g{i}" for i in range(3000)}


@settings(max_examples=60, deadline=None)
@given(st.permutations(range(len(DECK))))
def test_ids__guids_do_not_depend_on_card_order(order: list[int]) -> None:
    v1 = built(DECK)
    by_front = {c.front: c.guid for c in v1.cards}
    v2 = built([DECK[i] for i in order], v1.ledger, T2)
    assert {c.front: c.guid for c in v2.cards} == by_front


def test_context__ledger_is_read_only() -> None:
    v1 = built(DECK)
    assert isinstance(v1.ledger.by_guid(), MappingProxyType)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab <>&;-*•1.)\n\t#x"))))
def test_ids__plain_text_fast_path_equals_rendering(text: str) -> None:
    """The ids stage skips rendering plain text without lists; it must see what the ledger will hold."""
    assert _plain(text, Markup.TEXT) == ledger.plain_text(to_html(text, Markup.TEXT))


def test_ledger__cards_without_or_sharing_a_guid_leave_a_readable_ledger() -> None:
    """With the ids stage skipped every GUID was empty, and the ledger written could not be read back."""
    cards = [replace(c, guid="") for c in DECK] + [replace(DECK[0], guid="g"), replace(DECK[1], guid="g")]
    stamped = ledger.update(cards, ledger.Ledger(), SPECS, build_time=T1)
    assert [e.guid for e in ledger.loads(ledger.dumps(stamped.ledger)).cards] == ["g"]


def test_ledger__reads_a_file_an_editor_saved_with_bom_and_crlf(tmp_path: Path) -> None:
    v1 = built(DECK)
    path = tmp_path / "cards.lock"
    path.write_bytes(b"\xef\xbb\xbf" + ledger.dumps(v1.ledger).replace("\n", "\r\n").encode("utf-8"))
    assert ledger.read(path) == v1.ledger


# --- fast paths, against the slow ones they shortcut ----------------------------------------------

_MARKUP = st.text(alphabet=st.sampled_from(list("ab <>&;/pr\n\t\u00a0\x1c#1")), max_size=30)


@settings(max_examples=200, deadline=None)
@given(_MARKUP)
def test_plain_text__shortcut_equals_stripping_tags_and_entities(text: str) -> None:
    slow = ledger._SPACE.sub(
        " ", html.unescape(ledger._TAG.sub("", ledger._BLOCK_TAG.sub(" ", text)))
    ).strip()
    assert ledger.plain_text(text) == slow


_VALUE = st.one_of(
    st.text(max_size=5), st.integers(-2, 2), st.booleans(), st.none(), st.lists(st.integers(0, 3), max_size=3)
)
_RAW_ENTRY = st.fixed_dictionaries(
    {
        "guid": st.one_of(st.text(max_size=5), _VALUE),
        "fingerprint": st.one_of(st.text(max_size=5), _VALUE),
        "mtime": st.one_of(st.integers(0, 10**10), _VALUE),
        "file": st.one_of(st.text(max_size=5), _VALUE),
        "lines": st.one_of(st.lists(st.integers(0, 9), min_size=2, max_size=2), _VALUE),
        "note_type": st.one_of(st.sampled_from(["basic", "cloze"]), _VALUE),
        "front": st.one_of(st.text(max_size=5), _VALUE),
        "back": st.one_of(st.text(max_size=5), _VALUE),
    },
    optional={"extra": _VALUE},
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_RAW_ENTRY, _VALUE))
def test_ledger__entry_shortcut_reads_what_the_checked_path_reads(raw: object) -> None:
    def read(reader: Callable[[object, Path, int], LedgerEntry]) -> LedgerEntry | str:
        try:
            return reader(raw, Path("cards.lock"), 0)
        except BuildError as exc:
            return str(exc)

    assert read(ledger_file._entry) == read(ledger_file._checked_entry)


_ENTRY = st.builds(
    LedgerEntry,
    guid=st.text(max_size=8),
    fingerprint=st.text(alphabet="0123456789abcdef", max_size=20),
    mtime=st.integers(0, 2**40),
    file=st.text(max_size=8),
    front=st.text(max_size=20),
    back=st.text(max_size=20),
    first=st.integers(0, 10**6),
    last=st.integers(0, 10**6),
    note_type=st.sampled_from(["basic", "cloze"]),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_ENTRY, max_size=6, unique_by=lambda e: e.guid))
def test_ledger__card_lines_are_what_json_dumps_writes(entries: list[LedgerEntry]) -> None:
    text = ledger.dumps(ledger.Ledger(tuple(entries)))
    lines = text.split("\n")[5:-3]
    expected = [
        json.dumps(
            {
                "guid": e.guid,
                "fingerprint": e.fingerprint,
                "mtime": e.mtime,
                "file": e.file,
                "lines": [e.first, e.last],
                "note_type": e.note_type,
                "front": e.front,
                "back": e.back,
            },
            ensure_ascii=False,
        )
        for e in sorted(entries, key=lambda e: (e.file, e.first, e.guid))
    ]
    assert [line.strip().removesuffix(",") for line in lines] == expected
    assert ledger.loads(text).cards == tuple(sorted(entries, key=lambda e: (e.file, e.first, e.guid)))
