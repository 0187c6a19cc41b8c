"""Cutting the lines of a copied page into cards: every way of covering the lines with cards (a
question span of 1 to :data:`MAX_QUESTION_LINES` lines followed by an answer span of 1 to
:data:`MAX_ANSWER_LINES` lines) is scored, and dynamic programming picks the cover with the best
total (:func:`segment`).

Scores come from general cues about how people write terms and definitions, never from any
particular set. Each cue has a weight in :class:`Weights`; positive favours the reading.

A line as the **first line of a question**
    ``question_mark`` it ends in "?"; ``question_opening`` it opens with an interrogative
    (What, Why, How, …), an instruction (Describe, Explain, Define, List, …) or a prompt phrase
    ("Definition of", "Example(s) of", "Types of", "Difference between", …) or holds a blank to
    fill in ("___"); ``label`` it is a
    short phrase without a closing full stop (a topic label such as "- Strategic directions");
    ``statement_as_question`` it is a sentence closed by a full stop; ``key_value_question`` it
    reads "Key: value" or "Key = value" with a value of two words or more (how answers read);
    ``long_question`` it is
    long (over 25 words, or over 12 in several sentences); ``leans_back`` it leans on the line above
    (starts with a connective such as "But", "Thus", "In turn", or a pronoun such as "It",
    "They", "Such"); ``dangling_question`` it is a short question about "it"/"they" whose
    antecedent is on the line above ("How do they decide?"); ``lower_question`` it starts in
    lower case; ``arrow_question`` it starts with an arrow (➔, →, ->).
A line **continuing a question**
    ``extra_question_line`` the base cost of a multi-line question; ``runs_on`` the sentence runs
    on (the line above ends open: "…", ",", ":", an arrow, "a", "the", "of" …, or this line
    starts with an arrow; a lower-case start alone does not count here, since definitions often
    start that way); ``refers_back`` a short question about "it"/"they" after a statement (its
    antecedent); ``question_after_question`` the line above already asked a question, or this
    line opens a new one; ``statement_as_question`` as above.
A line as the **first line of an answer**
    ``question_in_answer`` / ``opening_in_answer`` it reads as a question (ends in "?", opens
    with an interrogative or prompt phrase), unless the question ends in "?" too (a translation); ``connective_answer_start`` it opens with a
    connective that needs a sentence before it; ``answer_shape`` it is a sentence or long;
    ``lower_answer`` it starts in lower case (definitions often do); ``term_repeated`` it
    repeats the term the question asks about ("Definition of X" → "X: …", "What is X?" → "X");
    ``only_term`` the whole answer is nothing but that repeated term.
A line **continuing an answer**
    ``extra_answer_line`` the base cost; ``continues`` the sentence runs on (as above, and here
    a lower-case start counts) or the line opens with a connective or pronoun;
    ``list_continues`` a bullet whose marker already opened a line of this answer, the next
    letter or number of a lettered or numbered list, or a bullet after a line ending in ":";
    ``parallel`` it is built like the line above (the same first word: "If …", "If …"; or the
    same "Key: value" / "Key = value" shape at a like length); ``after_term``
    the line above only repeated the term; ``question_in_answer`` and ``opening_in_answer`` as
    above.
**Between** two lines
    ``parallel_split`` parallel statements (as above, or the same bullet) put on the two
    sides of one card or into two cards; ``split_sentence`` a card ends inside a running
    sentence or at an arrow; ``cut_list`` a card ends while the list in its answer goes on (the
    next line carries a bullet marker used in that answer, or the next letter or number of its
    list).

The word lists (``INTERROGATIVES``, ``INSTRUCTIONS``, ``PROMPT_OPENINGS``, ``CONNECTIVES``,
``ANAPHORS``, ``BACK_REFERENCES``, ``OPEN_ENDINGS``) are constants of
:mod:`genanki_build.formats._page_lines`; the weights can be changed by passing another
:class:`Weights` to :func:`segment`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

from genanki_build.formats._page_lines import CLOSERS, Line

MAX_QUESTION_LINES = 4
"""The longest question span considered."""
MAX_ANSWER_LINES = 14
"""The longest answer span considered."""


@dataclass(frozen=True, slots=True)
class Weights:
    """The weight of every cue (see the module docstring); positive favours the reading."""

    question_mark: float = 2.0
    question_opening: float = 1.5
    label: float = 0.5
    statement_as_question: float = -1.5
    key_value_question: float = -1.0
    long_question: float = -1.0
    leans_back: float = -2.0
    dangling_question: float = -3.0
    lower_question: float = -1.0
    arrow_question: float = -2.0
    extra_question_line: float = -1.0
    runs_on: float = 1.5
    refers_back: float = 3.0
    question_after_question: float = -1.5
    question_in_answer: float = -2.5
    opening_in_answer: float = -2.0
    connective_answer_start: float = -1.5
    answer_shape: float = 0.5
    lower_answer: float = 0.5
    term_repeated: float = 2.0
    mirror: float = 1.0
    only_term: float = -2.0
    extra_answer_line: float = -0.8
    continues: float = 1.5
    list_continues: float = 2.0
    parallel: float = 1.0
    after_term: float = 1.5
    parallel_split: float = -1.0
    split_sentence: float = -1.5
    cut_list: float = -2.0


WEIGHTS = Weights()


def _question_first(line: Line, w: Weights) -> float:
    s = 0.0
    if line.opens:
        s += w.question_opening
    if line.is_label:
        s += w.label
    if line.ends_stop and not line.opens and not line.ends_q:
        s += w.statement_as_question
    elif line.key_value and not line.opens:
        s += w.key_value_question
    if len(line.words) > 25 or (line.sentences > 1 and len(line.words) > 12 and not line.ends_q):
        s += w.long_question
    if line.asks_about_antecedent:
        s += w.dangling_question
    elif line.leans_back:
        s += w.leans_back
    if line.lower:
        s += w.lower_question
    if line.starts_arrow:
        s += w.arrow_question
    return s


def _runs_on(prev: Line, line: Line) -> bool:
    return prev.ends_open or line.lower or line.starts_arrow


def _question_next(prev: Line, line: Line, w: Weights) -> float:
    s = w.extra_question_line
    # A lower-case start alone does not continue a question: definitions often start that way.
    if prev.ends_open or line.starts_arrow:
        s += w.runs_on
    if line.asks_about_antecedent and not prev.ends_q:
        s += w.refers_back
    if prev.ends_q or (line.opens and not line.asks_about_antecedent):
        s += w.question_after_question
    if line.ends_stop and not line.opens:
        s += w.statement_as_question
    return s


def _answer_first(question: Line, line: Line, w: Weights, repeats: bool | None = None) -> float:
    """``repeats``: ``line.repeats(question.term)`` when the caller has worked it out already."""
    s = 0.0
    # A question answering a question is a translation of it ("¿Dónde está …?" → "Where is …?").
    translation = question.ends_q and line.ends_q
    if line.ends_q and not translation:
        s += w.question_in_answer
    if line.opens and not translation:
        s += w.opening_in_answer
    if line.connective:
        s += w.connective_answer_start
    if line.ends_stop or len(line.words) > 12:
        s += w.answer_shape
    if line.lower:
        s += w.lower_answer
    if line.repeats(question.term) if repeats is None else repeats:
        s += w.term_repeated
    if _parallel(question, line):
        s += w.parallel_split
    elif _mirror(question, line):
        s += w.mirror
    if question.bullet and question.bullet == line.bullet:
        s += w.parallel_split
    return s


def _mirror(question: Line, answer: Line) -> bool:
    """Two short sentences of like length and like ending: a phrase and its translation."""
    ends = {question.text.rstrip(CLOSERS)[-1:], answer.text.rstrip(CLOSERS)[-1:]}
    short = 0 < len(question.words) <= 12 and 0 < len(answer.words) <= 12
    ratio = len(answer.text) / max(1, len(question.text))
    return len(ends) == 1 and ends <= {".", "!"} and short and 0.5 <= ratio <= 2.0


def _parallel(a: Line, b: Line) -> bool:
    """Two statements built alike: the same first word, or the same "key: value" shape."""
    if a.ends_q or b.ends_q or a.opens:
        return False
    if a.first and a.first == b.first:
        return True
    ratio = len(b.text) / max(1, len(a.text))
    return a.key_value and b.key_value and a.separator == b.separator and 0.5 <= ratio <= 2.0


def _next_in_list(prev: Line, line: Line) -> bool:
    if line.letter and prev.letter:
        return ord(line.letter) == ord(prev.letter) + 1
    return line.number_item > 1 and prev.number_item == line.number_item - 1


def _continues_list(prev: Line, line: Line, markers: set[str]) -> bool:
    """Whether ``line`` is a further item of a list that ``prev`` or an earlier line opened.

    Bullets count when they follow a bullet of the same marker or a line ending in ":", or, further
    apart, when they head an explanation ("- Term:") like an earlier item of the same marker."""
    if _next_in_list(prev, line):
        return True
    if not line.bullet:
        return False
    return (
        prev.bullet == line.bullet
        or prev.text.endswith(":")
        or (line.bullet in markers and line.text.endswith(":"))
    )


def _next_base(prev: Line, line: Line, w: Weights) -> float:
    """:func:`_answer_next`'s cues that depend on the two lines alone."""
    s = w.extra_answer_line
    if line.ends_q:
        s += w.question_in_answer
    if line.opens:
        s += w.opening_in_answer
    if _runs_on(prev, line) or line.leans_back:
        s += w.continues
    return s


def _end_base(last: Line, nxt: Line, w: Weights) -> float:
    """:func:`_card_end`'s cue that depends on the two lines alone."""
    if last.ends_open or nxt.starts_arrow or (nxt.lower and not nxt.letter):
        return w.split_sentence
    return 0.0


def _answer_next(prev: Line, line: Line, markers: set[str], after_term: bool, w: Weights) -> float:
    s = _next_base(prev, line, w)
    if _continues_list(prev, line, markers):
        s += w.list_continues
    if _parallel(prev, line):
        s += w.parallel
    if after_term:
        s += w.after_term
    return s


def _card_end(last: Line, nxt: Line | None, markers: set[str], w: Weights) -> float:
    """The cost of ending a card after ``last`` when ``nxt`` opens the next one."""
    if nxt is None:
        return 0.0
    s = _end_base(last, nxt, w)
    if _continues_list(last, nxt, markers):
        s += w.cut_list
    if _parallel(last, nxt):
        s += w.parallel_split
    return s


@dataclass(frozen=True, slots=True)
class Cut:
    """One card's spans, as line indexes: question ``[start, mid)``, answer ``[mid, end)``."""

    start: int
    mid: int
    end: int


class _Pairs:
    """The cues of every two neighbouring lines ``(k - 1, k)``, indexed by ``k``: :func:`_answers`
    weighs the same pair for up to :data:`MAX_ANSWER_LINES` question ends. Each score is summed
    in the order :func:`_answer_next` and :func:`_card_end` sum it, so totals are the same."""

    def __init__(self, lines: list[Line], w: Weights) -> None:
        self.next_score = [0.0] * len(lines)
        """:func:`_answer_next` before its list, parallel and after-term cues."""
        self.end_score = [0.0] * len(lines)
        """:func:`_card_end` before its list and parallel cues."""
        self.in_list = [False] * len(lines)
        """:func:`_continues_list` whatever the markers."""
        self.opens_item = [False] * len(lines)
        """A bullet line ending in ":" (a further list item when its marker was used before)."""
        self.parallel = [False] * len(lines)
        self.bullet = [line.bullet for line in lines]
        """Each line's bullet marker."""
        for k in range(1, len(lines)):
            prev, line = lines[k - 1], lines[k]
            self.next_score[k] = _next_base(prev, line, w)
            self.end_score[k] = _end_base(prev, line, w)
            self.in_list[k] = _next_in_list(prev, line) or bool(
                line.bullet and (prev.bullet == line.bullet or prev.text.endswith(":"))
            )
            self.opens_item[k] = bool(line.bullet) and line.text.endswith(":")
            self.parallel[k] = _parallel(prev, line)
        # Where the markers used so far cannot matter (no bullet line ending in ":"), the whole
        # score is the same for every question end: summed once, in the same order.
        self.next_full: list[float | None] = [None] * len(lines)
        """:func:`_answer_next` but its after-term cue, or None where it depends on the markers."""
        self.end_full: list[float | None] = [None] * len(lines)
        """:func:`_card_end` whole, or None where it depends on the markers."""
        for k in range(1, len(lines)):
            if self.opens_item[k]:
                continue
            s = self.next_score[k]
            if self.in_list[k]:
                s += w.list_continues
            if self.parallel[k]:
                s += w.parallel
            self.next_full[k] = s
            e = self.end_score[k]
            if self.in_list[k]:
                e += w.cut_list
            if self.parallel[k]:
                e += w.parallel_split
            self.end_full[k] = e


def _answers(lines: list[Line], pairs: _Pairs, mid: int, w: Weights) -> list[tuple[int, float, float, float]]:
    """For a question ending at line ``mid - 1``, each answer span ``[mid, end)`` with its score,
    the ``only_term`` penalty (or 0.0) and the cost of ending the card there. None of it depends
    on where the question starts, so :func:`segment` works it out once per ``mid``."""
    n = len(lines)
    q_line = lines[mid - 1]
    out: list[tuple[int, float, float, float]] = []
    a_score = 0.0
    term_line = False
    markers: set[str] = set()
    # The hottest loop of the parser: the cues it reads, bound to local names once.
    next_score, end_score, in_list, parallel = (
        pairs.next_score,
        pairs.end_score,
        pairs.in_list,
        pairs.parallel,
    )
    next_full, end_full, bullets = pairs.next_full, pairs.end_full, pairs.bullet
    list_continues, w_parallel, after_term = w.list_continues, w.parallel, w.after_term
    cut_list, parallel_split = w.cut_list, w.parallel_split
    for end in range(mid + 1, min(mid + MAX_ANSWER_LINES, n) + 1):
        k = end - 1
        only = 0.0
        if end == mid + 1:
            line = lines[k]
            term_line = line.repeats_term_of(q_line)
            a_score += _answer_first(q_line, line, w, term_line)
            if term_line and len(line.words) <= 8 and ":" not in line.text:
                only = w.only_term
        else:  # _answer_next(lines[k - 1], line, markers, after_term, w)
            s = next_full[k]
            if s is None:  # a bullet line ending in ":" continues a list when its marker was used
                s = next_score[k]
                if in_list[k] or bullets[k] in markers:
                    s += list_continues
                if parallel[k]:
                    s += w_parallel
            if term_line and end == mid + 2:
                s += after_term
            a_score += s
        if bullets[k]:
            markers.add(bullets[k])
        card_end = 0.0
        if end < n:  # _card_end(line, lines[end], markers, w)
            full = end_full[end]
            if full is None:
                card_end = end_score[end]
                if in_list[end] or bullets[end] in markers:
                    card_end += cut_list
                if parallel[end]:
                    card_end += parallel_split
            else:
                card_end = full
        out.append((end, a_score, only, card_end))
    return out


def segment(lines: list[Line], w: Weights = WEIGHTS) -> list[Cut]:
    """The best-scoring cover of ``lines`` by (question span, answer span) cards.

    A card ``(start, mid, end)`` adds to ``best[start]`` its question ``[start, mid)`` and its
    answer ``[mid, end)``; only the question part depends on ``start``. So each question end
    ``mid`` reaches the answer ends from its best start alone (a quarter of the sums of trying
    every start with every answer). Sums are made in the same order as card by card, and among
    equal totals the card with the smallest ``(start, mid)`` wins, as in a scan over starts and
    then question ends: each line remembers the first ``mid`` that reached its best total and
    whether another tied it, and the winning start is picked on the way back."""
    n = len(lines)
    inf = -math.inf
    best = [inf] * (n + 1)
    back = [0] * (n + 1)
    """The first question end that reached each line's best total."""
    tied = [False] * (n + 1)
    """Whether a later question end reached the same total."""
    best[0] = 0.0
    pairs = _Pairs(lines, w)
    # A line's score as a question's first line, and as a further line after the one above,
    # do not depend on where the question starts: worked out once per line.
    first = [_question_first(line, w) for line in lines]
    further = [0.0] + [_question_next(prev, line, w) for prev, line in pairwise(lines)]
    mark = [w.question_mark if line.ends_q else 0.0 for line in lines]
    # runs[i][m]: the question [i, i + m + 1) summed line by line.
    runs: list[list[float]] = []
    for i in range(n):
        q_score = first[i]
        run = [q_score]
        for k in range(i + 1, min(i + MAX_QUESTION_LINES, n)):
            q_score += further[k]
            run.append(q_score)
        runs.append(run)

    def q_total(i: int, mid: int) -> float:
        """The best total up to ``i`` plus the question ``[i, mid)``."""
        # The question mark counts where the question ends: on the span's last line.
        return best[i] + runs[i][mid - i - 1] + mark[mid - 1]

    answers: list[list[tuple[int, float, float, float]]] = [[] for _ in range(n)]
    for mid in range(1, n):
        # Every start before ``mid`` has its best total now: cards ending there end before mid.
        q = inf
        ends_mark = mark[mid - 1]
        for i in range(max(0, mid - MAX_QUESTION_LINES), mid):
            total = best[i] + runs[i][mid - i - 1] + ends_mark  # q_total(i, mid), inlined
            if total > q:
                q = total
        if q == inf:
            continue
        spans = answers[mid] = _answers(lines, pairs, mid, w)
        for end, a_score, only, card_end in spans:
            total = q + a_score + only + card_end
            if total > best[end]:
                best[end] = total
                back[end] = mid
                tied[end] = False
            elif total == best[end]:
                tied[end] = True

    def first_start(mid: int, end: int) -> int | None:
        """The first start whose card ``(start, mid, end)`` reaches ``best[end]``, if any."""
        if not answers[mid]:
            return None
        _, a_score, only, card_end = answers[mid][end - mid - 1]
        for i in range(max(0, mid - MAX_QUESTION_LINES), mid):
            if q_total(i, mid) + a_score + only + card_end == best[end]:
                return i
        return None

    cuts: list[Cut] = []
    at = n
    while at > 0:
        if best[at] == inf:  # pragma: no cover - every n >= 2 has a cover
            raise AssertionError("no segmentation found")
        mids = range(max(1, at - MAX_ANSWER_LINES), at) if tied[at] else (back[at],)
        found = min((s, mid) for mid in mids if (s := first_start(mid, at)) is not None)
        cuts.append(Cut(found[0], found[1], at))
        at = found[0]
    return cuts[::-1]
