"""Anki's "Notes in Plain Text" export: headers, GUIDs, cloze notes, the older header-less kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from genanki_build.formats import ParseOptions, default_registry
from genanki_build.formats.anki_text import detect, parse
from genanki_build.model import Markup, NoteType, ParseResult
from tests.accounting import assert_all_lines_accounted
from tests.conftest import write_tree


def _parse(text: str) -> ParseResult:
    result = parse(text, "notes.txt", ParseOptions())
    assert_all_lines_accounted(text, "notes.txt", result)
    return result


@pytest.mark.parametrize(
    ("name", "sep"),
    [("tab", "\t"), ("comma", ","), ("semicolon", ";"), ("pipe", "|"), ("space", " "), ("%", "%")],
)
def test_parse__separator_header(name: str, sep: str) -> None:
    text = f"#separator:{name}\n#html:false\none{sep}eins\ntwo{sep}zwei\n"
    result = _parse(text)
    assert [(c.front, c.back) for c in result.cards] == [("one", "eins"), ("two", "zwei")]
    assert all(c.markup is Markup.TEXT for c in result.cards)


def test_parse__guid_kept_so_reimports_update() -> None:
    text = "#separator:tab\n#html:true\n#guid column:1\nQ1w!e#r\tFront\tBack\n"
    (card,) = _parse(text).cards
    assert (card.guid, card.guid_given) == ("Q1w!e#r", True)
    assert (card.front, card.back, card.markup) == ("Front", "Back", Markup.HTML)


def test_parse__duplicate_guid_warns_and_drops_the_later_one() -> None:
    text = "#separator:tab\n#guid column:1\nabc\tone\t1\nabc\ttwo\t2\n"
    result = _parse(text)
    assert [(c.guid, c.guid_given) for c in result.cards] == [("abc", True), ("", False)]
    (warning,) = [f for f in result.findings if f.kind == "warning"]
    assert warning.where is not None and warning.where.first == 4
    assert "notes.txt:3" in warning.message


def test_parse__cloze_notetype_with_hint_and_extra() -> None:
    text = (
        "#separator:tab\n#html:true\n#notetype column:1\n#deck column:2\n#tags column:5\n"
        "Cloze\tBio::Cells::Organelles\tThe {{c1::nucleus::control centre}} holds DNA.\tSee chapter 2\tcell exam\n"
    )
    (card,) = _parse(text).cards
    assert card.note_type is NoteType.CLOZE
    assert card.front == "The {{c1::nucleus::control centre}} holds DNA."
    assert card.back == "See chapter 2"
    assert card.title == "Bio::Cells::Organelles"
    assert card.tags == ("cell", "exam")


def test_parse__cloze_by_content_without_notetype_column() -> None:
    text = "#separator:tab\n#html:true\nWater boils at {{c1::100}} °C\t\n"
    (card,) = _parse(text).cards
    assert card.note_type is NoteType.CLOZE
    assert card.back == ""


def test_parse__quoted_multiline_fields_with_doubled_quotes() -> None:
    text = '#separator:tab\n#html:true\n"Say ""hi""\nin French"\t"Salut\n<br>or ""Bonjour"""\nnext\tone\n'
    result = _parse(text)
    assert [(c.front, c.back, c.source.first, c.source.last) for c in result.cards] == [
        ('Say "hi"\nin French', 'Salut\n<br>or "Bonjour"', 3, 5),
        ("next", "one", 6, 6),
    ]


def test_parse__basic_note_with_empty_back_is_reported() -> None:
    text = "#separator:tab\n#html:false\nlonely front\t\nfront\tback\n"
    result = _parse(text)
    assert [c.front for c in result.cards] == ["front"]
    assert [(f.kind, f.where.first if f.where else 0) for f in result.findings][-1] == ("skipped", 3)


def test_parse__note_with_a_guid_and_an_empty_back_is_kept() -> None:
    """A note of an Anki collection (it has a GUID) may have an empty back; a stray row may not."""
    text = "#separator:tab\n#html:false\n#guid column:1\nAb1\tlonely front\t\n\tstray front\t\nCd2\tfront\tback\n"
    result = _parse(text)
    assert [(c.front, c.back, c.guid) for c in result.cards] == [
        ("lonely front", "", "Ab1"),
        ("front", "back", "Cd2"),
    ]
    below_headers = [(f.kind, f.where.first) for f in result.findings if f.where and f.where.first > 3]
    assert below_headers == [("info", 4), ("skipped", 5)]


def test_parse__legacy_without_entities_is_text() -> None:
    text = "eat\tessen\ndrink\ttrinken\nsleep\tschlafen\n"
    result = _parse(text)
    assert all(c.markup is Markup.TEXT for c in result.cards)
    assert len(result.cards) == 3


def test_detect__headers_are_certain_legacy_needs_html() -> None:
    assert detect("#separator:tab\n#html:true\na\tb\n") == 0.99
    legacy = "ls\tlist<br />files\ncd\tchange &lt;dir&gt;\npwd\tprint directory\n"
    assert detect(legacy) > 0.8
    assert default_registry().sniff(legacy)[0].name == "anki-text"
    plain = "eat\tessen\ndrink\ttrinken\nsleep\tschlafen\n"
    assert default_registry().sniff(plain)[0].name == "quizlet-export"


def test_detect__not_labelled_lines_or_prose() -> None:
    assert detect("Q:\tone?\nA:\tuno\nQ:\ttwo?\nA:\tdos\nQ:\tthree?\nA:\ttres\n") == 0.0
    assert detect("Just a sentence, nothing more.\nAnother one here.\n") == 0.0


def test_build__anki_keeps_the_exported_guids(tmp_path: Path, collection: Any) -> None:
    """Real Anki judges: the notes it imports carry the GUIDs of the export, cloze stays cloze."""
    from genanki_build.build import build
    from genanki_build.check import import_into

    text = (
        "#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n#deck column:3\n"
        "k9#Lm2!xQ\tCloze\tChem::Gases\tThe noble gas in balloons is {{c1::helium}}.\t\n"
        "Zt6&pW0@eR\tBasic\tChem::Gases\tMost abundant gas in air?\tnitrogen\n"
    )
    source = write_tree(tmp_path / "src", {"chem.txt": text}, deck_toml='[collection]\nname = "Chem"\n')
    build(source, tmp_path / "out", timestamp=1_700_000_000, write_ledger=False)
    import_into(collection, tmp_path / "out" / "Chem.apkg")
    notes = [collection.get_note(n) for n in collection.find_notes("")]
    kinds = {note.guid: collection.models.get(note.mid)["type"] for note in notes}
    assert kinds == {"k9#Lm2!xQ": 1, "Zt6&pW0@eR": 0}  # 1 = cloze model, 0 = standard


def test_parse__columns_header_names_the_tags_column() -> None:
    text = "#separator:comma\n#html:false\n#columns:Front,Back,Tags\nsun,Sonne,astro nature\n"
    (card,) = _parse(text).cards
    assert (card.front, card.back, card.tags) == ("sun", "Sonne", ("astro", "nature"))


def test_parse__broken_quote_costs_one_line() -> None:
    """A stray opening quote used to swallow every later note into one field."""
    text = '#separator:tab\n#html:false\nfine\tone\n"broken\ttwo\nnext\tthree\nlast\tfour\n'
    result = _parse(text)
    # Line 4 alone is one quoted field running to the line's end: a note without a back, reported.
    assert [(c.front, c.back) for c in result.cards] == [("fine", "one"), ("next", "three"), ("last", "four")]
    assert [f.where.first for f in result.findings if f.kind == "warning" and f.where] == [4]


@pytest.mark.parametrize("tab", [True, False])
def test_parse__reads_back_this_projects_own_export(tab: bool) -> None:
    """Round trip: ``genanki-build export --format tsv`` read again keeps GUIDs, types, tags, decks."""
    from genanki_build.export import to_table
    from genanki_build.model import Card, SourceRef

    where = SourceRef("x.md", 1, 1)
    cards = [
        Card(
            "What is <b>ATP</b>?",
            "energy, 'currency'\tof cells",
            where,
            "markdown",
            guid="g1",
            deck="Bio::Cells",
            tags=("exam", "lecture::L01"),
            flags=frozenset({"reverse"}),
        ),
        Card(
            'The "powerhouse" is the {{c1::mitochondrion}}',
            "",
            where,
            "markdown",
            note_type=NoteType.CLOZE,
            guid="g,2",
            deck="Bio::Cells",
        ),
        Card("Line one\nline two", "answer", where, "markdown", guid='g"3', deck="Bio::Plants"),
    ]
    table = to_table(cards, {"basic": "Bio Basic", "cloze": "Bio Cloze"}, tab=tab)
    result = _parse(table)
    assert [
        (c.front, c.back, c.note_type, c.guid, c.guid_given, c.tags, c.title, c.markup) for c in result.cards
    ] == [(c.front, c.back, c.note_type, c.guid, True, c.tags, c.deck, Markup.HTML) for c in cards]
    assert [c.flags for c in result.cards] == [frozenset({"reverse"}), frozenset(), frozenset()]


def test_parse__legacy_last_column_of_tag_lists_is_tags() -> None:
    text = (
        "ls\tlist files\tshell unix::basics\ncd\tchange directory\t\npwd\tprint <b>working</b> dir\tshell\n"
    )
    result = _parse(text)
    assert [(c.back, c.tags) for c in result.cards] == [
        ("list files", ("shell", "unix::basics")),
        ("change directory", ()),
        ("print <b>working</b> dir", ("shell",)),
    ]


def test_parse__legacy_third_column_of_text_is_not_tags() -> None:
    text = "ls\tlist files\tcommon on every system\ncd\tchange directory\tmoves you\n"
    result = _parse(text)
    assert [c.tags for c in result.cards] == [(), ()]
    assert result.cards[0].back.endswith("common on every system")


def test_parse__a_notetype_that_always_reverses_flags_the_card() -> None:
    """A "Basic (and reversed card)" note lost its reverse card: only an "Add Reverse" value counted."""
    text = (
        "#separator:tab\n#html:false\n#notetype column:1\n"
        "Basic (and reversed card)\tH2O\twater\n"
        "Basic (optional reversed card)\tNaCl\tsalt\t\n"
        "Basic (optional reversed card)\tCO2\tcarbon dioxide\ty\n"
        "Basic\tO2\toxygen\n"
    )
    result = _parse(text)
    assert [(c.front, c.back, "reverse" in c.flags) for c in result.cards] == [
        ("H2O", "water", True),
        ("NaCl", "salt", False),
        ("CO2", "carbon dioxide", True),
        ("O2", "oxygen", False),
    ]


@pytest.mark.parametrize(
    ("field", "html"),
    [
        ("<div>", False),
        ("<script>x</script>", False),
        ("<p>word " * 1000, False),
        ("<b>bold</b> text", True),
        ("a &amp; b", True),
        ("line<br>next", True),
        ('<img src="a.png">', True),
        ("<B>Bold</b>", True),
    ],
)
def test_shows_html__cues_each_read_once(field: str, html: bool) -> None:
    """A tag searched for its own closing tag made a field of many unclosed tags quadratic (a 320 KB
    line took 46 s); the cues are now found one pattern at a time, with the same answers."""
    from genanki_build.formats.anki_text import _shows_html

    assert _shows_html(field) is html
