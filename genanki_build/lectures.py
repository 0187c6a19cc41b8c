"""The lectures stage: every card gets a lecture, a subdeck and its tags.

Where the lecture comes from, first that applies:

1. the file's ``lecture = "…"`` in ``deck.toml`` (a maintainer's explicit choice wins);
2. the export's own title ("L3: Cell Biology Flashcards", "2.1 Pricing …", or an Anki
   export's deck column, "Biology::L4 …");
3. the file name (``week3_pricing.txt`` → "week3 pricing");
4. the collection's name from ``deck.toml``.

The title is cleaned ("L3: Cell Biology Flashcards" → "L3 Cell Biology",
"2.3Smith, …" → "2.3 Smith, …") and gives the subdeck (``Root::L3 Cell Biology``) and a
sortable hierarchical tag (``lecture::L03``, ``lecture::02.03``). A title with ``::`` keeps its
hierarchy: a first part naming the collection itself is dropped, every other part is cleaned and
becomes a level of subdeck and tag. The input format becomes a tag too (``source::quizlet-page``),
and the file's ``tags = […]`` from ``deck.toml`` are added.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from genanki_build.model import Card, evolve
from genanki_build.stage import Context, StageResult

#: Words a site appends to a set's title ("… Flashcards", "… | Quizlet"); removed from the end.
_SUFFIX = re.compile(
    r"[\s,;:|–-]*\b(?:flash\s*cards?|quizlet|brainscape)\b(?:\s*[|–-]\s*(?:quizlet|brainscape))?"
    r"\s*[,;:.]*\s*$",
    re.IGNORECASE,
)
# "L3:", "Lecture 3 -", "2.3Smith", "2.1 Pricing", "Week 3:" at the start of a title.
_NUMBERED = re.compile(
    r"^(?P<word>l(?:ecture)?|week|w|ch(?:apter)?|session|module)?\s*"
    r"(?P<num>\d+(?:\.\d+)*)(?=\s|[:.\-–]|[A-Z]|$)\s*[:.\-–]?\s*",
    re.IGNORECASE,
)
_TAG_UNSAFE = re.compile(r"[^\w.\-]+")


def _is_lecture_word(word: str) -> bool:
    return word.lower() in {"l", "lecture"}


def clean_title(title: str) -> str:
    """A lecture title fit for a deck name: no "Flashcards" suffix, no "::", single spaces."""
    title = re.sub(r"\s+", " ", title).strip()
    title = _SUFFIX.sub("", title).strip()
    match = _NUMBERED.match(title)
    if match:
        word = match.group("word") or ""
        num = match.group("num")
        prefix = f"L{num}" if _is_lecture_word(word) else f"{word} {num}".strip()
        rest = title[match.end() :].strip()
        title = f"{prefix} {rest}".strip()
    title = title.replace("::", ":").strip(" ,;:-–")
    return re.sub(r"\s+", " ", title)


def lecture_key(title: str) -> str:
    """A sortable tag key: "L8 …" → "L08", "1.7 …" → "01.07", "Week 3 …" → "Week03", else a slug."""
    match = _NUMBERED.match(title)
    if match:
        word = match.group("word") or ""
        nums = ".".join(f"{int(n):02d}" for n in match.group("num").split("."))
        letter = "L" if _is_lecture_word(word) else word.capitalize()
        return f"{letter}{nums}"
    slug = _TAG_UNSAFE.sub("_", title).strip("_")
    return slug[:60] or "untitled"


def lecture_parts(title: str, root: str) -> list[str]:
    """The cleaned levels of a title: "Root::L4: CRM Flashcards" → ["L4 CRM"] under root "Root"."""
    parts = [p for p in (clean_title(p) for p in title.split("::")) if p]
    if len(parts) > 1 and parts[0].casefold() == root.casefold():
        parts = parts[1:]
    return parts


def _title_for(card: Card, context: Context) -> str:
    override = context.config.override(card.source.file).lecture
    if override:
        return override
    if card.title.strip():
        return card.title
    stem = PurePosixPath(card.source.file).stem.replace("_", " ")
    return stem if clean_title(stem) else context.config.name


def assign_lectures(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Set ``lecture`` and ``deck`` and add ``lecture::``, ``source::`` and per-file tags."""
    root = context.config.name.replace("::", ":")
    out = []
    # Cards of one file share their lecture: work it out once per (lecture, title, file).
    # The lecture, the deck and the lecture and per-file tags.
    placed: dict[tuple[str, str, str], tuple[str, str, tuple[str, ...]]] = {}
    for card in cards:
        key = (card.lecture, card.title, card.source.file)
        known = placed.get(key)
        if known is None:
            if card.lecture:
                parts = lecture_parts(card.lecture, root)
            else:
                parts = lecture_parts(_title_for(card, context), root)
            parts = parts or [clean_title(root) or "Untitled"]
            lecture_tag = "lecture::" + "::".join(lecture_key(p) for p in parts)
            file_tags = (lecture_tag, *context.config.override(card.source.file).tags)
            known = placed[key] = ("::".join(parts), "::".join([root, *parts]), file_tags)
        lecture, deck, file_tags = known
        tags = {*card.tags, *file_tags, f"source::{card.format}"}
        out.append(evolve(card, lecture=lecture, deck=deck, tags=tuple(sorted(tags))))
    return StageResult(tuple(out))
