"""The ledger, ``cards.lock``: what every note was at the last build, kept beside the sources.

Anki matches an imported note to a student's copy by GUID alone, and replaces the copy only when the
imported note's modification time is newer. The ledger keeps both right across rebuilds:

- per note: its GUID, a fingerprint of what was written, the time that content last changed, where
  it came from, and its front and back as plain text (so the ids stage can recognise an edited card);
- per note type: its fingerprint, the time it last changed, and its field names (a field change would
  fork the note type in every student's collection, so it is refused unless asked for).

Here are :func:`update`, which stamps each note's modification time and computes the next ledger,
and the fingerprints and plain text it compares; everything here is pure. The file itself (its
JSON layout, :func:`read`, :func:`loads`, :func:`dumps`, :class:`Ledger`) is in
:mod:`genanki_build.ledger_file`, and its names are importable from here too.
"""

from __future__ import annotations

import html
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from hashlib import sha256
from types import MappingProxyType

from genanki_build.errors import BuildError
from genanki_build.ledger_file import (
    LEDGER_NAME,
    VERSION,
    Ledger,
    NoteTypeEntry,
    dumps,
    loads,
    make_entry,
    read,
    sort_key,
)
from genanki_build.model import Card, Finding, NoteType, evolve
from genanki_build.notetypes import NoteTypeSpec
from genanki_build.stage import LedgerEntry

__all__ = [
    "LEDGER_NAME",
    "VERSION",
    "Ledger",
    "NoteTypeEntry",
    "Stamped",
    "collapse_space",
    "dumps",
    "fingerprint",
    "loads",
    "plain_text",
    "read",
    "update",
]

_BLOCK_TAG = re.compile(
    r"</?(?:br|p|div|li|ul|ol|tr|td|th|h[1-6]|hr|blockquote|pre|table|thead|tbody)\b[^>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Stamped:
    """What :func:`update` returns."""

    cards: tuple[Card, ...]
    """The cards, each with its modification time."""
    ledger: Ledger
    """The ledger to write when the build succeeds."""
    notetype_mtimes: MappingProxyType[str, int]
    """Modification time per note-type key, for the package."""
    findings: tuple[Finding, ...] = ()
    """What changed since the last build, for the report."""


def collapse_space(text: str) -> str:
    """``" ".join(text.split())``: each run of white space one space, none at either end.

    Most fields have nothing to collapse, and get ``text`` itself back without being split into
    words: the only white space a printable string can hold is the plain space, so one with no two
    spaces together and none at either end is already collapsed.
    """
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def plain_text(markup: str) -> str:
    """A field's text for comparing: tags dropped (block tags leave a space), entities decoded,
    white space collapsed."""
    if "<" not in markup and "&" not in markup:
        # No tag and no entity: only the white space to collapse (split() and \s agree on it).
        return collapse_space(markup)
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", markup)))).strip()


@lru_cache(maxsize=4096)
def _around(
    note_type: NoteType, reverse: bool, reversed_card: bool, tags: tuple[str, ...]
) -> tuple[str, str]:
    """A note type's name, and what a fingerprint hashes after a note's back (a build has few kinds)."""
    # Over-approximates the "Add Reverse" field, which the flag alone sets: toggling either marks the
    # note changed. A flagged card writes "1" first, as it did when only ``reverse`` wrote the field.
    flag = f"{int(reverse or reversed_card)}{int(reversed_card)}" if note_type is NoteType.BASIC else ""
    return note_type.value, f"\x1f{flag}\x1f{' '.join(sorted(tags))}"


def fingerprint(card: Card, *, reverse: bool = False) -> str:
    """A hash of everything a note update carries into a student's collection: its note type,
    front, back, tags and reverse setting, joined by ``\\x1f``."""
    name, tail = _around(card.note_type, reverse, "reverse" in card.flags, card.tags)
    return sha256(f"{name}\x1f{card.front}\x1f{card.back}{tail}".encode()).hexdigest()[:20]


_GUID: Callable[[LedgerEntry], str] = operator.attrgetter("guid")


def _note_types(
    specs: Mapping[str, NoteTypeSpec],
    previous: Ledger,
    build_time: int,
    allow_field_change: bool,
) -> tuple[dict[str, NoteTypeEntry], list[Finding]]:
    entries: dict[str, NoteTypeEntry] = {}
    findings: list[Finding] = []
    refused: list[str] = []
    for key, spec in sorted(specs.items()):
        old = previous.note_types.get(key)
        if old is None:
            entries[key] = NoteTypeEntry(key, spec.fingerprint, build_time, spec.fields)
            continue
        if old.fields != spec.fields:
            change = f"{spec.name}: fields {list(old.fields)} -> {list(spec.fields)}"
            if not allow_field_change:
                refused.append(change)
            else:
                findings.append(
                    Finding(
                        "ledger",
                        "warning",
                        f"{change} (allowed by --allow-field-change). Students who import this "
                        f"release get a second note type, '{spec.name}+', for the new notes only; "
                        "Anki skips every note they already have (it reports them as conflicting), "
                        "so those keep their old text and receive no edit from now on",
                    )
                )
        if old.fingerprint == spec.fingerprint and old.fields == spec.fields:
            entries[key] = old
        else:
            # Strictly newer than the students' copy, or Anki keeps the old templates and CSS.
            entries[key] = NoteTypeEntry(key, spec.fingerprint, max(build_time, old.mtime + 1), spec.fields)
            if old.fields == spec.fields:
                findings.append(
                    Finding("ledger", "info", f"{spec.name}: templates or styling changed; updated in place")
                )
    if refused:
        raise BuildError(
            "refusing to change note-type fields: "
            + "; ".join(refused)
            + ". Students' collections would fork the note type, and their existing notes would stop "
            "receiving updates. Keep the fields as they were, or rebuild with --allow-field-change "
            "if you accept that"
        )
    return entries, findings


def update(
    cards: Iterable[Card],
    previous: Ledger,
    specs: Mapping[str, NoteTypeSpec],
    *,
    build_time: int,
    reverse: bool = False,
    allow_field_change: bool = False,
    excluded: Iterable[Card] = (),
) -> Stamped:
    """Stamp each card's modification time and compute the ledger to write after this build.

    An unchanged note (same fingerprint as in ``previous``) keeps its old time, so Anki's "update if
    newer" leaves students' copies alone; a changed or new note gets ``build_time`` (and never a time
    at or before its last one). Raises :class:`BuildError` when a note type's fields changed and
    ``allow_field_change`` is false.
    """
    note_types, findings = _note_types(specs, previous, build_time, allow_field_change)
    old = dict(zip(map(_GUID, previous.cards), previous.cards, strict=True))
    stamped: list[Card] = []
    entries: list[LedgerEntry] = []
    recorded: set[str] = set()
    for card in cards:
        # fingerprint(card, reverse=reverse), written out: this loop runs once per note.
        note_type, tail = _around(card.note_type, reverse, "reverse" in card.flags, card.tags)
        fp = sha256(f"{note_type}\x1f{card.front}\x1f{card.back}{tail}".encode()).hexdigest()[:20]
        guid = card.guid
        before = old.get(guid)
        if before is None:
            mtime = card.mtime or build_time
        elif before.fingerprint == fp:
            mtime = before.mtime
        else:
            mtime = max(build_time, before.mtime + 1)
        stamped.append(card if card.mtime == mtime else evolve(card, mtime=mtime))
        if not guid or guid in recorded:
            continue  # no GUID (the ids stage skipped) or one already recorded: nothing to remember
        recorded.add(guid)
        source, front, back = card.source, plain_text(card.front), plain_text(card.back)
        if (
            before is not None
            and not before.removed
            and before.fingerprint == fp  # and so mtime == before.mtime
            and before.front == front
            and before.back == back
            and before.file == source.file
            and before.first == source.first
            and before.last == source.last
            and before.note_type == note_type
        ):
            entries.append(before)  # an unchanged note: what was read is what to write
        else:
            entries.append(
                make_entry(guid, fp, mtime, source.file, front, back, source.first, source.last, note_type)
            )
    # A note no longer built keeps its entry, marked with when it left (see LedgerEntry.removed); a
    # note still in the sources but left out of this package (``excluded``) keeps it as it was.
    held = {card.guid for card in excluded if card.guid}
    entries += [
        e if e.removed or e.guid in held else replace(e, removed=build_time)
        for e in previous.cards
        if e.guid not in recorded
    ]
    ledger = Ledger(tuple(sorted(entries, key=sort_key)), MappingProxyType(note_types))
    return Stamped(
        tuple(stamped), ledger, MappingProxyType({k: v.mtime for k, v in note_types.items()}), tuple(findings)
    )
