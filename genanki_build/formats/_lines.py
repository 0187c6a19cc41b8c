"""Small helpers the format parsers share."""

from __future__ import annotations

import re
from collections.abc import Iterable

from genanki_build.model import Finding, SourceRef

#: A title line as Quizlet and Brainscape pages print it: "<name> Flashcards".
TITLE = re.compile(r"\bflash\s*cards\b[\s,;:.]*$", re.IGNORECASE)


def numbered(text: str) -> list[tuple[int, str]]:
    """Every physical line of ``text`` with its 1-based number, line ends removed."""
    return list(enumerate(text.split("\n"), start=1))


def nonblank(text: str) -> list[tuple[int, str]]:
    """The non-blank physical lines of ``text`` with their 1-based numbers."""
    return [(n, line) for n, line in numbered(text) if line.strip()]


def skipped(stage: str, file: str, lineno: int, line: str, reason: str) -> Finding:
    """A finding that accounts for one source line no card uses."""
    return Finding(
        stage=stage,
        kind="skipped",
        message=reason,
        where=SourceRef(file, lineno, lineno),
        before=line,
    )


def compile_noise(patterns: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive regular expression matching any whole noise line."""
    joined = "|".join(f"(?:{p})" for p in patterns) or r"(?!x)x"
    return re.compile(rf"^\s*(?:{joined})\s*$", re.IGNORECASE)
