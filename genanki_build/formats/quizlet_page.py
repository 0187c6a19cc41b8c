"""Text copied from a Quizlet set page: a title line ending in ``Flashcards``, then terms and
definitions on alternating lines (either side may span several lines)."""

from __future__ import annotations

import re

from genanki_build.formats._lines import numbered, skipped
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import Card, Finding, ParseResult, SourceRef

NAME = "quizlet-page"
_TITLE = re.compile(r"\bflashcards\s*$", re.IGNORECASE)


def detect(text: str) -> float:
    """A first non-blank line ending in ``Flashcards`` followed by short lines."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 3 or not _TITLE.search(lines[0]):
        return 0.0
    return 0.7


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """Pairs lines (interim segmentation)."""
    lines = [(n, ln) for n, ln in numbered(text) if ln.strip()]
    findings: list[Finding] = []
    title = ""
    if lines and _TITLE.search(lines[0][1]):
        title = lines[0][1].strip()
        findings.append(skipped(NAME, source, lines[0][0], lines[0][1], "title"))
        lines = lines[1:]
    cards = []
    for i in range(0, len(lines) - 1, 2):
        (qn, q), (an, a) = lines[i], lines[i + 1]
        cards.append(Card(q.strip(), a.strip(), SourceRef(source, qn, an), NAME, title=title))
    if len(lines) % 2:
        n, ln = lines[-1]
        findings.append(skipped(NAME, source, n, ln, "term without a definition"))
    return ParseResult(tuple(cards), tuple(findings), title)


FORMAT = Format(
    NAME, "Text copied from a Quizlet set page (title, then terms and definitions).", detect, parse
)
