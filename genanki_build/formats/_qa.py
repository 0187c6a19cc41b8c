"""``Q:``/``A:`` cards, shared by the ``markdown`` and ``qa-lines`` formats."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from genanki_build.formats._markdown_common import heading, is_list_item

# A label may be set in bold ("**Q:**", "**Q**:"), as Markdown notes often do.
_BOLD = r"(?:\*\*|__)?"
_QUESTION = re.compile(rf"^\s*{_BOLD}Q{_BOLD}:{_BOLD}(?:[ \t]+|$)(?P<rest>.*)$")
_ANSWER = re.compile(
    rf"^\s*{_BOLD}(?:A|Multiple answers|Answers?){_BOLD}:{_BOLD}(?:[ \t]+|$)(?P<rest>.*)$", re.IGNORECASE
)


def is_question_line(line: str) -> bool:
    """True for a ``Q:`` line."""
    return bool(_QUESTION.match(line))


def is_answer_line(line: str) -> bool:
    """True for an ``A:`` (or ``Multiple answers:``) line."""
    return bool(_ANSWER.match(line))


@dataclass(frozen=True, slots=True)
class QACard:
    """One ``Q:``/``A:`` card found in a file's lines."""

    first: int
    """Index of the ``Q:`` line."""
    last: int
    """Index of the card's last non-blank line."""
    question: str
    """The question, labels removed, continuation lines dedented."""
    answer: str
    """The answer; empty when the question has none."""


def _continues(lines: Sequence[str], i: int, mask: Sequence[bool], after_blank: bool) -> bool:
    line = lines[i]
    if mask[i]:
        return True
    if is_question_line(line) or heading(line):
        return False
    if not after_blank:
        return True
    return line[:1] in (" ", "\t") or is_list_item(line)


def _label_text(first: str, rest: list[str]) -> str:
    body = textwrap.dedent("\n".join(rest)).strip("\n")
    text = first.strip()
    if text and body:
        return f"{text}\n{body}".rstrip()
    return (text or body).rstrip()


def read_qa(lines: Sequence[str], start: int, end: int, mask: Sequence[bool]) -> QACard:
    """The card whose ``Q:`` line is ``lines[start]``.

    The question runs to the ``A:`` line; the answer runs on to the next ``Q:`` line or heading, or
    to a blank line followed by a line that is neither indented nor a list item. Blank lines may
    sit between question and answer. A question with no ``A:`` line gets an empty answer.
    """
    q_match = _QUESTION.match(lines[start])
    assert q_match is not None
    q_rest: list[str] = []
    a_first = ""
    a_rest: list[str] = []
    in_answer = False
    last = start
    blank = False
    i = start + 1
    while i < end:
        line = lines[i]
        if not line.strip() and not mask[i]:
            blank = True
            i += 1
            continue
        if not in_answer and not mask[i] and (a_match := _ANSWER.match(line)):
            in_answer, a_first, blank, last = True, a_match.group("rest"), False, i
            i += 1
            continue
        if not _continues(lines, i, mask, blank):
            break
        target = a_rest if in_answer else q_rest
        if blank and target:
            target.append("")
        target.append(line)
        blank = False
        last = i
        i += 1
    question = _label_text(q_match.group("rest"), q_rest)
    answer = _label_text(a_first, a_rest) if in_answer else ""
    return QACard(start, last, question, answer)
