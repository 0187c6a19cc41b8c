"""Small helpers the format parsers share."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from typing import Any

from genanki_build import columns
from genanki_build.model import Card, Finding, SourceRef

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


#: One card of :func:`cards_all`: its front, its back, and its first and last line numbers.
Row = tuple[str, str, int, int]


def cards_all(format_name: str, file: str, title: str, rows: Sequence[Row]) -> list[Card]:
    """``Card(front, back, SourceRef(file, first, last), format_name, title=title)`` for each of
    ``rows``, in order, every other field at its default; built field by field, all at once."""
    count = len(rows)
    given: dict[str, tuple[int, Any]] = {
        "front": columns.each([row[0] for row in rows]),
        "back": columns.each([row[1] for row in rows]),
        "source": columns.nested(
            SourceRef,
            count,
            columns.same(file),
            columns.each([row[2] for row in rows]),
            columns.each([row[3] for row in rows]),
        ),
        "format": columns.same(format_name),
        "title": columns.same(title),
    }
    fields = [given.get(f.name) or columns.same(_default(f)) for f in dataclasses.fields(Card)]
    cards: list[Card] = columns.build(Card, count, *fields)
    return cards


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    if field.default is dataclasses.MISSING:
        raise TypeError(f"Card.{field.name} has no default")
    return field.default


def compile_noise(patterns: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive regular expression matching any whole noise line."""
    joined = "|".join(f"(?:{p})" for p in patterns) or r"(?!x)x"
    return re.compile(rf"^\s*(?:{joined})\s*$", re.IGNORECASE)
