"""The ids stage: every note gets a GUID and a modification time.

A GUID given by the source (an Anki export's guid column) always wins. Otherwise a GUID is derived
once, from the collection's namespace and the card's *raw* parsed text (``Card.identity``), so
a later typo fix or clean-up never changes it.
"""

from __future__ import annotations

from dataclasses import replace

import genanki

from genanki_build.model import Card
from genanki_build.stage import Context, StageResult


def derive_guid(namespace: str, identity: str, salt: int = 0) -> str:
    """A GUID from the namespace and a card's identity text (``salt`` separates collisions)."""
    return str(genanki.guid_for(namespace, identity, salt) if salt else genanki.guid_for(namespace, identity))


def assign_ids(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Keep given GUIDs, derive the others; GUIDs are unique within the build."""
    namespace = context.config.id_namespace
    taken = {card.guid for card in cards if card.guid_given}
    out = []
    for card in cards:
        if card.guid_given and card.guid:
            out.append(replace(card, mtime=card.mtime or context.build_time))
            continue
        identity = card.identity or f"{card.front}\x1f{card.back}"
        salt = 0
        guid = derive_guid(namespace, identity)
        while guid in taken:
            salt += 1
            guid = derive_guid(namespace, identity, salt)
        taken.add(guid)
        out.append(replace(card, guid=guid, mtime=card.mtime or context.build_time))
    return StageResult(tuple(out))
