"""Text copied from a Quizlet set page.

Shape: an optional title line (``<name> Flashcards``), then terms and definitions on alternating
lines, where either side may run over several lines. Nothing marks where a side ends, so the whole
file is cut in one go: every way of covering the lines with cards (a question span of 1 to
``_segment.MAX_QUESTION_LINES`` lines followed by an answer span of 1 to
``_segment.MAX_ANSWER_LINES`` lines) is scored, and dynamic programming picks the cover with the best total. Pairing lines greedily gets
about half of a real copy wrong; the global choice lets a strong cue late in the file (a question
mark, a "Term: …" line) settle an ambiguous line earlier on.

The cutting, and every cue it weighs, is :mod:`genanki_build.formats._segment`'s; the cues read off
each line are :mod:`genanki_build.formats._page_lines`'.

Every line is kept verbatim (stripped of surrounding spaces) and joined with ``\\n``, so lists
stay lists. The title, lines matching the configured page-noise patterns, and everything from the
first heading of the page's own sections below the cards (:data:`PAGE_END`, e.g. "Students also
viewed") are reported as skipped.

Known limit: a context sentence before a question that does not point back to it (no "it",
"they", "this" …) is read as the end of the answer above; nothing in the text tells them apart.
"""

from __future__ import annotations

import re
from itertools import pairwise, repeat
from operator import contains

from genanki_build.formats._lines import TITLE, cards_all, compile_noise, nonblank, skipped_all
from genanki_build.formats._page_lines import Line
from genanki_build.formats._segment import segment
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import ParseResult

NAME = "quizlet-page"

LOWER_CASE_SHARE = 0.6
"""When more lines than this start in lower case (a vocabulary list), case tells nothing."""


def _calibrate(lines: list[Line]) -> None:
    """Switch off the lower-case cues in a file where most lines start in lower case."""
    lower = sum(ln.lower for ln in lines if not ln.letter)
    if lower > LOWER_CASE_SHARE * max(1, len(lines)):
        for line in lines:
            line.lower = False


#: Headings of the sections a set page shows below its cards; from the first one on, a copy holds
#: page furniture, not cards. Matched whole and case-insensitively.
PAGE_END: tuple[str, ...] = (
    r"students also viewed",
    r"other sets by this creator",
    r"(?:recommended )?textbook solutions",
    r"verified questions?",
    r"sets (?:found )?in the same folder",
    r"this set is often (?:in folders|saved) with.*",
)


def _content(text: str, options: ParseOptions) -> tuple[str, list[Line], list[tuple[int, str, str]]]:
    """The title, the content lines, and the lines to skip with their reasons."""
    noise = compile_noise(options.noise)
    page_end = compile_noise(PAGE_END)
    title = ""
    lines: list[Line] = []
    skip: list[tuple[int, str, str]] = []
    footer = ""
    for number, raw in nonblank(text):
        if footer:
            skip.append((number, raw, f"page furniture below the cards (after {footer!r})"))
        elif not lines and not title and not skip and TITLE.search(raw) and len(raw) <= 300:
            title = raw.strip()
            skip.append((number, raw, "title"))
        elif len(lines) >= 2 and page_end.match(raw):
            footer = raw.strip()
            skip.append((number, raw, "page furniture below the cards"))
        elif noise.match(raw):
            skip.append((number, raw, "page noise"))
        else:
            lines.append(Line(number, raw))
    _calibrate(lines)
    return title, lines, skip


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """Cards from the best segmentation of the lines after the title."""
    title, lines, skip = _content(text, options)
    if len(lines) < 2:
        skip.extend((ln.number, ln.text, "a term without a definition") for ln in lines)
        return ParseResult((), tuple(skipped_all(NAME, source, skip)), title)
    findings = skipped_all(NAME, source, skip)
    rows = []
    for cut in segment(lines):
        question, answer = lines[cut.start : cut.mid], lines[cut.mid : cut.end]
        front, back = "\n".join(ln.text for ln in question), "\n".join(ln.text for ln in answer)
        rows.append((front, back, question[0].number, answer[-1].number))
    return ParseResult(tuple(cards_all(NAME, source, title, rows)), tuple(findings), title)


#: Separators of Quizlet's and Anki's own exports; a copied page has none on most lines.
_EXPORT_SEPARATORS = ("\t", "---", "//", "::", " | ", ";", "*")
#: Marks of Markdown notes, Anki exports and plugin syntaxes; a copied page has none. Those that
#: open a line, and those anywhere in it (two patterns: a search for a literal mark alone runs
#: in C, where one pattern of both would try every alternative at every character).
_MARKUP_START = re.compile(r"^(?:#|[QA]:|(?:START|END)\w*\b|TARGET DECK|Back:|```|<!--)", re.IGNORECASE)
_MARKUP_ANYWHERE = re.compile(r"!\[|\]\]|\{\{[cC]\d+::")
_MARKERS = frozenset({"Q", "A", "?", "??"})
_BARE_LETTER = re.compile(r"^(?:answer\s*:?\s*)?[a-eA-E](?:\s*,\s*[a-eA-E])*$", re.IGNORECASE)
_CSV_COMMA = re.compile(r"[A-Za-z\"],\S")


def _foreign_share(raw: list[str], body: list[str]) -> float:
    """The largest share of lines carrying another format's marks."""
    count = len(body)

    def having(sep: str) -> int:  # how many lines hold sep, counted in C
        return sum(map(contains, body, repeat(sep)))

    def matching(pattern: re.Pattern[str]) -> int:
        return len(list(filter(None, map(pattern.search, body))))

    shares = [having(sep) / count for sep in _EXPORT_SEPARATORS if sep != "\t"]
    shares.append(2.5 * having("\t") / count)
    marked = sum(1 for ln in body if _MARKUP_START.match(ln) or _MARKUP_ANYWHERE.search(ln))
    shares.append(5 * marked / count)
    shares.append(matching(_CSV_COMMA) / count)
    shares.append(2.5 * sum(ln[:1].isspace() for ln in raw) / count)
    return max(shares)


def _asks(line: Line) -> bool:
    """A line that reads as a question or a short label: what a term line looks like."""
    return line.ends_q or line.opens or (line.is_label and len(line.words) <= 8)


def detect(text: str) -> float:
    """High for a title line ending in "Flashcards" over alternating terms and definitions;
    lower without the title when the lines still alternate; near zero when another format's
    marks are there (separators or markup on many lines, Q/A markers, answer letters)."""
    raw = [line for _, line in nonblank(text)]
    lines = [line.strip() for line in raw]
    if len(lines) < 3:
        return 0.0
    titled = bool(TITLE.search(lines[0])) and len(lines[0]) <= 300
    body = lines[1:] if titled else lines
    count = len(body)
    if sum(ln in _MARKERS for ln in body) >= 2 or sum(bool(_BARE_LETTER.match(ln)) for ln in body) >= 2:
        return 0.05
    foreign = _foreign_share(raw[1:] if titled else raw, body)
    if foreign >= (0.5 if titled else 0.25):
        return 0.05
    if titled:
        # Read lines only until a tenth of them ask: the share can only grow from there.
        asking = 0
        for ln in body:
            if _asks(Line(0, ln)):
                asking += 1
                if asking / count >= 0.1:
                    return 0.85
        return 0.6
    asking = sum(_asks(Line(0, ln)) for ln in body)
    share = asking / count
    # Without a title: questions or labels on roughly every other line, and long paragraphs, if
    # any, between short lines rather than one after another (as in an article).
    long_runs = sum(len(a) > 300 and len(b) > 300 for a, b in pairwise(body)) / (count - 1)
    if 0.25 <= share <= 0.75 and long_runs < 0.2 and count >= 4:
        return 0.45
    return 0.1 if share >= 0.15 else 0.02


FORMAT = Format(
    NAME,
    "Text copied from a Quizlet set page (a title, then terms and definitions over one or more lines).",
    detect,
    parse,
    ceiling=0.85,
)
