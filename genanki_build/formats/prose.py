"""Prose: running text that is not a flashcard set.

Detected by long lines of several sentences and no question/answer structure. Produces no cards;
every line is reported with a reason and a pointer to the Markdown format, so a maintainer can turn
the text into cards by hand.
"""

from __future__ import annotations

import re

from genanki_build.formats._lines import numbered, skipped
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import ParseResult

NAME = "prose"
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?(\s|$)")

ADVICE = (
    "prose, not flashcards: no cards made. To study it, rewrite it as Markdown cards "
    "(`## Question` headings with the answer below, or sentences with {{c1::cloze}} deletions) "
    "in a .md file; see the README's 'Markdown cards' section"
)


def detect(text: str) -> float:
    """High when most of the text sits in long, multi-sentence lines."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return 0.0
    chars = sum(len(ln) for ln in lines)
    long_chars = sum(len(ln) for ln in lines if len(ln) > 300 and len(_SENTENCE_END.findall(ln)) >= 3)
    questions = sum(1 for ln in lines if ln.endswith("?"))
    share = long_chars / chars if chars else 0.0
    if questions > max(2, len(lines) // 5):
        share *= 0.5
    return round(min(1.0, share * 0.9), 3)


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """No cards; one ``skipped`` finding per non-blank line."""
    findings = tuple(skipped(NAME, source, n, line, ADVICE) for n, line in numbered(text) if line.strip())
    return ParseResult(cards=(), findings=findings)


FORMAT = Format(NAME, "Running prose (an article); reported, never turned into cards.", detect, parse)
