"""Obsidian_to_Anki plugin notes."""

from __future__ import annotations

from genanki_build.formats import ParseOptions, default_registry, obsidian_to_anki
from genanki_build.model import ParseResult
from tests.accounting import assert_all_lines_accounted


def _parse(text: str) -> ParseResult:
    result = obsidian_to_anki.parse(text, "deck.md", ParseOptions())
    assert_all_lines_accounted(text, "deck.md", result)
    return result


def test_detect__start_end_blocks() -> None:
    text = "START\nBasic\nFront text\nBack: back text\nEND\n"
    assert default_registry().sniff(text)[0].name == "obsidian-to-anki"


def test_detect__words_start_and_end_in_prose_are_not_blocks() -> None:
    assert obsidian_to_anki.detect("Start the engine.\nEnd of the day.\n") == 0.0


def test_parse__target_deck_on_the_next_line() -> None:
    result = _parse("TARGET DECK\nChemistry::Acids\n\nSTART\nBasic\npH of water?\nBack: 7\nEND\n")
    assert result.title == "Chemistry::Acids"
    assert result.cards[0].title == "Chemistry::Acids"
    assert {f.where.first for f in result.findings if f.kind == "skipped" and f.where} == {1, 2}


def test_parse__id_comment_removed_and_reported() -> None:
    result = _parse("START\nBasic\nQ\nBack: A\n<!--ID: 123-->\nEND\n")
    assert result.cards[0].back == "A"
    assert [f.message for f in result.findings if f.kind == "fix"] == ["back: removed 1 plugin ID comment"]


def test_parse__block_without_end_is_reported() -> None:
    result = _parse("START\nBasic\nQ\nBack: A\n")
    assert result.cards == ()
    assert all("not closed" in f.message for f in result.findings)


def test_parse__other_note_type_made_basic_and_reported() -> None:
    result = _parse("START\nBasic (and reversed card)\nHund\nBack: dog\nEND\n")
    assert [(c.front, c.back) for c in result.cards] == [("Hund", "dog")]
    assert any(f.kind == "info" and "Basic (and reversed card)" in f.message for f in result.findings)


def test_parse__basic_note_without_back_is_skipped() -> None:
    result = _parse("START\nBasic\nOnly a question\nEND\n")
    assert result.cards == ()
    assert {f.message for f in result.findings} == {"Basic note without a question or an answer"}


def test_parse__inline_note() -> None:
    result = _parse("STARTI [Basic] Capital of Peru? Back: Lima ENDI\n")
    assert [(c.front, c.back, c.source.first) for c in result.cards] == [("Capital of Peru?", "Lima", 1)]
    assert obsidian_to_anki.detect("STARTI [Basic] Capital of Peru? Back: Lima ENDI\n") > 0.5
