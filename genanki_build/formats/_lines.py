"""Small helpers the format parsers share."""

from __future__ import annotations

import re
from collections.abc import Iterable

from genanki_build.model import Finding, SourceRef


def numbered(text: str) -> list[tuple[int, str]]:
    """Every physical line of ``text`` with its 1-based number, line ends removed."""
    return list(enumerate(text.split("\n"), start=1))


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
