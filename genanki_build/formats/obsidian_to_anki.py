"""Notes written for the Obsidian_to_Anki plugin::

    TARGET_DECK: Biology::Cells

    START
    Basic
    What does the nucleus hold?
    Back: The cell's DNA.
    Tags: cells
    <!--ID: 1684493060915-->
    END

``START``/``END`` may also be spelled ``START_CARD``/``END_CARD`` or ``START_NOTE``/``END_NOTE``.
The line after ``START`` names the note type: a type whose name holds ``Cloze`` makes a Cloze card
(its ``Extra:`` or ``Back Extra:`` field is the extra text); any other type makes a Basic card from
its first field and its ``Back:`` field. ``Tags:`` lines tag the card; the plugin's ``<!--ID: …-->``
lines are stripped. ``TARGET_DECK`` names the lecture (a deck path's ``::`` parts become levels of subdeck);
``FILE TAGS`` tags every card. One-line notes ``STARTI [Basic] question Back: answer ENDI`` are read
too. Dividers and text between blocks are reported as skipped.
"""

from __future__ import annotations

import re

from genanki_build.formats import _markdown_common as md
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import ParseResult

NAME = "obsidian-to-anki"
_START = re.compile(r"^\s*START(?:_CARD|_NOTE)?\s*$")
_END = re.compile(r"^\s*END(?:_CARD|_NOTE)?\s*$")
_TARGET = re.compile(r"^\s*TARGET[ _]DECK\s*:?\s*(?P<deck>.*)$")
_FILE_TAGS = re.compile(r"^\s*FILE[ _]TAGS\s*:?\s*(?P<tags>.*)$")
_FIELD = re.compile(r"^(?P<name>Back|Extra|Back Extra|Tags)\s*:\s?(?P<rest>.*)$", re.IGNORECASE)
_INLINE = re.compile(r"^\s*STARTI\s*\[(?P<type>[^\]]+)\]\s*(?P<body>.*?)\s*ENDI\s*$")
_INLINE_BACK = re.compile(r"\s(?:Back|Extra|Back Extra):\s*", re.IGNORECASE)
_DIVIDER = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")


def detect(text: str) -> float:
    """High when the text holds ``START`` … ``END`` blocks with a note-type line."""
    lines = text.split("\n")
    starts = [i for i, ln in enumerate(lines) if _START.match(ln)]
    ends = sum(1 for ln in lines if _END.match(ln))
    inline = sum(1 for ln in lines if _INLINE.match(ln))
    if inline and not starts:
        return 0.9
    if not starts or ends < len(starts) * 0.8:
        return 0.0
    typed = sum(1 for i in starts if _next_text(lines, i + 1))
    backs = sum(1 for ln in lines if re.match(r"^\s*(?:Back|Extra|Back Extra)\s*:", ln, re.IGNORECASE))
    if backs >= len(starts) * 0.5 or any(_TARGET.match(ln) for ln in lines):
        return 0.95 if typed == len(starts) else 0.8
    return 0.5


def _next_text(lines: list[str], start: int) -> str:
    """The first non-blank line from ``start`` on, stripped; empty when there is none."""
    return next((lines[j].strip() for j in range(start, len(lines)) if lines[j].strip()), "")


def _field_text(lines: list[str]) -> str:
    return md.joined(lines, range(len(lines)))


def _deck_title(deck: str) -> str:
    return "::".join(part.strip() for part in deck.split("::") if part.strip())


class _Parser(md.Collector):
    def __init__(self, text: str, source: str) -> None:
        super().__init__(NAME, text, source, fences=False)

    def run(self) -> ParseResult:
        lines = self.lines
        fm = md.front_matter(lines)
        self.skip(range(fm.size), "front matter (note properties)")
        i = fm.size
        while i < len(lines):
            line = lines[i]
            if _START.match(line):
                end = next((j for j in range(i + 1, len(lines)) if _END.match(lines[j])), None)
                if end is None:
                    self.skip(range(i, len(lines)), "START without END: block not closed")
                    break
                self._note(i, end)
                i = end + 1
                continue
            if (inline := _INLINE.match(line)) is not None:
                front, _, back = _INLINE_BACK.sub("\x1f", " " + inline.group("body"), count=1).partition(
                    "\x1f"
                )
                self._card((i, i), inline.group("type").strip(), front.strip(), back.strip(), ())
                i += 1
                continue
            if (target := _TARGET.match(line)) is not None:
                deck = target.group("deck").strip()
                taken = [i]
                if not deck and i + 1 < len(lines):
                    deck, taken = lines[i + 1].strip(), [i, i + 1]
                self.title = _deck_title(deck)
                self.skip(taken, "target deck (lecture title)")
                i = taken[-1] + 1
                continue
            if (tags := _FILE_TAGS.match(line)) is not None:
                value = tags.group("tags").strip()
                taken = [i]
                if not value and i + 1 < len(lines):
                    value, taken = lines[i + 1].strip(), [i, i + 1]
                self.tags = md.as_tags(value)
                self.skip(taken, "file tags")
                i = taken[-1] + 1
                continue
            if line.strip():
                self.skip([i], "divider" if _DIVIDER.match(line) else "text outside START/END blocks")
            i += 1
        return self.result(self.title)

    def _note(self, start: int, end: int) -> None:
        """One ``START`` … ``END`` block, ``lines[start]`` and ``lines[end]`` being the markers."""
        lines = self.lines
        inner = [j for j in range(start + 1, end)]
        typed = next((j for j in inner if lines[j].strip()), None)
        if typed is None:
            self.skip([start, end], "empty START/END block")
            return
        note_type = lines[typed].strip()
        fields: dict[str, list[str]] = {"front": []}
        current = "front"
        tags: list[str] = []
        for j in inner:
            if j <= typed:
                continue
            match = _FIELD.match(lines[j])
            if match and match.group("name").lower() == "tags":
                tags.extend(md.as_tags(match.group("rest")))
            elif match:
                current = match.group("name").lower()
                fields[current] = [match.group("rest")]
            else:
                fields[current].append(lines[j])
        back_key = next((k for k in ("back", "extra", "back extra") if k in fields), "")
        back = _field_text(fields[back_key]) if back_key else ""
        self._card((start, end), note_type, _field_text(fields["front"]), back, tuple(tags))

    def _card(
        self, span: tuple[int, int], note_type: str, front: str, back: str, tags: tuple[str, ...]
    ) -> None:
        cloze = "cloze" in note_type.lower()
        if not md.strip_comments(front).strip() or (not cloze and not md.strip_comments(back).strip()):
            self.skip(range(span[0], span[1] + 1), f"{note_type} note without a question or an answer")
            return
        if not cloze and note_type.lower() != "basic":
            self.note("info", f"note type '{note_type}' made as a Basic card from its first two fields", span)
        self.add(span, front, back, cloze=cloze, tags=tuple(sorted({*self.tags, *tags})))


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """One card per ``START``/``END`` block; everything outside blocks reported."""
    return _Parser(text, source).run()


FORMAT = Format(
    NAME,
    "Obsidian_to_Anki plugin notes: START / note type / Back: / END blocks.",
    detect,
    parse,
    ceiling=0.95,
)
