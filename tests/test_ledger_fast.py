"""The ledger's and the ids stage's shortcuts give what the plain way of working gives."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from genanki_build import ledger
from genanki_build.config import Config
from genanki_build.ids import _plain, assign_ids, match
from genanki_build.model import Card, Markup, NoteType, SourceRef
from genanki_build.notetypes import note_types
from genanki_build.render import render_cards, to_html
from genanki_build.stage import Context, LedgerEntry

T1, T2 = 1_700_000_000, 1_700_086_400
SPECS = note_types("Test")

# Every character str.split() splits on, some that are not printable but are no white space, list
# markers, digits (an Arabic-Indic one too), and what HTML escaping touches.
_TRICKY = list(" \t\n\x0b\x0c\r\x1c\x1f\x85\u00a0\u1680\u2003\u2028\u2029\u202f\u3000\x01\u200b")
_TRICKY += list("-•·▪◦*1.)٣<>&;\"'ab")
_TEXT = st.text(alphabet=st.sampled_from(_TRICKY), max_size=12)
# A field that may start like a list item: indent, marker, space, then anything.
_ITEMISH = st.tuples(
    st.sampled_from(["", " ", "\t"]),
    st.sampled_from([*"-•·▪◦*", "1.", "12)", "٣.", "1234."]),
    st.sampled_from(["", " ", "\u00a0"]),
    _TEXT,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_collapse_space__is_split_and_join(text: str) -> None:
    assert ledger.collapse_space(text) == " ".join(text.split())


@settings(max_examples=200, deadline=None)
@given(st.one_of(_TEXT, _ITEMISH))
@example("1. ab").via("a one-line numbered list")
@example("٣) ab").via("its number in other digits")
@example(" - ab").via("an indented bullet")
def test_ids__plain_of_any_text_is_the_rendered_plain_text(text: str) -> None:
    """A one-line field starting with a list marker or a digit takes the long way, like the rest."""
    assert _plain(text, Markup.TEXT) == ledger.plain_text(to_html(text, Markup.TEXT))


_CARD = st.builds(
    Card,
    front=_TEXT,
    back=_TEXT,
    source=st.builds(SourceRef, st.sampled_from(["a.txt", "b.txt"]), st.integers(1, 3), st.integers(3, 5)),
    format=st.just("test"),
    note_type=st.sampled_from(list(NoteType)),
    tags=st.lists(st.sampled_from(["b", "a", "x::y"]), max_size=3).map(tuple),
    flags=st.frozensets(st.sampled_from(["reverse", "conflict"]), max_size=2),
    guid=st.sampled_from(["", "g1", "g2", "g3"]),
    mtime=st.sampled_from([0, T1]),
)


@settings(max_examples=200, deadline=None)
@given(_CARD, st.booleans())
def test_fingerprint__hashes_the_fields_joined_by_unit_separators(card: Card, reverse: bool) -> None:
    """Fingerprints already in cards.lock files were made this way: a different text marks every
    note changed. Only a card flagged reverse without the reverse option hashes "11", not "01":
    its "Add Reverse" field is now written, so its note did change."""
    flagged = "reverse" in card.flags
    flag = f"{int(reverse or flagged)}{int(flagged)}" if card.note_type is NoteType.BASIC else ""
    parts = (card.note_type.value, card.front, card.back, flag, " ".join(sorted(card.tags)))
    expected = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]
    assert ledger.fingerprint(card, reverse=reverse) == expected


def _edited(entry: LedgerEntry, what: int) -> LedgerEntry:
    """``entry`` with one field changed (or none, for ``what`` 0)."""
    changes: list[dict[str, object]] = [
        {},
        {"fingerprint": "0"},
        {"mtime": entry.mtime + 5},
        {"file": "c.txt"},
        {"front": entry.front + "!"},
        {"back": entry.back + "!"},
        {"first": entry.first + 1},
        {"last": entry.last + 1},
        {"note_type": "other"},
    ]
    return replace(entry, **changes[what])  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.lists(_CARD, max_size=6), st.lists(st.integers(0, 8), min_size=6, max_size=6), st.booleans())
def test_ledger__each_entry_describes_its_card_as_built(
    cards: list[Card], edits: list[int], reverse: bool
) -> None:
    """An unchanged note keeps the entry read from the ledger: it must be the entry a first build
    would write for the card, with any field that differs written anew."""
    first = ledger.update(cards, ledger.Ledger(), SPECS, build_time=T1, reverse=reverse).ledger
    previous = replace(first, cards=tuple(_edited(e, n) for e, n in zip(first.cards, edits, strict=False)))
    stamped = ledger.update(cards, previous, SPECS, build_time=T2, reverse=reverse)
    by_guid = {c.guid: c for c in reversed(stamped.cards)}  # the first card with a GUID is recorded
    for entry in stamped.ledger.cards:
        card = by_guid[entry.guid]
        assert entry == LedgerEntry(
            guid=card.guid,
            fingerprint=ledger.fingerprint(card, reverse=reverse),
            mtime=card.mtime,
            file=card.source.file,
            front=ledger.plain_text(card.front),
            back=ledger.plain_text(card.back),
            first=card.source.first,
            last=card.source.last,
            note_type=card.note_type.value,
        )


def _card(front: str, back: str, file: str = "a.txt", line: int = 1) -> Card:
    c = Card(front=front, back=back, source=SourceRef(file, line, line), format="test")
    return replace(c, identity=f"{front}\x1f{back}")


_DECK = st.lists(
    st.builds(
        _card,
        st.sampled_from(["What is a cell?", "What is a cell ?", "Define osmosis.", "- a list"]),
        st.sampled_from(["The unit of life.", "Water crossing a membrane.", "x"]),
        st.sampled_from(["a.txt", "b.txt"]),
        st.integers(1, 9),
    ),
    max_size=6,
)


def _built(cards: list[Card], previous: ledger.Ledger, at: int, *, forget_times: bool) -> ledger.Stamped:
    context = Context(config=Config(name="Test"), build_time=at, ledger=previous.by_guid())
    result = assign_ids(tuple(cards), context).cards
    if forget_times:
        result = tuple(replace(c, mtime=0) for c in result)
    return ledger.update(render_cards(result, context).cards, previous, SPECS, build_time=at)


@settings(max_examples=100, deadline=None)
@given(_DECK, _DECK)
def test_ids__the_time_it_leaves_on_a_card_changes_nothing_the_ledger_stamps(
    v1: list[Card], v2: list[Card]
) -> None:
    """The ids stage gives each card the time the ledger will most likely stamp, to spare a copy;
    a card that reached the ledger with no time must be stamped the same."""
    first = _built(v1, ledger.Ledger(), T1, forget_times=False)
    assert first == _built(v1, ledger.Ledger(), T1, forget_times=True)
    assert _built(v2, first.ledger, T2, forget_times=False) == _built(v2, first.ledger, T2, forget_times=True)


def test_ids__exact_text_in_two_files_goes_to_the_entry_in_the_cards_file() -> None:
    """Entries with the same text are looked at by file, line and GUID, whatever order the ledger
    lists them in."""
    entries = [
        LedgerEntry("g3", "f", T1, "b.txt", "Q", "A", 5, 5),
        LedgerEntry("g2", "f", T1, "b.txt", "Q", "A", 2, 2),
        LedgerEntry("g1", "f", T1, "a.txt", "Q", "A", 9, 9),
    ]
    cards = [_card("Q", "A", "b.txt"), _card("Q", "A", "c.txt"), _card("Q", "A", "b.txt")]
    for order in (entries, entries[::-1]):
        assert match(cards, order) == ({0: "g2", 1: "g1", 2: "g3"}, {})
