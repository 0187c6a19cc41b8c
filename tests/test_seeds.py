"""The seed exports in ``source/`` give exactly the cards a careful person makes of them.

The splits below were written down by reading each file line by line: ``(question's first line,
answer's first line, answer's last line)`` per card. Every line is also accounted for.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from genanki_build.decode import decode
from genanki_build.formats import ParseOptions, default_registry
from genanki_build.formats import _segment as seg
from genanki_build.formats import quizlet_page as qp
from genanki_build.model import Card, ParseResult
from tests.accounting import assert_all_lines_accounted
from tests.conftest import SOURCE

PLACEHOLDERS = {"se billede", "se model", "se billede af model"}

SPLITS: dict[str, list[tuple[int, int, int]]] = {
    "000": [
        (2, 3, 3), (4, 5, 5), (6, 7, 7), (8, 9, 9), (10, 11, 11), (12, 13, 13), (14, 15, 15),
        (16, 17, 17), (18, 19, 19), (20, 21, 21), (22, 23, 23), (24, 25, 25), (26, 27, 27),
        (28, 29, 29), (30, 31, 31), (32, 33, 33), (34, 35, 36), (37, 38, 38), (39, 40, 40),
        (41, 42, 42), (43, 44, 44), (45, 46, 46), (47, 48, 48), (49, 50, 53),
    ],
    "001": [
        (2, 3, 3), (4, 5, 5), (6, 7, 7), (8, 9, 9), (10, 11, 11), (12, 13, 13), (14, 15, 15),
        (16, 17, 17), (18, 19, 19), (20, 21, 24), (25, 26, 26), (27, 28, 28), (29, 30, 30),
        (31, 32, 32), (33, 34, 34),
    ],
    "004": [
        (2, 4, 4), (5, 6, 7), (8, 10, 10), (11, 12, 12), (13, 14, 15), (16, 17, 20), (21, 22, 22),
        (23, 24, 25), (26, 27, 27), (28, 29, 32), (33, 34, 36), (37, 38, 38), (39, 40, 40),
        (41, 42, 46), (47, 48, 49), (50, 51, 54), (55, 56, 56), (57, 58, 58), (59, 60, 60),
        (61, 62, 62), (63, 64, 64), (65, 66, 66), (67, 68, 70),
    ],
}  # fmt: skip


def _seed(prefix: str) -> Path:
    matches = sorted(SOURCE.glob(f"{prefix}_*.txt"))
    if len(matches) != 1:
        pytest.skip(f"seed {prefix} is not in source/")
    return matches[0]


def _parse(prefix: str) -> tuple[str, str, str, ParseResult]:
    path = _seed(prefix)
    text = decode(path.read_bytes()).text
    fmt, _ = default_registry().sniff(text)
    return path.name, text, fmt.name, fmt.parse(text, path.name, ParseOptions())


def _by_front(cards: tuple[Card, ...], front: str) -> Card:
    found = [c for c in cards if c.front == front]
    assert len(found) == 1, f"{front!r}: {len(found)} cards"
    return found[0]


@pytest.mark.parametrize(("prefix", "count"), [("000", 24), ("001", 15), ("004", 23)])
def test_seed__quizlet_page_gives_the_careful_split(prefix: str, count: int) -> None:
    name, text, fmt, result = _parse(prefix)
    assert fmt == "quizlet-page"
    assert len(result.cards) == count
    lines = text.split("\n")

    def joined(first: int, last: int) -> str:
        return "\n".join(lines[n - 1].strip() for n in range(first, last + 1))

    got = [(c.front, c.back) for c in result.cards]
    want = [(joined(q, a - 1), joined(a, end)) for q, a, end in SPLITS[prefix]]
    assert got == want
    assert_all_lines_accounted(text, name, result)
    assert [f.where.first for f in result.findings if f.where] == [1]
    assert result.title == lines[0].strip()


def test_seed_000__six_image_placeholders_are_cards_at_parse_time() -> None:
    _, _, _, result = _parse("000")
    placeholders = [c for c in result.cards if c.back.strip().lower() in PLACEHOLDERS]
    assert len(placeholders) == 6
    assert {c.back for c in placeholders} == {"Se billede", "Se model", "Se billede af model", "Se Model"}


def test_seed_000__what_drives_ce_has_a_four_line_answer() -> None:
    _, _, _, result = _parse("000")
    card = _by_front(result.cards, "What drives CE?")
    assert card.back == (
        "- Trust and Satisfaction Drive Customer Engagement:\n"
        "Customer engagement is primarily influenced by trust and satisfaction. Building customer "
        "trust, possibly through increased transparency, is crucial for fostering engagement.\n"
        "- Positive Emotions Impact Customer Engagement Directly:\n"
        "Positive emotions have a direct impact on customer engagement, independent of trust and "
        "commitment. To enhance engagement, companies should focus on creating positive and pleasant "
        "experiences at touchpoints."
    )


def test_seed_000__answer_repeating_the_term_continues_on_the_next_line() -> None:
    _, _, _, result = _parse("000")
    card = _by_front(result.cards, "Strategies within CE-marketing: What is Experiential initiatives?")
    assert card.back == (
        "Experiential initiatives\n"
        "Firm initiatives focusing on the generation of positive emotions to intrinsically motivate "
        "customers to contribute to marketing functions, beyond purchasing a product (Harmeling et al., "
        "2017)."
    )


def test_seed_001__topic_labels_and_lettered_lists() -> None:
    _, _, _, result = _parse("001")
    card = _by_front(result.cards, "- Strategic directions for designing CE’s 4 ways of designing")
    assert card.back == (
        "a. Thematic cohesion of touchpoints\nb. Consistency of touchpoints\n"
        "c. Context sensitivity of touchpoints\nd. Connectivity of touchpoints"
    )
    card = _by_front(result.cards, "- Cultural mindsets toward CE’s 3 orientations")
    assert card.back == (
        "a. Experiential response orientation b. Touchpoint journey orientation c. Alliance orientation"
    )
    arrow = _by_front(result.cards, "- Cultural mindsets toward CE’sa. Experiential response orientation ➔")
    assert arrow.back.startswith("➔ Eliciting cognitive, sensorial, affective")
    sentence = [c for c in result.cards if c.front.startswith("Our main research results")]
    assert [c.back for c in sentence] == [
        "a firm’s (1) cultural mindsets, (2) strategic directions, and (3) capabilities."
    ]


def test_seed_004__the_multi_line_cards_the_issue_names() -> None:
    _, _, _, result = _parse("004")
    decide = _by_front(
        result.cards,
        "Customers often face a bewildering array of products and services from which to choose.\n"
        "How do they decide?",
    )
    assert decide.back == "A customer buys from the firm that offers the highest customer-perceived value"
    satisfaction = _by_front(result.cards, "Definition of Customer Satisfaction")
    assert satisfaction.back.split("\n") == [
        "Customer satisfaction: The extent to which a product’s perceived performance matches a buyer’s "
        "expectations.",
        "If the product’s performance falls short of expectations, the customer is dissatisfied.",
        "If performance matches expectations, the customer is satisfied.",
        "If performance exceeds expectations, the customer is highly satisfied or delighted.",
    ]
    tools = _by_front(result.cards, "Examples of marketing tools to develop stronger bonds with customers.")
    back = tools.back.split("\n")
    assert len(back) == 5
    assert all(line.startswith("- ") for line in back[:4])
    assert back[4] == "Such programs can enhance and strengthen a customer’s brand experience."
    first = result.cards[0]
    assert first.front.endswith("…\nWhat is it?")
    assert first.back == "Engaging customers and managing profitable customer relationships."


# --- Brainscape page copy -------------------------------------------------------------------

WIDGET = {"how well did you know this?", "not at all", "perfectly"}


def test_seed_002__brainscape_page_gives_21_clean_cards() -> None:
    name, text, fmt, result = _parse("002")
    assert fmt == "brainscape-page"
    assert len(result.cards) == 21
    assert_all_lines_accounted(text, name, result)
    for card in result.cards:
        for line in (*card.front.split("\n"), *card.back.split("\n")):
            assert line.strip(), f"{card.source}: blank line inside a field"
            assert line.strip().lower() not in WIDGET, f"{card.source}: rating widget text"
            assert line.strip() not in {"Q", "A"}, f"{card.source}: a marker"
            assert not line.strip().isdigit(), f"{card.source}: a card number or rating digit"
    reasons = {f.message for f in result.findings if f.kind == "skipped"}
    assert reasons == {"title", "card number", "Q marker", "A marker", "rating widget"}
    widget_lines = [f for f in result.findings if f.message == "rating widget"]
    assert len(widget_lines) == 15 * 8  # the last six cards carry no widget


def test_seed_002__answers_keep_their_lists() -> None:
    _, _, _, result = _parse("002")
    cards = result.cards
    assert cards[0].front == "What is Costumer Journey?"
    assert cards[0].back == (
        "the process a customer goes through, across all stages and touch points, that make up the "
        "customer experience."
    )
    assert cards[3].back.split("\n")[1:3] == [
        "· More complexity; Explosion in potential customer touch points and reduced control of "
        "customer experience",
        "· Omnichannel-management of different touchpoints (e.g., different social media platforms)",
    ]
    numbered = _by_front(cards, "Why is social media important for CRM?")
    assert [line[:3] for line in numbered.back.split("\n")] == ["1. ", "2. ", "Dat"]
    challenges = _by_front(cards, "Which challenges are there in online CRM?")
    assert challenges.back == (
        "· Lower search costs\n· global competition\n"
        "· anonymity due to a lack of interpersonal interactions\n· Very complex relationships\n"
        "Customer spreading their dissatisfaction and complaints through social media"
    )
    last = cards[-1]
    assert last.front == "Anthropomorphized relationship"
    assert last.back.split("\n")[-1] == (
        "Anthropomorphized, embodied virtual agents foster negative customer responses (e.g., threat, "
        "discomfort, eeriness) and thereby impede online RM performance"
    )
    assert len(last.back.split("\n")) == 3
    seamless = _by_front(cards, "Seamless relationsship")
    assert seamless.back.count("\n· ") == 2 and seamless.back.startswith("· Online relationships")


# --- prose ----------------------------------------------------------------------------------


def test_seed_003__prose_makes_no_cards_and_says_what_to_do() -> None:
    name, text, fmt, result = _parse("003")
    assert fmt == "prose"
    assert result.cards == ()
    assert_all_lines_accounted(text, name, result)
    notes = [f for f in result.findings if f.kind == "info"]
    assert len(notes) == 1
    message = notes[0].message
    assert name in message
    assert "prose" in message
    assert "{{c1::" in message and "Markdown" in message


def test_seeds__quizlet_splits_do_not_hinge_on_exact_weights() -> None:
    """The cues must carry the decision: every weight moved by up to 15% keeps every seed's split."""
    rng = random.Random(7)
    parsed = []
    for prefix in SPLITS:
        _, lines, _ = qp._content(decode(_seed(prefix).read_bytes()).text, ParseOptions())
        parsed.append((prefix, lines, seg.segment(lines)))
    for _ in range(15):
        weights = seg.Weights(
            **{
                f.name: getattr(seg.WEIGHTS, f.name) * rng.uniform(0.85, 1.15)
                for f in dataclasses.fields(seg.Weights)
            }
        )
        for prefix, lines, cuts in parsed:
            assert seg.segment(lines, weights) == cuts, prefix
