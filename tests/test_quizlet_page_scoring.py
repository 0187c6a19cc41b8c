"""quizlet-page's segmentation scores each answer span from cues cached per line pair
(:class:`_Pairs`); they must add up exactly as the plain cue functions do."""

from __future__ import annotations

import dataclasses
import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.formats import _page_lines as pl
from genanki_build.formats import _segment as seg
from genanki_build.formats import quizlet_page as qp

# Lines that switch every pair cue on or off: bullets (one ending in ":"), lettered and numbered
# items, questions, prompts, open endings, arrows, lower case, "key: value" shapes, connectives.
_LINES = (
    "- one item",
    "- Term:",
    "• other bullet",
    "a) first",
    "b) second",
    "1. Name the parts",
    "2. next item",
    "What is osmosis?",
    "Definition of osmosis",
    "Osmosis: the flow of water across a membrane.",
    "the end of the",
    "-> leads on",
    "lower case start",
    "Side effects: nausea and headache",
    "Dose = two tablets daily",
    "However, it varies.",
    "They decide how?",
    "Short label",
    "A full sentence ends here.",
    "Ends with a colon:",
)


def _reference(lines: list[pl.Line], mid: int, w: seg.Weights) -> list[tuple[int, float, float, float]]:
    """What :func:`seg._answers` computes, from :func:`seg._answer_next` and :func:`seg._card_end`."""
    n = len(lines)
    q_line = lines[mid - 1]
    out = []
    a_score = 0.0
    term_line = False
    markers: set[str] = set()
    for end in range(mid + 1, min(mid + seg.MAX_ANSWER_LINES, n) + 1):
        line = lines[end - 1]
        only = 0.0
        if end == mid + 1:
            a_score += seg._answer_first(q_line, line, w)
            term_line = line.repeats(q_line.term)
            if term_line and len(line.words) <= 8 and ":" not in line.text:
                only = w.only_term
        else:
            a_score += seg._answer_next(lines[end - 2], line, markers, term_line and end == mid + 2, w)
        if line.bullet:
            markers.add(line.bullet)
        out.append((end, a_score, only, seg._card_end(line, lines[end] if end < n else None, markers, w)))
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_LINES), min_size=2, max_size=20))
def test_answers__pair_cache_adds_up_as_the_cue_functions(texts: list[str]) -> None:
    lines = [pl.Line(i + 1, t) for i, t in enumerate(texts)]
    pairs = seg._Pairs(lines, seg.WEIGHTS)
    for mid in range(1, len(lines)):
        assert seg._answers(lines, pairs, mid, seg.WEIGHTS) == _reference(lines, mid, seg.WEIGHTS)


def _reference_segment(lines: list[pl.Line], w: seg.Weights) -> list[seg.Cut]:
    """The plain scan :func:`seg.segment` must agree with: every start, every question end, every
    answer end, card by card; a later card replaces the best only with a strictly larger total."""
    n = len(lines)
    best = [-math.inf] * (n + 1)
    back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] == -math.inf:
            continue
        q_score = 0.0
        for mid in range(i + 1, min(i + seg.MAX_QUESTION_LINES, n - 1) + 1):
            if mid == i + 1:
                q_score += seg._question_first(lines[i], w)
            else:
                q_score += seg._question_next(lines[mid - 2], lines[mid - 1], w)
            q_total = best[i] + q_score + (w.question_mark if lines[mid - 1].ends_q else 0.0)
            for end, a_score, only, card_end in _reference(lines, mid, w):
                total = q_total + a_score + only + card_end
                if total > best[end]:
                    best[end] = total
                    back[end] = (i, mid)
    cuts = []
    at = n
    while at > 0:
        start, mid = back[at]
        cuts.append(seg.Cut(start, mid, at))
        at = start
    return cuts[::-1]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_LINES), min_size=2, max_size=40),
    st.sampled_from(
        [
            seg.WEIGHTS,
            seg.Weights(extra_answer_line=-1.0),
            # Every cover ties: the order alone picks the cut.
            seg.Weights(**{f.name: 0.0 for f in dataclasses.fields(seg.Weights)}),
            seg.Weights(**{f.name: 1.0 for f in dataclasses.fields(seg.Weights)}),
        ]
    ),
)
def test_segment__same_cuts_as_the_plain_scan(texts: list[str], w: seg.Weights) -> None:
    """Each question end reaches the answer ends from its best start only; ties (everywhere with
    flat weights) must still go to the first card in scan order."""
    lines = [pl.Line(i + 1, t) for i, t in enumerate(texts)]
    assert seg.segment(lines, w) == _reference_segment(lines, w)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from((*_LINES, "Osmosis", "osmosis: water", "Define osmosis")), st.sampled_from(_LINES))
def test_repeats_term_of__same_as_repeats_of_the_term(line: str, question: str) -> None:
    a, q = pl.Line(2, line), pl.Line(1, question)
    assert a.repeats_term_of(q) == a.repeats(q.term)


def test_line__cached_cues_are_copied_not_shared() -> None:
    """Regression: cues are cached per text; calibrating one file's lines (``lower``) must not
    change a line of the same text read later."""
    first = pl.Line(1, "lower case start")
    first.lower = False
    again = pl.Line(7, "  lower case start ")
    assert again.lower is True and again.number == 7 and again.text == "lower case start"


#: The one pattern detect used before its marks were split in two (at the start, anywhere).
_MARKUP_ONE_PATTERN = re.compile(
    r"^(?:#|[QA]:|(?:START|END)\w*\b|TARGET DECK|Back:|```|<!--|\{\{c\d+::)|!\[|\]\]|\{\{c\d+::",
    re.IGNORECASE,
)
_MARK_PIECES: tuple[str, ...] = (
    "#",
    "q:",
    "A:",
    "start",
    "ENDX",
    "target deck",
    "back:",
    "```",
    "<!--",
    "{{C1::",
    "{{c",
)
_MARK_PIECES += ("![", "]]", "]", "12::", " ", "x", "é", "Q")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_MARK_PIECES), max_size=6).map("".join))
def test_markup__two_patterns_find_what_one_pattern_found(line: str) -> None:
    one = bool(_MARKUP_ONE_PATTERN.search(line))
    assert bool(qp._MARKUP_START.match(line) or qp._MARKUP_ANYWHERE.search(line)) == one
