"""Multiple-choice blocks: options, answer letters, never a bare letter on the back."""

from __future__ import annotations

from genanki_build.formats import ParseOptions, default_registry
from genanki_build.formats.mcq import detect, parse
from genanki_build.model import ParseResult
from tests.accounting import assert_all_lines_accounted


def _parse(text: str) -> ParseResult:
    result = parse(text, "quiz.txt", ParseOptions())
    assert_all_lines_accounted(text, "quiz.txt", result)
    return result


def test_parse__option_without_space_and_bare_answer_letter() -> None:
    text = "Gas we exhale?\na.oxygen\nb.carbon dioxide\nc. nitrogen\nb\n"
    (card,) = _parse(text).cards
    assert card.front == "Gas we exhale?\na. oxygen\nb. carbon dioxide\nc. nitrogen"
    assert card.back == "b. carbon dioxide"


def test_parse__several_answers_and_labelled_answer() -> None:
    text = "Even numbers?\na) 2\nb) 3\nc) 4\nAnswer: a, c\n\n\nOdd one?\n(a) 5\n(b) 6\nans: B\n"
    result = _parse(text)
    assert [c.back for c in result.cards] == ["a. 2\nc. 4", "b. 6"]


def test_parse__blocks_without_blank_lines_split_at_answers() -> None:
    text = "One?\na. 1\nb. 2\na\nTwo?\na. 1\nb. 2\nb\n"
    assert [c.back for c in _parse(text).cards] == ["a. 1", "b. 2"]


def test_parse__unanswered_block_is_reported_not_carded() -> None:
    text = "Which is red?\na. sky\nb. blood\n\nNext question?\na. yes\nb. no\nb\n"
    result = _parse(text)
    assert [c.front.split("\n")[0] for c in result.cards] == ["Next question?"]
    skipped = [f.where.first for f in result.findings if f.kind == "skipped" and f.where]
    assert skipped == [1, 2, 3]


def test_parse__answer_letter_outside_the_options_is_not_an_answer() -> None:
    text = "Pick one\na. this\nb. that\nd\n"
    result = _parse(text)
    assert result.cards == ()
    assert all("without an answer" in f.message for f in result.findings)


def test_parse__blank_stays_in_question_and_option_may_wrap() -> None:
    text = "The ____ carries water.\na. xylem, the\nwoody tissue\nb. phloem\na\n"
    (card,) = _parse(text).cards
    assert card.front.startswith("The ____ carries water.\n")
    assert card.back == "a. xylem, the woody tissue"


def test_parse__question_starting_with_letter_a_is_not_an_answer() -> None:
    text = "A cell has\na. a nucleus\nb. no wall\nA plant cell also has\na\n"
    (card,) = _parse(text).cards
    assert card.back == "a. a nucleus"
    assert "A plant cell also has" in card.back or "A plant cell also has" in card.front


def test_detect__mcq_wins_and_plain_lists_do_not() -> None:
    quiz = "One?\na. 1\nb. 2\na\n\nTwo?\na. 1\nb. 2\nb\n"
    assert default_registry().sniff(quiz)[0].name == "mcq"
    outline = "Steps\na. wash\nb. dry\nc. fold\n\nMore steps\na. iron\nb. store\n"
    assert detect(outline) == 0.0
