"""Nothing lost, as a property: random exports in every format, random text, separators, encodings.

For each generated file:
- no format's ``detect`` or ``parse`` raises, and ``parse`` accounts for every non-blank line;
- the build (decode, detect, parse, every stage) raises nothing, and every non-blank line ends up on a
  card (``source``/``also_from``) or in a finding with a reason, by ``file:line``;
- the CSV and TSV exports, parsed again, give the same notes (GUID, note type, fields, tags).
  ``cards.jsonl`` is not an input format, so it has no reparse property.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genanki_build.build import compile_cards
from genanki_build.config import Config, parse_config
from genanki_build.decode import decode
from genanki_build.formats import default_registry
from genanki_build.formats.base import ParseOptions
from genanki_build.model import Card, Markup, NoteType, SourceRef
from genanki_build.parsing import ParsedSources, parse_file
from genanki_build.render import text_to_html
from genanki_build.sources import SourceFile
from genanki_build.stage import Context
from tests.accounting import unaccounted_lines

REGISTRY = default_registry()
FORMATS = REGISTRY.names()
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

# Text with the characters formats give meaning to: separators, quotes, markers, braces, tags.
_ALPHABET = st.sampled_from(
    list("abcdefghij XYZ 0123456789")
    + list("\t,;|:\"'?.!-•*#=[](){}<>/\\`~_")
    + ["é", "ß", "“", "”", "—", "€", "中", "\u00a0", "\u2028", "\x0c", "\x85"]
)
_WORDS = st.text(_ALPHABET, max_size=40)
_LINE = st.one_of(
    _WORDS,
    st.sampled_from(
        ["", "  ", "Q: what?", "A: that.", "## Heading", "- item", "1. first", "?", "::", "START", "END"]
    ),
    st.builds(lambda a, b: f"{a}\t{b}", _WORDS, _WORDS),
    st.builds(lambda a, b: f'"{a}","{b}"', _WORDS, _WORDS),
    st.builds(lambda a: f"The {{{{c1::{a}}}}} end", _WORDS),
    st.builds(lambda a: f"{a} ![img]({a}.png) ![[{a}.jpg]]", _WORDS),
)
_HEADERS = st.sampled_from(
    [
        "",
        "Biology Flashcards\n",
        "#separator:tab\n#html:true\n",
        "#separator:comma\n#html:false\n#guid column:1\n",
        "Front,Back\n",
        "term\tdefinition\n",
        "# Notes\n\n",
        "TARGET DECK: Bio\n",
    ]
)


@st.composite
def exports(draw: st.DrawFn) -> str:
    """A text shaped roughly like some export: a format's header, then random lines."""
    header = draw(_HEADERS)
    lines = draw(st.lists(_LINE, max_size=25))
    return header + "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


@st.composite
def encoded(draw: st.DrawFn) -> bytes:
    """An export as bytes in an encoding students' tools really write."""
    text = draw(exports())
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = data.replace(b"\r", b"\r\n")
    return data


@SETTINGS
@given(text=exports())
def test_formats__parse_never_raises_and_accounts_for_every_line(text: str) -> None:
    for fmt in REGISTRY:
        score = fmt.detect(text)
        assert 0.0 <= score <= 1.0, f"{fmt.name} scored {score}"
        result = fmt.parse(text, "f.txt", ParseOptions())
        missing = unaccounted_lines(text, "f.txt", result)
        assert not missing, f"{fmt.name}: lines {missing} are on no card and in no skipped finding"


def _accounted(
    lines_of: dict[str, str], cards: tuple[Card, ...], findings: list[object]
) -> dict[str, set[int]]:
    covered: dict[str, set[int]] = {path: set() for path in lines_of}
    for card in cards:
        for ref in (card.source, *card.also_from):
            covered.setdefault(ref.file, set()).update(range(ref.first, ref.last + 1))
    for finding in findings:
        where = getattr(finding, "where", None)
        message = getattr(finding, "message", "")
        if where is not None and message.strip():
            covered.setdefault(where.file, set()).update(range(max(where.first, 1), where.last + 1))
    return covered


@settings(SETTINGS, max_examples=40)
@given(data=encoded(), forced=st.one_of(st.none(), st.sampled_from(FORMATS)))
def test_build__never_raises_and_loses_no_line(data: bytes, forced: str | None) -> None:
    config = (
        parse_config('[collection]\nname = "Prop"\nnamespace = "test/prop"\n')
        if forced is None
        else _forced(forced)
    )
    result, report = parse_file(SourceFile("f.txt", data), config, REGISTRY)
    context = Context(config=config, build_time=1_700_000_000)
    kept, excluded, stage_findings = compile_cards(
        ParsedSources(result.cards, result.findings, (report,)), context
    )
    text = decode(data).text
    covered = _accounted({"f.txt": text}, kept + excluded, [*result.findings, *stage_findings])
    lost = [
        n for n, line in enumerate(text.split("\n"), start=1) if line.strip() and n not in covered["f.txt"]
    ]
    assert not lost, f"lines {lost} are on no card and in no finding"


def _forced(name: str) -> Config:
    return parse_config(
        f'[collection]\nname = "Prop"\nnamespace = "test/prop"\n[files."f.txt"]\nformat = "{name}"\n'
    )


_FIELD = st.text(_ALPHABET, min_size=1, max_size=40).filter(lambda s: s.strip() != "")


@st.composite
def built_cards(draw: st.DrawFn) -> list[Card]:
    """Cards as the build leaves them: rendered HTML fields, a GUID, tags."""
    cards = []
    for i in range(draw(st.integers(1, 8))):
        cloze = draw(st.booleans())
        front = text_to_html(draw(_FIELD))
        if cloze:
            front = f"{front} {{{{c1::{text_to_html(draw(_FIELD))}}}}}"
        tags = tuple(
            sorted(
                set(draw(st.lists(st.from_regex(r"[a-z]{1,6}(::[a-z]{1,6})?", fullmatch=True), max_size=3)))
            )
        )
        cards.append(
            Card(
                front,
                text_to_html(draw(st.text(_ALPHABET, max_size=40) if cloze else _FIELD)),
                SourceRef("x.txt", i + 1, i + 1),
                "test",
                NoteType.CLOZE if cloze else NoteType.BASIC,
                Markup.HTML,
                deck="Prop::Lecture",
                tags=tags,
                guid=f"guid{i}",
            )
        )
    return cards


@SETTINGS
@given(cards=built_cards(), tab=st.booleans())
def test_export__csv_and_tsv_reparse_to_the_same_notes(cards: list[Card], tab: bool) -> None:
    from genanki_build.export import to_table

    names = {"basic": "Prop Basic", "cloze": "Prop Cloze"}
    text = to_table(cards, names, tab=tab)
    fmt, _ = REGISTRY.sniff(text)
    assert fmt.name == "anki-text"
    again = fmt.parse(text, "export.csv", ParseOptions()).cards

    def note(c: Card) -> tuple[object, ...]:
        return (c.guid, c.note_type, c.front, c.back, tuple(sorted(c.tags)))

    assert [note(c) for c in again] == [note(c) for c in cards]


def test_export__basic_note_with_empty_back_reparses() -> None:
    """anki-text skipped every row without an answer, as in messy input, so a note of the project's
    own export with an empty back did not read back; a row with a GUID is a real note now."""
    from genanki_build.export import to_table

    card = Card("Front only", "", SourceRef("x.txt", 1, 1), "test", markup=Markup.HTML, guid="g1")
    text = to_table([card], {"basic": "B", "cloze": "C"})
    assert len(REGISTRY.get("anki-text").parse(text, "e.csv", ParseOptions()).cards) == 1
