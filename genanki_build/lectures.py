"""The lectures stage: every card gets a lecture, a subdeck and its tags.

The lecture comes from the file's override in ``deck.toml``, else the export's title, else the file
name. Its title is cleaned ("L8: Customer Engagement Flashcards" → "L8 Customer Engagement") and
gives the subdeck (``Root::L8 Customer Engagement``) and a sortable hierarchical tag
(``lecture::L08``). The input format becomes a tag too (``source::quizlet-page``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath

from genanki_build.model import Card
from genanki_build.stage import Context, StageResult

_FLASHCARDS = re.compile(r"[\s,;:–-]*\bflash\s*cards\s*[,;:.]*\s*$", re.IGNORECASE)
# "L8:", "Lecture 8 -", "1.7Homburg", "1.4 Managing", "Week 3:" at the start of a title.
_NUMBERED = re.compile(
    r"^(?P<word>l(?:ecture)?|week|w|ch(?:apter)?|session|module)?\s*"
    r"(?P<num>\d+(?:\.\d+)*)(?=\s|[:.\-–]|[A-Z]|$)\s*[:.\-–]?\s*",
    re.IGNORECASE,
)
_TAG_UNSAFE = re.compile(r"[^\w.\-]+")


def clean_title(title: str) -> str:
    """A lecture title fit for a deck name: no "Flashcards" suffix, no "::", single spaces."""
    title = _FLASHCARDS.sub("", title).strip()
    match = _NUMBERED.match(title)
    if match:
        word = match.group("word") or ""
        prefix = (word[0].upper() if word.lower() in {"l", "lecture"} else word) + match.group("num")
        rest = title[match.end() :].strip()
        title = f"{prefix} {rest}".strip()
    title = title.replace("::", ":").strip(" ,;:-–")
    return re.sub(r"\s+", " ", title)


def lecture_key(title: str) -> str:
    """A sortable tag key: "L8 …" → "L08", "1.7 …" → "01.07", else a slug of the title."""
    match = _NUMBERED.match(title)
    if match:
        word = match.group("word") or ""
        nums = ".".join(f"{int(n):02d}" for n in match.group("num").split("."))
        letter = word[0].upper() if word.lower() in {"l", "lecture"} else word.capitalize()
        return f"{letter}{nums}"
    slug = _TAG_UNSAFE.sub("_", title).strip("_")
    return slug[:60] or "untitled"


def _title_for(card: Card, context: Context) -> str:
    override = context.config.override(card.source.file).lecture
    if override:
        return override
    if card.title.strip():
        return card.title
    return PurePosixPath(card.source.file).stem.replace("_", " ")


def assign_lectures(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Set ``lecture`` and ``deck`` and add ``lecture::``, ``source::`` and per-file tags."""
    root = context.config.name.replace("::", ":")
    out = []
    for card in cards:
        lecture = card.lecture or clean_title(_title_for(card, context)) or "Untitled"
        tags = {
            *card.tags,
            f"lecture::{lecture_key(lecture)}",
            f"source::{card.format}",
            *context.config.override(card.source.file).tags,
        }
        out.append(replace(card, lecture=lecture, deck=f"{root}::{lecture}", tags=tuple(sorted(tags))))
    return StageResult(tuple(out))
