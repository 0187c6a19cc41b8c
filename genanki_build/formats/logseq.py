"""A Logseq page: an outline of ``- `` blocks, where a block tagged ``#card`` is a flashcard.

The block's text without the tag is the question; its child blocks, nested as a Markdown list,
are the answer (a single child without children is the answer's plain text). ``{{cloze x}}`` in a
``#card`` block makes a Cloze card. Blocks without ``#card`` are not cards, however much they look
like questions: they and their children are reported as skipped, and so are empty bullets.
Block properties (``key:: value`` lines, such as the review plugin's ``card-next-schedule::``) and
image size attributes (``{:height 323, :width 602}``) are stripped. ``title::`` in the page's
leading properties names the lecture.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from genanki_build.formats import _markdown_common as md
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import Finding, ParseResult

NAME = "logseq"
_CARD_TAG = re.compile(r"(?<![\w#])#(?:card|\[\[card\]\])(?![\w/-])", re.IGNORECASE)
_BULLET = re.compile(r"^(?P<indent>[\t ]*)-(?:[ \t]+(?P<text>.*))?$")
_PROPERTY = re.compile(r"^[\t ]*(?:-[ \t]+)?(?P<key>[\w-]+)::(?:[ \t]+(?P<value>.*))?$")
_LOGSEQ_CLOZE = re.compile(r"\{\{cloze\s+(?P<body>.*?)\}\}", re.DOTALL)
#: Text that makes a bullet empty: nothing, or only more bullet dashes.
_EMPTY = re.compile(r"^[\s-]*$")


@dataclass(slots=True)
class _Block:
    """One outline block: its bullet line, its continuation lines and its children."""

    first: int
    """Index of the bullet line."""
    depth: int
    """Indentation, in tab stops."""
    text: list[str]
    """The bullet's text and its continuation lines (properties removed)."""
    lines: list[int]
    """Indexes of the bullet line and its continuation lines."""
    indent: str = ""
    """The whitespace before the bullet."""
    properties: list[int] = field(default_factory=list)
    """Indexes of its property lines."""
    children: list[_Block] = field(default_factory=list)
    """Child blocks, in order."""

    @property
    def last(self) -> int:
        """Index of the block's last line, children included."""
        own = max(self.lines + self.properties)
        return max([own, *(child.last for child in self.children)])

    def all_lines(self) -> list[int]:
        """Indexes of every line of the block and its descendants."""
        out = sorted(self.lines + self.properties)
        for child in self.children:
            out.extend(child.all_lines())
        return out


def _depth(indent: str) -> int:
    return indent.count("\t") + len(indent.replace("\t", "")) // 2


def detect(text: str) -> float:
    """High when the text is an outline of ``- `` blocks and some carry ``#card``."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return 0.0
    bullets = [ln for ln in lines if _BULLET.match(ln)]
    tagged = sum(1 for ln in bullets if _CARD_TAG.search(ln))
    if not tagged:
        return 0.0
    outline = len(bullets) + sum(1 for ln in lines if _PROPERTY.match(ln) and not _BULLET.match(ln))
    share = outline / len(lines)
    return round(0.55 + 0.4 * share, 3) if share >= 0.6 else 0.3


def _outline(lines: Sequence[str], start: int) -> tuple[list[_Block], list[int]]:
    """The top-level blocks from ``start`` on, and indexes of lines that belong to no block."""
    roots: list[_Block] = []
    stack: list[_Block] = []
    loose: list[int] = []
    for i in range(start, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        bullet = _BULLET.match(line)
        if bullet:
            indent = bullet.group("indent")
            block = _Block(i, _depth(indent), [bullet.group("text") or ""], [i], indent)
            while stack and stack[-1].depth >= block.depth:
                stack.pop()
            (stack[-1].children if stack else roots).append(block)
            stack.append(block)
        elif stack:
            if _PROPERTY.match(line):
                stack[-1].properties.append(i)
            else:
                # Continuation lines sit two spaces past their bullet; keep any further indent
                # (code in a fence).
                prefix = stack[-1].indent + "  "
                rest = line[len(prefix) :] if line.startswith(prefix) else line.lstrip()
                stack[-1].text.append(rest.rstrip())
                stack[-1].lines.append(i)
        else:
            loose.append(i)
    return roots, loose


def _clean_text(text: str) -> str:
    return _CARD_TAG.sub("", text).strip()


def _as_list(blocks: Sequence[_Block], depth: int = 0) -> list[str]:
    out: list[str] = []
    for block in blocks:
        text = "\n".join(block.text).strip()
        if _EMPTY.match(text) and not block.children:
            continue
        pad = "  " * depth
        body = text.replace("\n", "\n" + pad + "  ")
        out.append(f"{pad}- {body}" if not _EMPTY.match(text) else f"{pad}-")
        out.extend(_as_list(block.children, depth + 1))
    return out


def _answer(children: Sequence[_Block]) -> str:
    kept = [c for c in children if not (_EMPTY.match("\n".join(c.text)) and not c.children)]
    if len(kept) == 1 and not kept[0].children:
        return "\n".join(kept[0].text).strip()
    return "\n".join(_as_list(kept))


class _Parser(md.Collector):
    def __init__(self, text: str, source: str) -> None:
        super().__init__(NAME, text, source, fences=False)

    def run(self) -> ParseResult:
        lines = self.lines
        start = 0
        # A page's leading properties ("title:: …") come before its first bullet.
        while start < len(lines) and (not lines[start].strip() or _PROPERTY.match(lines[start])):
            prop = _PROPERTY.match(lines[start])
            if prop and prop.group("key").lower() == "title":
                self.title = (prop.group("value") or "").strip()
            if prop:
                self.skip([start], "page property")
            start += 1
        roots, loose = _outline(lines, start)
        self.skip(loose, "text outside the outline")
        for block in roots:
            self._visit(block)
        return self.result(self.title)

    def _visit(self, block: _Block) -> None:
        text = "\n".join(block.text)
        if _CARD_TAG.search(text):
            self._card(block)
            return
        reason = "empty bullet" if _EMPTY.match(text) else "bullet without #card"
        self.skip(block.lines, reason)
        self.skip(block.properties, "block property")
        for child in block.children:
            self._visit(child)

    def _card(self, block: _Block) -> None:
        front = _clean_text("\n".join(block.text))
        back = _answer(block.children)
        span = (block.first, block.last)
        cloze = bool(_LOGSEQ_CLOZE.search(front))
        if cloze:
            front = _LOGSEQ_CLOZE.sub(lambda m: "==" + m.group("body").strip() + "==", front)
        if not front or (not back and not cloze):
            self.skip(block.all_lines(), "#card block without a question or an answer")
            return
        card = self.add(span, front, back, cloze=cloze)
        if block.properties:
            removed = "\n".join(self.lines[i] for i in sorted(block.properties))
            n = len(block.properties)
            msg = f"removed {n} block propert{'y' if n == 1 else 'ies'}"
            self.findings.append(Finding(NAME, "fix", msg, card.source, removed, ""))
        # A #card block nested in the answer is a card of its own as well.
        for child in block.children:
            self._nested(child)

    def _nested(self, block: _Block) -> None:
        if _CARD_TAG.search("\n".join(block.text)):
            self._card(block)
            return
        for child in block.children:
            self._nested(child)


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """One card per ``#card`` block; every other bullet reported."""
    return _Parser(text, source).run()


FORMAT = Format(
    NAME, "Logseq pages: outline blocks tagged #card, children as the answer.", detect, parse, ceiling=0.95
)
