"""Markdown written for this tool (the README's "Markdown cards" section).

- YAML front matter: ``deck:`` (or ``lecture:``/``title:``) names the lecture, ``tags:`` tags every
  card (a list, or a string split at commas and spaces).
- ``# Heading`` names the lecture of the cards below it (it wins over the front matter's deck).
- ``## Question`` (any level from 2): a Basic card; the answer is the heading's body, down to the
  next heading of the same or a higher level, or to a ``Q:`` line or a cloze paragraph (cards of
  their own). A heading with no text of its own (nothing under it, or a ``Q:``/``A:`` card or a
  cloze paragraph first) is a section title instead.
- ``Q:`` / ``A:`` lines: the question runs to the ``A:`` line; the answer runs to the next ``Q:``
  line or heading, or to a blank line followed by a line that is neither indented nor a list item.
- A paragraph holding ``{{c1::…}}`` or ``==…==`` is a Cloze card; ``==x==`` becomes ``{{cN::x}}``
  numbered in order. Under a section title, the title is shown as the card's extra text.
- Anything else is reported as skipped, with the reason.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence

from genanki_build.formats import _markdown_common as md
from genanki_build.formats import _qa
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import ParseResult

NAME = "markdown"
_QUESTIONISH = re.compile(r"\?\s*$")


def _front_title(data: dict[str, object]) -> str:
    for key in ("deck", "lecture", "title"):
        value = data.get(key)
        if isinstance(value, str | int | float) and str(value).strip():
            return str(value).strip()
    return ""


#: Tags that only mark a heading as a card (Obsidian flashcard plugins' ``## Question #card``);
#: they are dropped. Other trailing ``#tags`` on a question heading become the card's tags.
CARD_MARKER_TAGS = frozenset({"card", "cards", "flashcard", "flashcards", "card-reverse", "card-reversed"})
_TRAILING_TAGS = re.compile(r"(?:\s+#[\w/-]+)+\s*$")


def _heading_tags(text: str) -> tuple[str, tuple[str, ...]]:
    """A heading's text without its trailing ``#tags``, and those tags (card markers dropped)."""
    match = _TRAILING_TAGS.search(text)
    if not match or not text[: match.start()].strip():
        return text, ()
    tags = [t.lstrip("#") for t in match.group(0).split()]
    kept = md.as_tags([t for t in tags if t.lower() not in CARD_MARKER_TAGS])
    return text[: match.start()].strip(), kept


def _headings(lines: Sequence[str], start: int, mask: Sequence[bool]) -> list[tuple[int, int, str]]:
    out = []
    for i in range(start, len(lines)):
        if not mask[i] and (found := md.heading(lines[i])):
            out.append((i, found[0], _heading_tags(found[1])[0]))
    return out


def detect(text: str) -> float:
    """High for heading cards, ``Q:``/``A:`` pairs or cloze paragraphs in a Markdown-looking file;
    low when Obsidian flashcard syntax or tab-separated columns say another format fits better."""
    lines = text.split("\n")
    fm = md.front_matter(lines)
    mask = md.fence_mask(lines)
    heads = _headings(lines, fm.size, mask)
    body_lines = [ln for i, ln in enumerate(lines[fm.size :], fm.size) if ln.strip() and not mask[i]]
    if not body_lines or any("\t" in ln.strip() for ln in body_lines[:20]):
        return 0.0
    question_heads = sum(1 for _, level, t in heads if level >= 2 and _QUESTIONISH.search(t))
    qa = sum(1 for ln in body_lines if _qa.is_question_line(ln))
    answers = sum(1 for ln in body_lines if _qa.is_answer_line(ln))
    clozes = 0
    if "{{c" in text or "==" in text:  # no block holds a cloze otherwise
        clozes = sum(1 for block in md.blocks(lines, fm.size, len(lines), mask) if _is_cloze(lines, block))
    score = 0.0
    if question_heads >= 2 or (question_heads and heads[0][1] == 1):
        score = 0.8
    elif sum(1 for _, level, _ in heads if level >= 2) >= 2 and _short_sections(lines, heads):
        score = 0.45
    elif question_heads == 1 and len(heads) == 1 and _short_sections(lines, heads):
        score = 0.45  # one card: a question heading and a short answer (a list, a code block)
    if qa >= 1 and answers >= qa * 0.8:
        score = max(score, 0.7 if heads or fm.size else 0.5)
    if clozes:
        score = max(score, 0.6 if clozes >= 2 or heads else 0.4)
    if fm.size and {"deck", "lecture", "tags"} & set(fm.data):
        score = min(1.0, score + 0.1) if score else 0.3
    if "<!--SR:" in text:
        score = min(score, 0.4)
    return round(score, 3)


#: Median characters under a heading above which the headings look like an article's sections
#: rather than terms with their definitions.
MAX_SECTION_CHARS = 600


def _short_sections(lines: Sequence[str], heads: list[tuple[int, int, str]]) -> bool:
    """True when the text under a typical heading is short enough to be a card's answer."""
    starts = [i for i, _, _ in heads] + [len(lines)]
    sizes = sorted(sum(len(ln.strip()) for ln in lines[a + 1 : b]) for a, b in itertools.pairwise(starts))
    return sizes[len(sizes) // 2] <= MAX_SECTION_CHARS


def _is_cloze(lines: Sequence[str], block: Sequence[int]) -> bool:
    if len(block) == 1 and md.heading(lines[block[0]]):
        return False
    return md.has_cloze("\n".join(lines[i] for i in block))


class _Parser(md.Collector):
    """One pass over a file's lines."""

    def __init__(self, text: str, source: str) -> None:
        super().__init__(NAME, text, source)

    def run(self) -> ParseResult:
        fm = md.front_matter(self.lines)
        if fm.size:
            reason = "front matter (deck and tags)" if fm.valid else "front matter that is not valid YAML"
            self.skip(range(fm.size), reason)
            self.title = _front_title(fm.data)
            self.tags = md.as_tags(fm.data.get("tags"))
        file_title = self.title
        heads = _headings(self.lines, fm.size, self.mask)
        ends = self._section_ends(heads)
        starts = [i for i, _, _ in heads]
        context, context_level = "", 0
        i = fm.size
        while i < len(self.lines):
            found = None if self.mask[i] else md.heading(self.lines[i])
            if found is None:
                nxt = self._next_heading(starts, i)
                self._free(i, nxt, context)
                i = nxt
                continue
            level, text = found
            if level == 1:
                self.title = _heading_tags(text)[0] or file_title
                context = ""
                self.skip([i], "deck heading")
                i += 1
                continue
            nxt = self._next_heading(starts, i)
            if self._is_section(i + 1, nxt):
                context, context_level = text, level
                self.skip([i], "section heading")
                i += 1
                continue
            if level <= context_level:
                context = ""  # a question heading of the section's level ends the section
            end = self._answer_end(i + 1, ends[i])
            body = [j for j in range(i + 1, end)]
            last = max((j for j in body if self.lines[j].strip()), default=i)
            front, tags = _heading_tags(text)
            self.add((i, last), front, md.joined(self.lines, body), tags=tuple(sorted({*self.tags, *tags})))
            i = end
        first_h1 = next((t for _, level, t in heads if level == 1), "")
        return self.result(file_title or first_h1)

    def _next_heading(self, starts: list[int], i: int) -> int:
        k = bisect.bisect_right(starts, i)
        return starts[k] if k < len(starts) else len(self.lines)

    def _section_ends(self, heads: list[tuple[int, int, str]]) -> dict[int, int]:
        """For each heading's line, the line of the next heading of the same or a higher level."""
        ends: dict[int, int] = {}
        open_heads: list[tuple[int, int]] = []
        for i, level, _ in heads:
            while open_heads and open_heads[-1][1] >= level:
                ends[open_heads.pop()[0]] = i
            open_heads.append((i, level))
        ends.update((i, len(self.lines)) for i, _ in open_heads)
        return ends

    def _is_section(self, start: int, end: int) -> bool:
        """True when a heading has no text of its own: nothing under it, or a ``Q:``/``A:`` card or
        a cloze paragraph first (the heading is then theirs, a section title)."""
        return self._last_text_line(start, self._answer_end(start, end)) is None

    def _answer_end(self, start: int, end: int) -> int:
        """Where a question heading's answer, from ``start``, ends: at ``end`` (the next heading of
        its level), or at a ``Q:`` line or a cloze paragraph before it, which are cards of their own."""
        question = (j for j in range(start, end) if not self.mask[j] and _qa.is_question_line(self.lines[j]))
        cloze = (
            b[0]
            for b in md.blocks(self.lines, start, end, self.mask)
            if not self.mask[b[0]] and _is_cloze(self.lines, b)
        )
        cut = min(next(question, end), next(cloze, end))
        if cut < end:
            # Deeper headings right above the cut head the cards after it, not this answer.
            while (j := self._last_text_line(start, cut)) is not None and md.heading(self.lines[j]):
                cut = j
        return cut

    def _last_text_line(self, start: int, end: int) -> int | None:
        """The last non-blank line before ``end`` (not before ``start``)."""
        return next((j for j in range(end - 1, start - 1, -1) if self.lines[j].strip()), None)

    def _free(self, start: int, end: int, context: str) -> None:
        """Q:/A: cards, cloze paragraphs and skipped prose between two headings."""
        lines = self.lines
        i = start
        while i < end:
            if not lines[i].strip() and not self.mask[i]:
                i += 1
                continue
            if not self.mask[i] and _qa.is_question_line(lines[i]):
                qa = _qa.read_qa(lines, i, end, self.mask)
                if qa.answer:
                    self.add((qa.first, qa.last), qa.question, qa.answer)
                else:
                    self.skip(range(qa.first, qa.last + 1), "question without an answer")
                i = qa.last + 1
                continue
            block = self._block(i, end)
            if not self.mask[i] and _qa.is_answer_line(lines[i]):
                self.skip(block, "answer without a question")
            elif _is_cloze(lines, block):
                self.add((block[0], block[-1]), md.joined(lines, block), context, cloze=True)
            else:
                self.skip(block, "prose between cards")
            i = block[-1] + 1

    def _block(self, start: int, end: int) -> list[int]:
        """The paragraph starting at ``start``: up to a blank line outside a fence or a ``Q:`` line."""
        out = [start]
        for j in range(start + 1, end):
            if not self.mask[j] and (not self.lines[j].strip() or _qa.is_question_line(self.lines[j])):
                break
            out.append(j)
        return out


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """Cards from headings, ``Q:``/``A:`` lines and cloze paragraphs; everything else skipped."""
    return _Parser(text, source).run()


FORMAT = Format(
    NAME,
    "Markdown cards: '## Question' headings, Q:/A: lines, {{c1::cloze}} or ==cloze== paragraphs.",
    detect,
    parse,
    ceiling=0.9,
)
