"""Built cards as data: ``cards.jsonl`` (one JSON object per note)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from genanki_build.model import Card, NoteType
from genanki_build.notetypes import FIELDS


def card_record(card: Card) -> dict[str, object]:
    """One note as the ``cards.jsonl`` object: guid, note_type, deck, fields, tags, source, status."""
    names = FIELDS[card.note_type.value]
    reverse = "y" if "reverse" in card.flags else ""
    values = [card.front, card.back] if card.note_type is NoteType.CLOZE else [card.front, card.back, reverse]
    return {
        "guid": card.guid,
        "note_type": card.note_type.value,
        "deck": card.deck,
        "fields": dict(zip(names, values, strict=True)),
        "tags": list(card.tags),
        "source": {"file": card.source.file, "lines": [card.source.first, card.source.last]},
        "also_from": [{"file": s.file, "lines": [s.first, s.last]} for s in card.also_from],
        "status": card.status,
    }


def to_jsonl(cards: Iterable[Card]) -> str:
    """Every card as one JSON line, in order."""
    return "".join(json.dumps(card_record(c), ensure_ascii=False, sort_keys=True) + "\n" for c in cards)
