"""Obsidian Spaced Repetition notes."""

from __future__ import annotations

from genanki_build.formats import ParseOptions, default_registry, obsidian
from genanki_build.model import NoteType, ParseResult
from tests.accounting import assert_all_lines_accounted


def _parse(text: str, options: ParseOptions | None = None) -> ParseResult:
    result = obsidian.parse(text, "note.md", options or ParseOptions())
    assert_all_lines_accounted(text, "note.md", result)
    return result


def test_detect__anki_deck_column_is_not_an_inline_separator() -> None:
    text = "#separator:tab\n#deck column:3\nfront\tback\tBio::Cells\nfront2\tback2\tBio::Cells\n"
    assert obsidian.detect(text) == 0.0


def test_detect__logseq_properties_are_not_cards() -> None:
    text = "- block\n  id:: 65f0\n  collapsed:: true\n- other\n"
    assert obsidian.detect(text) == 0.0


def test_detect__two_inline_cards_are_enough() -> None:
    text = "Capital of France::Paris\nCapital of Peru::Lima\n"
    assert default_registry().sniff(text)[0].name == "obsidian"


def test_parse__several_scheduling_comments_on_one_line_all_stripped() -> None:
    text = "Boiling point of water\n?\n100 °C <!--SR:!2024-01-01,3,250!2024-01-04,9,270--> <!--SR:!2024-02-01,9,270-->\n"
    result = _parse(text)
    assert result.cards[0].back == "100 °C"
    fix = next(f for f in result.findings if f.kind == "fix")
    assert fix.message == "back: removed 2 scheduling comments"
    assert fix.before.endswith("-->") and fix.after == "100 °C"


def test_parse__reversed_pair_is_one_note_with_its_reversed_card() -> None:
    """`Hund:::dog` asked for both directions and got one: the flag was left to deck.toml."""
    result = _parse("Hund:::dog\n\nKatze\n??\ncat\n\nVogel::bird\n")
    assert [(c.front, c.back, "reverse" in c.flags) for c in result.cards] == [
        ("Hund", "dog", True),
        ("Katze", "cat", True),
        ("Vogel", "bird", False),
    ]
    assert any(f.kind == "info" and "with its reversed card" in f.message for f in result.findings)


def test_parse__separator_from_deck_toml() -> None:
    text = "Mitosis ;; one cell becomes two\nMeiosis ;; one cell becomes four\n"
    result = _parse(text, ParseOptions(extra={"separator": ";;"}))
    assert [c.front for c in result.cards] == ["Mitosis", "Meiosis"]


def test_parse__multiline_separator_from_deck_toml() -> None:
    text = "What is osmosis?\n%%\nWater crossing a membrane.\n"
    result = _parse(text, ParseOptions(extra={"multiline_separator": "%%"}))
    assert [(c.front, c.back) for c in result.cards] == [("What is osmosis?", "Water crossing a membrane.")]


def test_parse__a_single_custom_tag_line_is_not_a_separator() -> None:
    """One ``<hr class="x">`` between text is layout, not a card separator."""
    result = _parse('Some text\n<hr class="x">\nMore text\n\nA::B\n')
    assert [(c.front, c.back) for c in result.cards] == [("A", "B")]


def test_parse__separator_without_answer_is_skipped() -> None:
    result = _parse("A lonely question\n?\n\nNext paragraph.\n")
    assert result.cards == ()
    assert {f.message for f in result.findings} == {
        "multi-line card without a question or an answer",
        "prose between cards",
    }


def test_parse__cloze_inside_anki_braces_is_not_an_inline_card() -> None:
    result = _parse("The {{c1::nucleus}} holds the ==DNA==.\n")
    assert [c.note_type for c in result.cards] == [NoteType.CLOZE]
    assert result.cards[0].front == "The {{c1::nucleus}} holds the {{c2::DNA}}."


def test_parse__heading_names_the_lecture() -> None:
    result = _parse("# Chemistry\n\n## Acids\n\nA::B\n")
    assert result.cards[0].title == "Chemistry"
    assert result.title == "Chemistry"


def test_parse__recurring_question_gets_its_heading_as_context() -> None:
    text = "# Notes\n\n## Fruit\n\n- first ::@:: apple\n\n## Vegetables\n\n- first ::@:: carrot\n- last ::@:: leek\n"
    result = _parse(text)
    assert [c.front for c in result.cards] == ["Fruit › first", "Vegetables › first", "last"]
    assert sum(1 for f in result.findings if f.kind == "fix" and "context" in f.message) == 2


def test_parse__recurring_question_with_the_same_answer_left_alone() -> None:
    """Two equal cards are a duplicate for the dedupe stage, not an ambiguity."""
    result = _parse("## A\n\nx::y\n\n## B\n\nx::y\n")
    assert [c.front for c in result.cards] == ["x", "x"]


def test_parse__deck_tag_on_the_title_heading_is_not_the_title() -> None:
    result = _parse("#flashcards\n\n# Biology #flashcards/cells\n\nCell::unit of life\n")
    assert result.cards[0].title == "Biology"
    assert [f.message for f in result.findings] == ["tag line", "heading"]


def test_detect__outline_of_at_separator_cards_is_obsidian() -> None:
    """Regression: a plain list of ``- a ::@:: b`` lines went to the Quizlet-export sniffer,
    which split them at the ``@``."""
    text = "\n".join(f"- term {i} ::@:: definition {i}" for i in range(5))
    assert default_registry().sniff(text)[0].name == "obsidian"
