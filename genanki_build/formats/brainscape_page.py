"""Text copied from a Brainscape deck page.

Structure: an optional title line (``… Flashcards``), then numbered blocks::

    1
    Q
    <question lines>
    A
    <answer lines>
    How well did you know this?   <- the rating widget, optional: 1, Not at all, 2…5, Perfectly

A block starts at a line holding only a number whose next non-blank line is ``Q``. Card numbers,
``Q``/``A`` markers and the rating widget are reported as skipped, never put on a card.
"""

from __future__ import annotations

import re

from genanki_build.formats._lines import compile_noise, numbered, skipped
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import Card, Finding, ParseResult, SourceRef

NAME = "brainscape-page"
_NUMBER = re.compile(r"^\s*\d{1,5}\s*$")
_TITLE_SUFFIX = re.compile(r"\s*flashcards\s*$", re.IGNORECASE)


def _block_starts(lines: list[tuple[int, str]]) -> list[int]:
    """Indexes of the number lines that open a ``Q``/``A`` block."""
    starts: list[int] = []
    for i, (_, line) in enumerate(lines):
        if not _NUMBER.match(line):
            continue
        nxt = next((ln for _, ln in lines[i + 1 :] if ln.strip()), "")
        if nxt.strip() == "Q":
            starts.append(i)
    return starts


def detect(text: str) -> float:
    """High when several numbered blocks each hold a ``Q`` and an ``A`` marker line."""
    lines = numbered(text)
    starts = _block_starts(lines)
    answers = sum(1 for _, ln in lines if ln.strip() == "A")
    if len(starts) >= 2 and answers >= len(starts) * 0.8:
        return 0.95
    if len(starts) == 1 and answers >= 1:
        return 0.6
    return 0.0


def _is_widget_number(line: str) -> bool:
    return line.strip() in {"1", "2", "3", "4", "5"}


def _trim(part: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Drop blank lines at both ends."""
    while part and not part[0][1].strip():
        part = part[1:]
    while part and not part[-1][1].strip():
        part = part[:-1]
    return part


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """Cards from every ``Q``/``A`` block; everything else reported with a reason."""
    lines = numbered(text)
    noise = compile_noise(options.noise)
    starts = _block_starts(lines)
    findings: list[Finding] = []
    cards: list[Card] = []
    title = ""
    head_end = starts[0] if starts else len(lines)
    for lineno, line in lines[:head_end]:
        if not line.strip():
            continue
        if not title and _TITLE_SUFFIX.search(line):
            title = line.strip()
            findings.append(skipped(NAME, source, lineno, line, "title"))
        else:
            findings.append(skipped(NAME, source, lineno, line, "outside any Q/A block"))
    for b, start in enumerate(starts):
        end = starts[b + 1] if b + 1 < len(starts) else len(lines)
        card, block_findings = _parse_block(lines[start:end], source, noise, title)
        findings.extend(block_findings)
        if card is not None:
            cards.append(card)
    return ParseResult(cards=tuple(cards), findings=tuple(findings), title=title)


def _parse_block(
    block: list[tuple[int, str]], source: str, noise: re.Pattern[str], title: str
) -> tuple[Card | None, list[Finding]]:
    findings = [skipped(NAME, source, block[0][0], block[0][1], "card number")]
    body = block[1:]
    q_at = next(i for i, (_, ln) in enumerate(body) if ln.strip() == "Q")
    a_at = next((i for i, (_, ln) in enumerate(body) if i > q_at and ln.strip() == "A"), None)
    findings.append(skipped(NAME, source, body[q_at][0], body[q_at][1], "Q marker"))
    if a_at is None:
        question, answer = body[q_at + 1 :], []
    else:
        findings.append(skipped(NAME, source, body[a_at][0], body[a_at][1], "A marker"))
        question, answer = body[q_at + 1 : a_at], body[a_at + 1 :]
    # The rating widget starts at the first noise line; widget digits after it are noise too.
    cut = next((i for i, (_, ln) in enumerate(answer) if noise.match(ln)), len(answer))
    for lineno, line in answer[cut:]:
        if line.strip() and (noise.match(line) or _is_widget_number(line)):
            findings.append(skipped(NAME, source, lineno, line, "rating widget"))
        elif line.strip():
            findings.append(skipped(NAME, source, lineno, line, "after the rating widget"))
    question, answer = _trim(question), _trim(answer[:cut])
    if not question and not answer:
        return None, findings
    used = question + answer
    if not question or not answer:
        for lineno, line in used:
            findings.append(
                skipped(NAME, source, lineno, line, "block without both a question and an answer")
            )
        return None, findings
    card = Card(
        front="\n".join(ln.strip() for _, ln in question),
        back="\n".join(ln.rstrip() for _, ln in answer),
        source=SourceRef(source, used[0][0], used[-1][0]),
        format=NAME,
        title=title,
    )
    return card, findings


FORMAT = Format(NAME, "Text copied from a Brainscape deck page (numbered Q/A blocks).", detect, parse)
