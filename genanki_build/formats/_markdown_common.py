"""Pieces the Markdown-family formats share: front matter, code fences, blocks, comments, links,
cloze markup, and the :class:`Collector` that makes their cards and findings.

Everything here works on a file's physical lines (``text.split("\\n")``) by 0-based index; the
format modules turn indexes into 1-based :class:`~genanki_build.model.SourceRef` lines.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from genanki_build.formats._lines import skipped
from genanki_build.model import Card, Finding, Markup, NoteType, ParseResult, SourceRef

# --- front matter -------------------------------------------------------------------------------

_FRONT_OPEN = re.compile(r"^---\s*$")
_FRONT_CLOSE = re.compile(r"^(?:---|\.\.\.)\s*$")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A YAML block at the top of a file, between ``---`` lines."""

    size: int
    """Lines it spans, fences included; 0 when the file has none."""
    data: dict[str, Any] = field(default_factory=dict)
    """Its mapping; empty when it is not valid YAML or not a mapping."""
    valid: bool = True
    """False when the block could not be read as a YAML mapping."""


def front_matter(lines: Sequence[str]) -> FrontMatter:
    """The YAML front matter opening ``lines``, if any."""
    if not lines or not _FRONT_OPEN.match(lines[0]):
        return FrontMatter(0)
    for i in range(1, len(lines)):
        if _FRONT_CLOSE.match(lines[i]):
            try:
                data = yaml.safe_load("\n".join(lines[1:i]))
            except yaml.YAMLError:
                return FrontMatter(i + 1, {}, False)
            if data is None:
                return FrontMatter(i + 1)
            if not isinstance(data, dict):
                return FrontMatter(i + 1, {}, False)
            return FrontMatter(i + 1, {str(k): v for k, v in data.items()})
    return FrontMatter(0)


def as_tags(value: object) -> tuple[str, ...]:
    """Anki tags from a front-matter ``tags`` value: a list, or a string split at commas/spaces.
    Obsidian's nested ``a/b`` tags become Anki's ``a::b``; a leading ``#`` is dropped."""
    items: list[str] = []
    if isinstance(value, str):
        items = re.split(r"[,\s]+", value)
    elif isinstance(value, list | tuple):
        items = [str(v) for v in value if v is not None]
    tags = {item.strip().lstrip("#").replace("/", "::") for item in items}
    return tuple(sorted(t.replace(" ", "_") for t in tags if t))


# --- lines, fences, blocks ----------------------------------------------------------------------

_FENCE_OPEN = re.compile(r"^\s*(?:>\s*)?(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])(?:\s|$)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def fence_mask(lines: Sequence[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (the fence lines included)."""
    mask = [False] * len(lines)
    joined = "\n".join(lines)
    if "```" not in joined and "~~~" not in joined:
        return mask  # no fence can open
    fence = ""
    for i, line in enumerate(lines):
        if fence:
            mask[i] = True
            stripped = line.strip().lstrip(">").strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        match = _FENCE_OPEN.match(line)
        # A backtick fence's info string holds no backtick (CommonMark), so a one-line
        # "```code```" is an inline code span, not a fence.
        if match and not (match.group("fence")[0] == "`" and "`" in match.group("info")):
            fence = match.group("fence")
            mask[i] = True
    return mask


def heading(line: str) -> tuple[int, str] | None:
    """``(level, text)`` when ``line`` is an ATX heading (``## Text``)."""
    match = HEADING.match(line)
    if not match:
        return None
    return len(match.group("hashes")), (match.group("text") or "").strip()


def is_list_item(line: str) -> bool:
    """True for a Markdown list item line (``- x``, ``* x``, ``1. x``)."""
    return bool(_LIST_ITEM.match(line))


def blocks(lines: Sequence[str], start: int, end: int, mask: Sequence[bool]) -> list[list[int]]:
    """Indexes of ``lines[start:end]`` grouped into blocks: runs of non-blank lines split at blank
    lines outside code fences; a heading outside a fence is a block of its own."""
    out: list[list[int]] = []
    current: list[int] = []
    for i in range(start, end):
        line = lines[i]
        if not mask[i] and not line.strip():
            if current:
                out.append(current)
            current = []
            continue
        if not mask[i] and heading(line):
            if current:
                out.append(current)
            out.append([i])
            current = []
            continue
        current.append(i)
    if current:
        out.append(current)
    return out


def joined(lines: Sequence[str], indexes: Sequence[int]) -> str:
    """The lines at ``indexes`` joined, with common indentation removed and outer blanks trimmed."""
    return textwrap.dedent("\n".join(lines[i] for i in indexes)).strip("\n").rstrip()


# --- code spans, comments, links ----------------------------------------------------------------

# Bounded, so a stray backtick in a huge paragraph costs linear time, not quadratic.
_CODE_SPAN = re.compile(r"(`+)(?!`).{0,2000}?(?<!`)\1(?!`)", re.DOTALL)


def mask_code(text: str) -> str:
    """``text`` with every fenced code block and inline code span replaced by ``\\x00``, same
    length, so patterns searched in it never match code."""
    lines = text.split("\n")
    fenced = fence_mask(lines)
    if any(fenced):
        text = "\n".join("\x00" * len(ln) if inside else ln for ln, inside in zip(lines, fenced, strict=True))
    return _CODE_SPAN.sub(lambda m: "\x00" * len(m.group(0)), text)


def _sub_outside_code(
    pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], text: str
) -> tuple[str, int]:
    """``pattern.sub(repl, text)`` for matches that touch no code; and how many it changed."""
    masked = mask_code(text)
    parts: list[str] = []
    pos = count = 0
    for match in pattern.finditer(masked):
        if "\x00" in match.group(0):
            continue
        after = repl(match)
        parts += [text[pos : match.start()], after]
        pos = match.end()
        count += after != match.group(0)
    parts.append(text[pos:])
    return "".join(parts), count


def comments(text: str) -> list[str]:
    """The HTML comments in ``text``."""
    return _COMMENT.findall(text)


def strip_comments(text: str) -> str:
    """``text`` without HTML comments (scheduling data, plugin IDs); trailing spaces trimmed."""
    out = _COMMENT.sub("", text)
    return "\n".join(line.rstrip() for line in out.split("\n")).strip("\n")


def only_comments(line: str) -> bool:
    """True when ``line`` holds HTML comments and nothing else."""
    return bool(line.strip()) and not _COMMENT.sub("", line).strip()


def comment_reason(line: str) -> str:
    """Why a comment-only line is skipped."""
    if "<!--SR:" in line:
        return "scheduling comment (spaced-repetition plugin data)"
    if re.search(r"<!--\s*ID:", line):
        return "plugin note ID comment"
    return "HTML comment"


_WIKILINK = re.compile(r"(?<!!)\[\[(?P<target>[^\]|]+?)(?:\|(?P<alias>[^\]]+))?\]\]")
_MD_LINK = re.compile(
    r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<url><[^>]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+\"[^\"]*\")?\)"
)
_REMOTE = re.compile(r"^(?:https?|mailto):", re.IGNORECASE)
_IMAGE_ATTRS = re.compile(r"(?<=\))\{:[^{}]*\}")
_BLOCK_REF = re.compile(r"\s\^[A-Za-z0-9-]+\s*$", re.MULTILINE)


def _wikilink_text(match: re.Match[str]) -> str:
    alias = match.group("alias")
    if alias:
        return alias.strip()
    target = match.group("target").strip()
    page, _, section = target.partition("#")
    # "[[Page#Section]]" reads as the section; a bare page name as its words.
    return (section or page).replace("_", " ").strip()


def _local_link_text(match: re.Match[str]) -> str:
    url = match.group("url").strip("<>")
    if _REMOTE.match(url):
        return match.group(0)
    return match.group("text")


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A field's text after the Markdown-family clean-up, and what the clean-up did."""

    text: str
    """The text, ready for the render stage."""
    changes: tuple[str, ...] = ()
    """One short phrase per kind of change, e.g. ``removed 2 scheduling comments``."""


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


#: Digits and signs as Unicode superscripts and subscripts, for ``<sup>2</sup>`` in notes (raw
#: HTML is never rendered).
_SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SUP_SUB = re.compile(r"<(?P<tag>sup|sub)>(?P<body>[0-9+\-=()n]{1,8})</(?P=tag)>", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _sup_sub(match: re.Match[str]) -> str:
    table = _SUPERSCRIPT if match.group("tag").lower() == "sup" else _SUBSCRIPT
    return match.group("body").translate(table)


def _comment_kind(match: re.Match[str]) -> str:
    comment = match.group(0)
    if comment.startswith("<!--SR:"):
        return "scheduling comment"
    return "plugin ID comment" if re.match(r"<!--\s*ID:", comment) else "HTML comment"


def clean_field(text: str) -> Cleaned:
    """Strip comments, Logseq image attributes and block references; turn wikilinks and links to
    local pages into plain text, ``<br>`` into a line break and ``<sup>2</sup>`` into ², all
    outside code. Remote links and images (Markdown ``![](…)`` and Obsidian ``![[…]]`` embeds)
    are kept: the media stage resolves them."""
    changes: list[str] = []
    kinds: list[str] = []

    def remove(match: re.Match[str]) -> str:
        kinds.append(_comment_kind(match))
        return ""

    text, n = _sub_outside_code(_COMMENT, remove, text)
    if n:
        for what in ("scheduling comment", "plugin ID comment", "HTML comment"):
            if kinds.count(what):
                changes.append(f"removed {_count(kinds.count(what), what)}")
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    steps: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str], str, str]] = [
        (_IMAGE_ATTRS, lambda m: "", "removed", "image size attribute"),
        (_BLOCK_REF, lambda m: "", "removed", "block reference"),
        (_WIKILINK, _wikilink_text, "unwrapped", "wikilink"),
        (_MD_LINK, _local_link_text, "replaced with its text:", "local link"),
        (_BR, lambda m: "\n", "turned into a line break:", "<br> tag"),
        (_SUP_SUB, _sup_sub, "turned into Unicode:", "<sup>/<sub> tag"),
    ]
    for pattern, repl, verb, noun in steps:
        text, n = _sub_outside_code(pattern, repl, text)
        if n:
            changes.append(f"{verb} {_count(n, noun)}")
    return Cleaned(text, tuple(changes))


# --- cloze --------------------------------------------------------------------------------------

_ANKI_CLOZE = re.compile(r"\{\{c(\d+)::")
# The body never holds "==", so a "==" that cannot close stops the search at once.
_HIGHLIGHT = re.compile(r"(?<!=)==(?=[^\s=])(?P<body>(?:[^=]|=(?!=))+?)(?<=[^\s=])==(?!=)")


def has_cloze(text: str) -> bool:
    """True when ``text`` holds ``{{c1::…}}`` or ``==…==`` cloze markup outside code."""
    if "{{c" not in text and "==" not in text:
        return False  # masking code only hides markup, so there is none to find
    masked = mask_code(text)
    return bool(_ANKI_CLOZE.search(masked) or _HIGHLIGHT.search(masked))


def highlights_to_cloze(text: str) -> tuple[str, int]:
    """Every ``==x==`` outside code becomes ``{{cN::x}}``, numbered in order after any existing
    ``{{cN::`` deletions. Returns the text and how many were converted."""
    masked = mask_code(text)
    numbers = [int(n) for n in _ANKI_CLOZE.findall(masked)]
    next_number = max(numbers, default=0) + 1
    parts: list[str] = []
    pos = 0
    count = 0
    for match in _HIGHLIGHT.finditer(masked):
        start, end = match.span()
        body = text[match.start("body") : match.end("body")]
        parts.append(text[pos:start])
        parts.append(f"{{{{c{next_number}::{body}}}}}")
        next_number += 1
        count += 1
        pos = end
    parts.append(text[pos:])
    return "".join(parts), count


class Collector:
    """The lines of one file being parsed, and the cards and findings made from them so far.

    Each Markdown-family parser subclasses it, so skipping a line and making a card work the same
    way in every one of them.
    """

    def __init__(self, stage: str, text: str, source: str, *, fences: bool = True) -> None:
        self.stage = stage
        """The format's name."""
        self.source = source
        """The file, relative to the source folder."""
        self.lines = text.split("\n")
        """Physical lines, 0-based."""
        self.mask = fence_mask(self.lines) if fences else [False] * len(self.lines)
        """Which lines sit in a fenced code block."""
        self.cards: list[Card] = []
        self.findings: list[Finding] = []
        self.title = ""
        """The lecture title for the cards made next."""
        self.tags: tuple[str, ...] = ()
        """Tags for the cards made next."""

    def where(self, span: tuple[int, int]) -> SourceRef:
        """The source reference for ``lines[span[0]..span[1]]`` (0-based, inclusive)."""
        return SourceRef(self.source, span[0] + 1, span[1] + 1)

    def skip(self, indexes: Iterable[int], reason: str) -> None:
        """Report the non-blank lines among ``indexes`` as skipped: comment-only lines and code
        fences with their own reason, the others with ``reason``."""
        for i in indexes:
            line = self.lines[i]
            if not line.strip():
                continue
            if only_comments(line):
                why = comment_reason(line)
            elif self.mask[i]:
                why = "code block between cards"
            else:
                why = reason
            self.findings.append(skipped(self.stage, self.source, i + 1, line, why))

    def note(self, kind: str, message: str, span: tuple[int, int]) -> None:
        """Add a finding about ``span`` that is not a skipped line (``info``, ``fix``)."""
        self.findings.append(Finding(self.stage, kind, message, self.where(span)))

    def add(
        self,
        span: tuple[int, int],
        front: str,
        back: str,
        *,
        cloze: bool = False,
        tags: tuple[str, ...] | None = None,
    ) -> Card:
        """Make a Markdown card from ``span``: both sides cleaned by :func:`clean_field`, each
        change reported as a ``fix``; with ``cloze``, ``==x==`` in the front becomes ``{{cN::x}}``."""
        where = self.where(span)
        sides: list[str] = []
        for side, raw in (("front", front), ("back", back)):
            cleaned = clean_field(raw)
            text, changes = cleaned.text, list(cleaned.changes)
            if cloze and side == "front":
                text, n = highlights_to_cloze(text)
                if n:
                    changes.append(f"turned {_count(n, '==highlight==')} into cloze deletions")
            if changes:
                message = f"{side}: " + "; ".join(changes)
                self.findings.append(Finding(self.stage, "fix", message, where, raw, text))
            sides.append(text)
        card = Card(
            front=sides[0],
            back=sides[1],
            source=where,
            format=self.stage,
            note_type=NoteType.CLOZE if cloze else NoteType.BASIC,
            markup=Markup.MARKDOWN,
            title=self.title,
            tags=self.tags if tags is None else tags,
        )
        self.cards.append(card)
        return card

    def result(self, title: str) -> ParseResult:
        """Everything collected, as the format's result."""
        return ParseResult(tuple(self.cards), tuple(self.findings), title)
