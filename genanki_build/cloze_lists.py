"""The lists the cloze stage makes deletions of: an answer split into items, with its labels, bullets
and separators kept apart from the items, and the cloze text that puts one deletion round each item.

:func:`split_list` reads a marked list (bullet lines, numbered or lettered lines, an inline "a. … b. …"
list), taking one trailing unmarked line as the last item of a bullet list when it is short;
:func:`loose_list` reads a comma list or unmarked lines, which the stage trusts only when the
question's count matches. Which answers become cloze notes is decided in :mod:`genanki_build.cloze`
(rule 5, and the numbered items of a completion, rule 3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The most words a list item may have by default (:attr:`~genanki_build.cloze.ClozeRules.item_max_words`).
ITEM_MAX_WORDS = 12

#: A bullet line ("- X", "• X"); the label is the bullet with its space.
BULLET = re.compile(r"^(?P<label>[-*]\s+|[•·▪◦‣●]\s*)(?P<item>\S.*)$")
_NUMBERED = re.compile(r"^(?P<label>\(?(?P<n>\d{1,2})[.)]\s+)(?P<item>\S.*)$")
_LETTERED = re.compile(r"^(?P<label>\(?(?P<n>[a-zA-Z])[.)]\s+)(?P<item>\S.*)$")
_INLINE_LETTER = re.compile(r"(?:(?<=\s)|^)\(?(?P<n>[a-z])[.)]\s+")
_INLINE_NUMBER = re.compile(r"(?:(?<=\s)|^)\((?P<n>\d{1,2})\)\s*|(?:(?<=\s)|^)(?P<m>\d{1,2})[.)]\s+")
_ITEM_TAIL = re.compile(r"[\s,;.]*(?:\b(?:and|or)\s*)?$")
_COMMA_SPLIT = re.compile(r"\s*[,;]\s*(?:(?:and|or)\s+)?|\s+(?:and|or|&)\s+")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of cloze text: an item (one deletion) or what stands between items."""

    text: str
    item: bool = False


@dataclass(frozen=True, slots=True)
class ItemList:
    """A list read from an answer: the lines before it, its pieces, and the lines after it."""

    intro: list[str]
    pieces: list[Piece]
    outro: list[str]
    marked: bool
    """True when the items carry bullets or labels (not a bare comma list or plain lines)."""
    note: str = ""


def words_of(text: str) -> list[str]:
    """The words of ``text``: letters and digits, joined by inner hyphens and apostrophes."""
    return _WORD.findall(text)


def item_pieces(text: str) -> list[Piece]:
    """An item with trailing separators and punctuation kept outside its deletion."""
    tail = _ITEM_TAIL.search(text)
    cut = tail.start() if tail else len(text)
    pieces = [Piece(text[:cut], item=True)]
    if text[cut:]:
        pieces.append(Piece(text[cut:]))
    return pieces


def cloze_text(pieces: list[Piece]) -> str:
    """The pieces joined, each item in a deletion of its own ({{c1::…}}, {{c2::…}} …)."""
    out: list[str] = []
    n = 0
    for piece in pieces:
        if piece.item:
            n += 1
            out.append(f"{{{{c{n}::{piece.text}}}}}")
        else:
            out.append(piece.text)
    return "".join(out)


def item_texts(pieces: list[Piece]) -> list[str]:
    """The texts of the items among ``pieces``."""
    return [p.text for p in pieces if p.item]


def _sequential(labels: list[str], first: str) -> bool:
    """True when ``labels`` run first, first+1, … (a, b, c or 1, 2, 3)."""
    if not labels:
        return False
    if first.isdigit():
        return [int(x) for x in labels] == list(range(int(first), int(first) + len(labels)))
    start = ord(first.lower())
    return [ord(x.lower()) for x in labels] == list(range(start, start + len(labels)))


def _inline(line: str, pattern: re.Pattern[str], first: str) -> list[Piece] | None:
    """Split one line at sequential inline labels ("a. X b. Y", "(1) X, (2) Y")."""
    matches = list(pattern.finditer(line))
    labels = [m.group("n") or m.groupdict().get("m") or "" for m in matches]
    if len(matches) < 2 or not _sequential(labels, first):
        return None
    pieces = [Piece(line[: matches[0].end()])]
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        chunk = line[m.end() : end]
        if not chunk.strip():
            return None
        if i:
            pieces.append(Piece(line[m.start() : m.end()]))
        pieces.extend(item_pieces(chunk))
    return pieces


def inline_numbered(line: str) -> list[Piece] | None:
    """Split one line at inline numbers "(1) X, (2) Y" or "1. X 2. Y"; None when it has none."""
    return _inline(line, _INLINE_NUMBER, "1")


def _inline_list(line: str) -> list[Piece] | None:
    return _inline(line, _INLINE_LETTER, "a") or inline_numbered(line)


def _marker(line: str) -> str:
    """The kind of marker ``line`` (stripped) starts with: ``bullet``, ``number``, ``letter`` or ``""``."""
    if BULLET.match(line):
        return "bullet"
    if _NUMBERED.match(line):
        return "number"
    return "letter" if _LETTERED.match(line) else ""


def _marked_run(lines: list[str]) -> tuple[int, int, str] | None:
    """The first run of two or more lines with the same kind of marker: (start, end, kind)."""
    kinds = list(map(_marker, lines))
    i = 0
    while i < len(lines):
        kind = kinds[i]
        j = i
        while j < len(lines) and kinds[j] == kind:
            j += 1
        if kind and j - i >= 2:
            if kind == "bullet":
                return i, j, kind
            pattern = _NUMBERED if kind == "number" else _LETTERED
            labels = [m.group("n") for m in (pattern.match(ln) for ln in lines[i:j]) if m]
            if _sequential(labels, labels[0]) and labels[0] in {"1", "a", "A"}:
                return i, j, kind
        i = max(j, i + 1)
    return None


#: How much deeper than the shallowest item a marked line must start to be a sub-item: more than
#: a right-aligned number's padding (" 9." above "10.").
SUB_ITEM_INDENT = 2


def _nested(lines: list[str]) -> bool:
    """True when a marked line (bullet, number, letter) is indented deeper than another: a sub-item."""
    indents = [len(ln.expandtabs(4)) - len(ln.expandtabs(4).lstrip()) for ln in lines if _marker(ln.strip())]
    return bool(indents) and max(indents) - min(indents) >= SUB_ITEM_INDENT


def split_list(answer: str, item_max_words: int = ITEM_MAX_WORDS) -> ItemList | None:
    """The list an answer holds, with its labels kept apart from the items; None when it holds none.

    One unmarked line after a bullet list is its last item (given the list's bullet) when it has at
    most ``item_max_words`` words and at most twice the longest item's plus two."""
    raw = [ln for ln in answer.split("\n") if ln.strip()]
    if _nested(raw):
        return None  # a list with sub-items is an outline, not items to delete one by one
    lines = [ln.strip() for ln in raw]
    run = _marked_run(lines)
    if run is None:
        inline = _inline_list(lines[0]) if len(lines) == 1 else None
        return ItemList([], inline, [], marked=True) if inline else None
    start, end, kind = run
    pattern = {"bullet": BULLET, "number": _NUMBERED, "letter": _LETTERED}[kind]
    pieces: list[Piece] = []
    label = ""
    for k, line in enumerate(lines[start:end]):
        m = pattern.match(line)
        assert m is not None
        label = m.group("label")
        if k:
            pieces.append(Piece("\n"))
        pieces.append(Piece(label))
        pieces.extend(item_pieces(m.group("item")))
    outro = lines[end:]
    note = ""
    if kind == "bullet" and len(outro) == 1:
        longest = max(len(words_of(t)) for t in item_texts(pieces))
        size = len(words_of(outro[0]))
        if size <= item_max_words and size <= 2 * longest + 2:
            bullet = label if label.endswith(" ") else label + " "
            pieces += [Piece("\n"), Piece(bullet), *item_pieces(outro[0])]
            note = f"; its last line was taken as a list item and given the bullet {bullet.strip()!r}"
            outro = []
    return ItemList(lines[:start], pieces, outro, marked=True, note=note)


def loose_list(answer: str) -> ItemList | None:
    """A comma list on one line, or short unmarked lines: trusted only when the count matches."""
    lines = [ln.strip() for ln in answer.split("\n") if ln.strip()]
    if len(lines) >= 2:
        pieces: list[Piece] = []
        for k, line in enumerate(lines):
            if k:
                pieces.append(Piece("\n"))
            pieces.extend(item_pieces(line))
        return ItemList([], pieces, [], marked=False)
    if len(lines) == 1:
        parts = _COMMA_SPLIT.split(lines[0])
        seps = _COMMA_SPLIT.findall(lines[0])
        if len(parts) < 2 or any(not p.strip() for p in parts):
            return None
        split: list[Piece] = []
        for k, part in enumerate(parts):
            split.extend(item_pieces(part))
            if k < len(seps):
                split.append(Piece(seps[k]))
        return ItemList([], split, [], marked=False)
    return None
