"""Text copied from a Brainscape deck page.

Structure: an optional title line (``… Flashcards``), then one block per card::

    1                             <- the card number (optional)
    Q
    <question lines>
    A
    <answer lines>
    <rating prompt>               <- the rating widget (optional): its prompt, 1, "not at all", 2…5, "perfectly"

A block opens at a line holding only ``Q`` and runs to the next such line; its question ends at a
line holding only ``A`` (a block without one is reported, not guessed at). A line holding only a
number right before the ``Q`` is the card's number. The answer ends where the
rating widget starts (the first line matching a configured noise pattern) or where the next block
opens. Card numbers, ``Q``/``A`` markers and the rating widget are reported as skipped, never put on
a card. Lines are stripped and blank lines inside a side dropped, so "·" bullets and "1." items
that the page spaced apart stay one list.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from genanki_build.formats._lines import TITLE, Row, Skip, cards_all, compile_noise, numbered, skipped_all
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import ParseResult

NAME = "brainscape-page"
_NUMBER = re.compile(r"^\s*\d{1,5}\s*$")
_WIDGET_DIGITS = frozenset({"1", "2", "3", "4", "5"})
#: The end of a line holding only ``Q`` or only ``A``: the letter, then nothing but the white
#: space ``str.strip`` strips (``\s``). Starting with the letter, a search skips ahead quickly.
_Q_END = re.compile(r"Q[^\S\n]*$", re.MULTILINE)
_A_END = re.compile(r"A[^\S\n]*$", re.MULTILINE)

Lines = list[tuple[int, str]]


def _line_indexes(text: str, end: re.Pattern[str]) -> list[int]:
    """0-based indexes of the lines of ``text`` that are a line end ``end`` matches with only
    white space before it."""
    out: list[int] = []
    index = pos = 0
    for m in end.finditer(text):
        at = m.start()
        line_start = text.rfind("\n", 0, at) + 1
        if text[line_start:at].strip():
            continue
        index += text.count("\n", pos, at)
        pos = at
        out.append(index)
    return out


def _blocks(text: str, lines: list[str]) -> list[tuple[int, int, int | None]]:
    """``(start, q_at, a_at)`` indexes into ``lines`` (``text`` split at line ends) of every
    block: its first line, its ``Q`` and its ``A`` (``None`` when the block has no ``A`` before
    the next ``Q``)."""
    q_lines = _line_indexes(text, _Q_END)
    if not q_lines:
        return []
    a_lines = _line_indexes(text, _A_END)
    blocks: list[tuple[int, int, int | None]] = []
    for k, q_at in enumerate(q_lines):
        limit = q_lines[k + 1] if k + 1 < len(q_lines) else len(lines)
        j = bisect_right(a_lines, q_at)
        a_at = a_lines[j] if j < len(a_lines) and a_lines[j] < limit else None
        start = q_at
        before = q_at - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        if before >= 0 and _NUMBER.match(lines[before]) and (not blocks or before > blocks[-1][1]):
            start = before
        blocks.append((start, q_at, a_at))
    return blocks


def detect(text: str) -> float:
    """High when several blocks each hold a ``Q`` and an ``A`` marker line."""
    blocks = _blocks(text, text.split("\n"))
    complete = sum(a_at is not None for _, _, a_at in blocks)
    if complete >= 2 and complete >= 0.8 * len(blocks):
        return 0.95
    if complete == 1:
        return 0.6
    return 0.0


def _side(part: Lines) -> Lines:
    """The non-blank lines of one side."""
    return [(n, ln) for n, ln in part if ln.strip()]


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """Cards from every ``Q``/``A`` block; everything else reported with a reason."""
    lines = numbered(text)
    noise = compile_noise(options.noise)
    blocks = _blocks(text, [line for _, line in lines])
    skips: list[Skip] = []
    rows: list[Row] = []
    title = ""
    head_end = blocks[0][0] if blocks else len(lines)
    for lineno, line in lines[:head_end]:
        if not line.strip():
            continue
        if not title and TITLE.search(line):
            title = line.strip()
            skips.append((lineno, line, "title"))
        elif noise.match(line):
            skips.append((lineno, line, "page noise"))
        else:
            skips.append((lineno, line, "outside any Q/A block"))
    for b, (start, q_at, a_at) in enumerate(blocks):
        end = blocks[b + 1][0] if b + 1 < len(blocks) else len(lines)
        if start != q_at:
            skips.append((*lines[start], "card number"))
        skips.append((*lines[q_at], "Q marker"))
        if a_at is None:
            for lineno, line in _side(lines[q_at + 1 : end]):
                skips.append((lineno, line, "a Q block without an A marker"))
            continue
        skips.append((*lines[a_at], "A marker"))
        row = _card(lines[q_at + 1 : a_at], lines[a_at + 1 : end], noise, skips)
        if row is not None:
            rows.append(row)
    findings = skipped_all(NAME, source, skips)
    cards = cards_all(NAME, source, title, rows)
    return ParseResult(cards=tuple(cards), findings=tuple(findings), title=title)


def _card(question: Lines, answer: Lines, noise: re.Pattern[str], skips: list[Skip]) -> Row | None:
    """The card of one block (its sides and line range), or None, its lines added to ``skips``."""
    # The rating widget starts at the first noise line; widget digits after it are noise too.
    cut = next((i for i, (_, ln) in enumerate(answer) if noise.match(ln)), len(answer))
    for lineno, line in answer[cut:]:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped in _WIDGET_DIGITS or noise.match(line):
            skips.append((lineno, line, "rating widget"))
        else:
            skips.append((lineno, line, "after the rating widget"))
    front, back = _side(question), _side(answer[:cut])
    if not front or not back:
        for lineno, line in front + back:
            skips.append((lineno, line, "block without both a question and an answer"))
        return None
    front_text = "\n".join(ln.strip() for _, ln in front)
    return front_text, "\n".join(ln.strip() for _, ln in back), front[0][0], back[-1][0]


FORMAT = Format(
    NAME, "Text copied from a Brainscape deck page (numbered Q/A blocks).", detect, parse, ceiling=0.95
)
