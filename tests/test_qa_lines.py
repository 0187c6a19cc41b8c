"""Plain Q:/A: exam banks."""

from __future__ import annotations

from genanki_build.formats import ParseOptions, default_registry, qa_lines
from genanki_build.model import Markup, ParseResult
from tests.accounting import assert_all_lines_accounted


def _parse(text: str) -> ParseResult:
    result = qa_lines.parse(text, "bank.txt", ParseOptions())
    assert_all_lines_accounted(text, "bank.txt", result)
    return result


def test_detect__plain_bank_beats_markdown() -> None:
    text = "Q:\tOne?\nA:\tyes\n\nQ:\tTwo?\nA:\tno\n"
    assert default_registry().sniff(text)[0].name == "qa-lines"


def test_detect__qa_inside_a_markdown_document_goes_to_markdown() -> None:
    text = "# Deck\n\nQ: One?\nA: yes\n\nQ: Two?\nA: no\n"
    assert default_registry().sniff(text)[0].name == "markdown"


def test_detect__brainscape_markers_without_colons_are_not_qa_lines() -> None:
    assert qa_lines.detect("1\nQ\nWhat?\nA\nThat.\n2\nQ\nWho?\nA\nHim.\n") == 0.0


def test_parse__plain_text_markup() -> None:
    """The bank is plain text: ``*`` and ``_`` must not become emphasis."""
    result = _parse("Q:\t2 * 3 * 4?\nA:\t24\n")
    assert result.cards[0].markup is Markup.TEXT


def test_parse__text_before_the_first_question_is_reported() -> None:
    result = _parse("Exam 2019\n\nQ:\tOne?\nA:\tyes\n")
    assert [f.message for f in result.findings] == ["not part of a Q:/A: card"]


def test_parse__labels_with_spaces_instead_of_tabs() -> None:
    result = _parse("Q: One?\nA: yes\n")
    assert [(c.front, c.back) for c in result.cards] == [("One?", "yes")]
