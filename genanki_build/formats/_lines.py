"""Small helpers the format parsers share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from genanki_build import columns
from genanki_build.model import Finding, SourceRef

#: A title line as Quizlet and Brainscape pages print it: "<name> Flashcards".
TITLE = re.compile(r"\bflash\s*cards\b[\s,;:.]*$", re.IGNORECASE)


def numbered(text: str) -> list[tuple[int, str]]:
    """Every physical line of ``text`` with its 1-based number, line ends removed."""
    return list(enumerate(text.split("\n"), start=1))


#: The last text :func:`nonblank` split and its lines: detection asks for the same text's lines
#: once per format, and parsing once more.
_last: tuple[str, list[tuple[int, str]]] = ("", [])


def nonblank(text: str) -> list[tuple[int, str]]:
    """The non-blank physical lines of ``text`` with their 1-based numbers (a fresh list)."""
    global _last
    if _last[0] is not text:
        # A line is blank when it is empty or all white space: what ``not line.strip()`` tests.
        lines = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line and not line.isspace()]
        _last = (text, lines)
    return list(_last[1])


def skipped(stage: str, file: str, lineno: int, line: str, reason: str) -> Finding:
    """A finding that accounts for one source line no card uses."""
    return Finding(stage, "skipped", reason, SourceRef(file, lineno, lineno), line)


#: One line no card uses: its number, its text and the reason.
Skip = tuple[int, str, str]


def skipped_all(stage: str, file: str, skips: Sequence[Skip]) -> list[Finding]:
    """:func:`skipped` for each of ``skips``, in order. A page export can skip hundreds of thousands
    of lines (rating widgets); these findings are built field by field, all at once."""
    count = len(skips)
    numbers = [n for n, _, _ in skips]
    where = columns.nested(SourceRef, count, columns.same(file), columns.each(numbers), columns.each(numbers))
    findings: list[Finding] = columns.build(
        Finding,
        count,
        columns.same(stage),
        columns.same("skipped"),
        columns.each([reason for _, _, reason in skips]),
        where,
        columns.each([line for _, line, _ in skips]),
        columns.same(""),
    )
    return findings


def compile_noise(patterns: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive regular expression matching any whole noise line."""
    joined = "|".join(f"(?:{p})" for p in patterns) or r"(?!x)x"
    return re.compile(rf"^\s*(?:{joined})\s*$", re.IGNORECASE)
