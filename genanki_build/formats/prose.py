"""Prose: running text (an article, a chapter) that is not a flashcard set.

Detected by consecutive long lines (paragraphs) holding most of the text, with no card structure:
no title ending in "Flashcards", few questions, no Markdown or list marks, no separators. Text
hard-wrapped at a fixed width (an editor's 72 or 80 columns) is read as the paragraphs it wraps: a
run of at least :data:`WRAP_LINES` lines, each but the last filled to :data:`WRAP_FILL` of the
file's widest line (of :data:`WRAP_MIN_WIDTH` characters or more), each broken only where the next
word would not have fitted, and most of them ending mid-sentence, is one paragraph. A Quizlet
copy with long answers does not read as prose because its long lines alternate with short terms;
a Markdown note does not because of its headings and list marks.

Produces no cards. Every non-blank line is reported as skipped, and one ``info`` finding for the
whole file says why and how to turn the text into cards (Markdown with cloze deletions).
"""

from __future__ import annotations

import re
from itertools import pairwise

from genanki_build.formats._lines import TITLE, nonblank, skipped
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import Finding, ParseResult, SourceRef

NAME = "prose"

PARAGRAPH_CHARS = 150
"""A line at least this long is a paragraph of running text."""
WRAP_LINES = 3
"""A hard-wrapped paragraph has at least this many lines ..."""
WRAP_FILL = 0.7
"""... each but its last at least this share of the widest line's length ..."""
WRAP_MIN_WIDTH = 50
"""... which is at least this many characters (and under :data:`PARAGRAPH_CHARS`)."""
WRAPPED_CONFIDENCE = 0.7
"""The detection score is scaled by this when paragraphs had to be unwrapped."""

_SENTENCE_BREAK = re.compile(r"[.!?][\"'”’)\]]* +[\"'“‘(\[]*[A-Z]")
_SENTENCE_ENDS = (".", "?", "!", ":", ";", '"', "”", ")")
_MARKUP = re.compile(
    r"^(?:#{1,6}\s|[-*+•·]\s|>|\d{1,3}[.)]\s|```|\||[QA]:|<!--)|::|\{\{c\d+::|==\S|\t|---|/////"
)

ADVICE = (
    "To study it, write cards from it in a Markdown file (.md) beside it: a '## Question' heading "
    "with the answer below it, or a sentence with the fact to recall marked as a cloze, e.g. "
    "'Engaged customers are {{c1::more loyal}}.' or 'Engaged customers are ==more loyal==.' "
    '(see "Markdown cards" in the README)'
)


def _is_paragraph(line: str) -> bool:
    return len(line) >= PARAGRAPH_CHARS and not _MARKUP.search(line)


def _wrapped(run: list[str]) -> bool:
    """True when ``run`` (each line but its last filled, and broken where the next word would not
    have fitted) reads as one wrapped paragraph: long enough, most lines breaking inside a sentence,
    and a sentence ending inside it every :data:`WRAP_LINES` lines or more often."""
    full = run[:-1]
    sentences = len(_SENTENCE_BREAK.findall(" ".join(run)))
    return (
        len(run) >= WRAP_LINES
        and 2 * sum(not ln.endswith(_SENTENCE_ENDS) for ln in full) > len(full)
        and WRAP_LINES * sentences >= len(run)  # running text: sentences, not one record a line
    )


def _unwrapped(text: str) -> list[tuple[int, str]]:
    """The non-blank lines of ``text`` (stripped, with their first line's number), each hard-wrapped
    paragraph joined into one line."""
    lines = [(n, ln.strip()) for n, ln in nonblank(text)]
    width = max((len(ln) for _, ln in lines), default=0)
    if width < WRAP_MIN_WIDTH or width >= PARAGRAPH_CHARS:
        return lines  # too narrow to be a wrap width, or wide enough for paragraphs of one line
    full = WRAP_FILL * width

    def runs_on(a: tuple[int, str], b: tuple[int, str]) -> bool:
        # b goes on a's paragraph: the next line, a filled up to where b's first word would not fit.
        return (
            b[0] == a[0] + 1
            and len(a[1]) >= full
            and len(a[1]) + 1 + len(b[1].split(" ", 1)[0]) > width
            and not _MARKUP.search(a[1])
            and not _MARKUP.search(b[1])
        )

    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and runs_on(lines[j], lines[j + 1]):
            j += 1
        run = [ln for _, ln in lines[i : j + 1]]
        if _wrapped(run):
            out.append((lines[i][0], " ".join(run)))
        else:
            out.extend(lines[i : j + 1])
        i = j + 1
    return out


def detect(text: str) -> float:
    """High when consecutive paragraphs hold most of the text and nothing looks like cards."""
    numbered = _unwrapped(text)
    lines = [ln for _, ln in numbered]
    if not lines:
        return 0.0
    # Paragraphs pieced together from wrapped lines are weaker evidence than paragraphs as written:
    # a card format that reads the file fairly well wins over them.
    confidence = 1.0 if len(numbered) == len(nonblank(text)) else WRAPPED_CONFIDENCE
    paragraphs = [_is_paragraph(ln) for ln in lines]
    if not any(paragraphs):
        return 0.0  # no running text at all: the share below, and so the score, is 0
    chars = sum(len(ln) for ln in lines)
    share = sum(len(ln) for ln, para in zip(lines, paragraphs, strict=True) if para) / chars
    if len(lines) == 1:
        runs = 1.0 if paragraphs[0] else 0.0
    else:
        pairs = list(pairwise(paragraphs))
        runs = sum(a and b for a, b in pairs) / len(pairs)
    marked = len(list(filter(None, map(_MARKUP.search, lines)))) / len(lines)
    questions = sum(ln.endswith("?") for ln in lines) / len(lines)
    score = 0.9 * share * min(1.0, runs / 0.5)
    score *= max(0.0, 1 - 2 * marked) * max(0.0, 1 - 2 * questions)
    if TITLE.search(lines[0]):
        score *= 0.3
    return round(score * confidence, 3)


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """No cards; one ``skipped`` finding per non-blank line and one note for the file."""
    lines = nonblank(text)
    findings: list[Finding] = [
        skipped(NAME, source, n, line, "prose: running text, not a flashcard") for n, line in lines
    ]
    if lines:
        paragraphs = sum(_is_paragraph(line) for _, line in _unwrapped(text))
        why = (
            f"{source} reads as prose, not flashcards ({paragraphs} paragraph(s) of running text "
            f"and no question/answer structure), so no cards were made from it. {ADVICE}."
        )
        findings.insert(0, Finding(NAME, "info", why, SourceRef(source, lines[0][0], lines[-1][0])))
    return ParseResult(cards=(), findings=tuple(findings))


FORMAT = Format(
    NAME, "Running prose (an article); reported, never turned into cards.", detect, parse, ceiling=0.9
)
