"""Text copied from a Brainscape deck page."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.formats import ParseOptions
from genanki_build.formats import brainscape_page as bp
from genanki_build.model import ParseResult
from tests.accounting import assert_all_lines_accounted

WIDGET = "How well did you know this?\n1\nNot at all\n2\n3\n4\n5\nPerfectly\n"


def _parse(text: str) -> ParseResult:
    result = bp.parse(text, "deck.txt", ParseOptions())
    assert_all_lines_accounted(text, "deck.txt", result)
    return result


def test_detect__numbered_blocks_score_high() -> None:
    text = "Chem Flashcards\n1\nQ\nWhat is H2O?\nA\nwater\n" + WIDGET + "2\nQ\nWhat is O2?\nA\noxygen\n"
    assert bp.detect(text) >= 0.9


def test_detect__other_texts_score_zero() -> None:
    assert bp.detect("Chem Flashcards\nWhat is H2O?\nwater\nWhat is O2?\noxygen\n") == 0.0
    assert bp.detect("Q: What is H2O?\nA: water\nQ: What is O2?\nA: oxygen\n") == 0.0


def test_parse__widget_numbers_and_markers_never_reach_a_card() -> None:
    text = "1\nQ\nWhat is H2O?\nA\nwater\n" + WIDGET + "2\nQ\nWhat is O2?\nA\noxygen\n" + WIDGET
    result = _parse(text)
    assert [(c.front, c.back) for c in result.cards] == [("What is H2O?", "water"), ("What is O2?", "oxygen")]
    reasons = [f.message for f in result.findings]
    assert reasons.count("rating widget") == 16
    assert reasons.count("card number") == 2


def test_parse__blank_lines_between_bullets_are_dropped_so_the_list_stays_one_list() -> None:
    text = "1\nQ\n\nPrimary colours?\n\nA\n\n· red\n\n· yellow\n\n· blue\n\n" + WIDGET
    (card,) = _parse(text).cards
    assert card.back == "· red\n· yellow\n· blue"


def test_parse__indented_numbered_items_are_stripped() -> None:
    text = "1\nQ\nSteps?\nA\n  1. mix\n  2. bake\n"
    (card,) = _parse(text).cards
    assert card.back == "1. mix\n2. bake"


def test_parse__blocks_without_numbers_or_widget() -> None:
    text = "Q\nFirst?\nA\none\nQ\nSecond?\nA\ntwo\n"
    assert [(c.front, c.back) for c in _parse(text).cards] == [("First?", "one"), ("Second?", "two")]


def test_parse__a_number_inside_an_answer_stays_in_the_answer() -> None:
    text = "1\nQ\nHow many legs has a spider?\nA\n8\n" + WIDGET + "2\nQ\nAnd an insect?\nA\n6\n"
    result = _parse(text)
    assert [c.back for c in result.cards] == ["8", "6"]


def test_parse__a_q_block_without_an_a_marker_is_reported_not_guessed() -> None:
    text = "1\nQ\nFirst?\nA\none\n2\nQ\nBroken block\nno answer marker\n3\nQ\nThird?\nA\nthree\n"
    result = _parse(text)
    assert [c.front for c in result.cards] == ["First?", "Third?"]
    assert [f.before for f in result.findings if f.message == "a Q block without an A marker"] == [
        "Broken block",
        "no answer marker",
    ]


def test_parse__text_after_the_widget_is_reported() -> None:
    text = "1\nQ\nFirst?\nA\none\n" + WIDGET + "Upgrade to Pro\n"
    result = _parse(text)
    assert [f.before for f in result.findings if f.message == "after the rating widget"] == ["Upgrade to Pro"]


def test_parse__lines_before_the_first_block_are_title_or_reported() -> None:
    text = "Biology Flashcards\nShared by a student\n1\nQ\nFirst?\nA\none\n"
    result = _parse(text)
    assert result.title == "Biology Flashcards"
    assert [(f.message, f.before) for f in result.findings][:2] == [
        ("title", "Biology Flashcards"),
        ("outside any Q/A block", "Shared by a student"),
    ]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans(),
            st.lists(
                st.sampled_from(["What is X?", "· item", "1. step", "", "text"]), min_size=0, max_size=4
            ),
            st.lists(st.sampled_from(["answer", "· item", "  2. step", "", "5", "Not at all"]), max_size=5),
            st.booleans(),
        ),
        max_size=6,
    )
)
def test_parse__every_line_is_accounted_for(
    blocks: list[tuple[bool, list[str], list[str], bool]],
) -> None:
    parts = ["Deck Flashcards"]
    for n, (numbered, question, answer, widget) in enumerate(blocks, start=1):
        parts += ([str(n)] if numbered else []) + ["Q", *question, "A", *answer]
        parts += WIDGET.splitlines() if widget else []
    text = "\n".join(parts) + "\n"
    result = _parse(text)
    for card in result.cards:
        assert card.front.strip() and card.back.strip()
        assert "\n\n" not in card.back
