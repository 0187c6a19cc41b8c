"""Obsidian notes written for the Spaced Repetition plugin.

- ``question::answer`` on one line; ``question:::answer`` (the plugin's reversed pair) is made as
  one Basic note flagged ``reverse`` (it gets its reversed card), and the report says so. A custom inline separator of the ``::X::`` shape (such as
  ``::@::``) is found by itself; others can be set with ``separator = "…"`` in ``deck.toml``.
  Single-line cards may sit anywhere in a bullet outline; the bullet marker is dropped.
- A multi-line card: question lines, a separator line (``?``; ``??`` for a reversed pair), answer
  lines, ended by a blank line outside a code fence. A line holding only an HTML tag (such as
  ``<br class="f">``) that recurs between text lines is taken for a custom separator; others can
  be set with ``multiline_separator = "…"``. A custom separator may also end the last question line.
- A paragraph with ``==highlights==`` is a Cloze card.
- Scheduling comments (``<!--SR:…-->``) and other HTML comments are stripped; wikilinks become
  their text (``[[Page|alias]]`` → alias, ``[[Page#Section]]`` → Section); ``![[x.png]]`` becomes a
  Markdown image. ``# Heading`` gives the cards their lecture.
- Front matter, headings, prose and code between cards are reported as skipped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from genanki_build.formats import _markdown_common as md
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import CLOZE_OPEN, Card, Finding, NoteType, ParseResult

NAME = "obsidian"
#: The plugin's default separators: inline, inline reversed, multi-line, multi-line reversed.
INLINE = "::"
INLINE_REVERSED = ":::"
MULTILINE = "?"
MULTILINE_REVERSED = "??"
_CUSTOM_INLINE = re.compile(r"::[^\w\s:]{1,3}::")
_TAG_LINE = re.compile(r"^<[A-Za-z][\w-]*(?:\s+[^<>]*)?/?>$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?")
_TAGS_ONLY = re.compile(r"^\s*(?:#[\w/-]+\s*)+$")
_PROPERTY = re.compile(r"^\s*(?:-\s+)?[a-z][\w-]*::\s")
_TRAILING_TAGS = re.compile(r"(?:\s+#[\w/-]+)+\s*$")
_WORDS = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Separators:
    """The separators one file uses."""

    inline: tuple[str, ...]
    """Inline separators, longest first."""
    multiline: tuple[str, ...]
    """Separator lines."""
    reversed: frozenset[str]
    """Those among them that ask for a reversed pair."""

    def inline_pattern(self) -> re.Pattern[str]:
        """One pattern for any inline separator, never part of a longer run of colons."""
        alts = "|".join(re.escape(s) for s in self.inline)
        return re.compile(rf"(?<!:)(?:{alts})(?!:)")


def _masked(line: str) -> str:
    """``line`` with code spans and Anki cloze openers hidden, so ``::`` in them is no separator."""
    if "`" not in line and "~~~" not in line and "{{" not in line:
        return line  # nothing to hide: no code span, no fence, no cloze
    return CLOZE_OPEN.sub(lambda m: "\x00" * len(m.group(0)), md.mask_code(line))


def separators(lines: Sequence[str], mask: Sequence[bool], options: ParseOptions) -> Separators:
    """The separators in use: the plugin's defaults, any found in the text, any set in deck.toml."""
    inline = [INLINE, INLINE_REVERSED]
    custom = Counter(
        m.group(0)
        for i, ln in enumerate(lines)
        # Masking only hides characters, so a line without "::" has no custom separator.
        if not mask[i] and "::" in ln
        for m in _CUSTOM_INLINE.finditer(_masked(ln))
    )
    inline.extend(sep for sep, _ in custom.most_common())
    multiline = [MULTILINE, MULTILINE_REVERSED]
    tags: Counter[str] = Counter()
    for i in range(1, len(lines) - 1):
        line = lines[i].strip()
        if mask[i] or not _TAG_LINE.match(line) or not lines[i - 1].strip() or not lines[i + 1].strip():
            continue
        tags[line] += 1
    multiline.extend(tag for tag, n in tags.most_common() if n >= 2)
    if sep := options.extra.get("separator", "").strip():
        inline.append(sep)
    if sep := options.extra.get("multiline_separator", "").strip():
        multiline.append(sep)
    return Separators(
        tuple(sorted(set(inline), key=len, reverse=True)),
        tuple(dict.fromkeys(multiline)),
        frozenset({INLINE_REVERSED, MULTILINE_REVERSED}),
    )


def _inline_lines(lines: Sequence[str], mask: Sequence[bool], seps: Separators) -> list[int]:
    pattern = seps.inline_pattern()
    return [
        i
        for i, ln in enumerate(lines)
        # A tab inside a line means columns (an Anki or Quizlet export), not a note; a bare
        # "key:: value" is more likely a Logseq or Dataview property than a card. Masking only
        # hides characters, so a line holding no separator is settled without it.
        if not mask[i]
        and "\t" not in ln.strip()
        and any(sep in ln for sep in seps.inline)
        and not _PROPERTY.match(ln)
        and pattern.search(_masked(ln))
    ]


def detect(text: str) -> float:
    """High when the note carries scheduling comments or several plugin-style cards."""
    lines = text.split("\n")
    mask = md.fence_mask(lines)
    if any(ln.startswith("#separator:") for ln in lines[:10]):
        return 0.0
    if "<!--SR:" in text:
        return 0.95
    seps = separators(lines, mask, ParseOptions())
    evidence = len(_inline_lines(lines, mask, seps))
    evidence += sum(1 for i, ln in enumerate(lines) if not mask[i] and ln.strip() in seps.multiline)
    if evidence >= 2:
        # Colon-run separators ("::", "::@::") are the plugin's own; a Quizlet export's
        # custom separator would rarely be one, so they outrank a generic separator sniffer.
        return 0.95
    return 0.35 if evidence else 0.0


class _Parser(md.Collector):
    def __init__(self, text: str, source: str, options: ParseOptions) -> None:
        super().__init__(NAME, text, source)
        self.seps = separators(self.lines, self.mask, options)
        self.inline = self.seps.inline_pattern()
        self.headings: list[tuple[int, str]] = []
        self.contexts: list[str] = []
        """For each card, the innermost heading (below the note's title) above it."""

    def add(
        self,
        span: tuple[int, int],
        front: str,
        back: str,
        *,
        cloze: bool = False,
        tags: tuple[str, ...] | None = None,
    ) -> Card:
        card = super().add(span, front, back, cloze=cloze, tags=tags)
        self.contexts.append(next((t for level, t in reversed(self.headings) if level >= 2), ""))
        return card

    def _add_context(self) -> None:
        """Like the plugin's context breadcrumbs: a question that recurs in the note with another
        answer is prefixed by its heading, so the cards can be told apart."""
        groups: dict[str, list[int]] = {}
        for k, card in enumerate(self.cards):
            if card.note_type is NoteType.BASIC:
                groups.setdefault(_WORDS.sub("", card.front.lower()), []).append(k)
        for members in groups.values():
            if len({self.cards[k].back for k in members}) < 2:
                continue
            for k in members:
                card, context = self.cards[k], self.contexts[k]
                if not context:
                    continue
                front = f"{context} › {card.front}"
                self.cards[k] = replace(card, front=front)
                msg = "the question recurs in this note with another answer; its heading added as context"
                self.findings.append(Finding(NAME, "fix", msg, card.source, card.front, front))

    def reversed_note(self, span: tuple[int, int], sep: str) -> None:
        """The card just added asks for a reversed pair: one Basic note with both cards."""
        card = self.cards[-1]
        self.cards[-1] = replace(card, flags=card.flags | {"reverse"})
        self.note(
            "info", f"'{sep}' asks for a reversed pair; made one Basic note with its reversed card", span
        )

    def run(self) -> ParseResult:
        fm = md.front_matter(self.lines)
        self.skip(range(fm.size), "front matter (note properties)")
        for block in md.blocks(self.lines, fm.size, len(self.lines), self.mask):
            self._block(block)
        self._add_context()
        return self.result(next((c.title for c in self.cards if c.title), ""))

    def _block(self, block: list[int]) -> None:
        lines = self.lines
        first = lines[block[0]]
        found = None if self.mask[block[0]] else md.heading(first)
        if found and len(block) == 1:
            level, text = found
            if level == 1:
                # "# Biology #flashcards": the plugin's deck tag is not part of the title.
                self.title = _TRAILING_TAGS.sub("", text).strip() or text
            self.headings = [*(h for h in self.headings if h[0] < level), (level, text)]
            self.skip(block, "heading")
            return
        if _TAGS_ONLY.match("\n".join(lines[i] for i in block)):
            self.skip(block, "tag line")
            return
        if self._multiline(block) or self._inline(block):
            return
        text = "\n".join(lines[i] for i in block)
        if md.has_cloze(md.strip_comments(text)):
            last = block[-1]
            self.add((block[0], last), md.joined(lines, block), "", cloze=True)
            return
        self.skip(block, "prose between cards")

    def _split_at(self, block: list[int]) -> tuple[int, str, str] | None:
        """Where a multi-line separator sits in ``block``: (position, separator, text before it on
        the same line)."""
        for pos, i in enumerate(block):
            if self.mask[i]:
                continue
            line = md.strip_comments(self.lines[i]).strip()
            for sep in self.seps.multiline:
                if line == sep:
                    return pos, sep, ""
                # A custom separator (never "?", which ends questions) may close the question line.
                if len(sep) > 2 and line.endswith(sep) and line[: -len(sep)].strip():
                    return pos, sep, self.lines[i].rsplit(sep, 1)[0].rstrip()
        return None

    def _multiline(self, block: list[int]) -> bool:
        split = self._split_at(block)
        if split is None:
            return False
        pos, sep, tail = split
        lines = self.lines
        question = md.joined(lines, block[:pos])
        if tail:
            question = f"{question}\n{tail}".strip("\n")
        answer = md.joined(lines, block[pos + 1 :])
        if not md.strip_comments(question).strip() or not md.strip_comments(answer).strip():
            self.skip(block, "multi-line card without a question or an answer")
            return True
        span = (block[0], block[-1])
        self.add(span, question, answer)
        if sep in self.seps.reversed:
            self.reversed_note(span, sep)
        return True

    def _inline(self, block: list[int]) -> bool:
        hits = {i for i in block if not self.mask[i] and self.inline.search(_masked(self.lines[i]))}
        if not hits:
            return False
        for i in block:
            if i not in hits:
                reason = (
                    "outline bullet, not a card" if md.is_list_item(self.lines[i]) else "prose between cards"
                )
                self.skip([i], reason)
                continue
            line = self.lines[i]
            match = self.inline.search(_masked(line))
            assert match is not None
            front = _BULLET.sub("", line[: match.start()], count=1).strip()
            back = line[match.end() :].strip()
            if not front or not md.strip_comments(back).strip():
                self.skip([i], "card without a question or an answer")
                continue
            self.add((i, i), front, back)
            if match.group(0) in self.seps.reversed:
                self.reversed_note((i, i), match.group(0))
        return True


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """Cards from the plugin's separators and ``==cloze==`` paragraphs; the rest reported."""
    return _Parser(text, source, options).run()


FORMAT = Format(
    NAME,
    "Obsidian Spaced Repetition notes: question::answer, '?' separator lines, ==cloze==.",
    detect,
    parse,
    ceiling=0.95,
    settings=frozenset({"separator", "multiline_separator"}),
)
