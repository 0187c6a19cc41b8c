"""Write cards to a reproducible, compressed ``.apkg``.

genanki builds the collection database; this module then stamps each note with its own
modification time (genanki stamps one time on all) and writes the zip itself with fixed entry dates,
sorted entries and deflate compression, so the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import genanki

from genanki_build.model import Card, NoteType
from genanki_build.notetypes import NoteTypeSpec, note_types

# Zip dates cannot precede 1980.
_ZIP_EPOCH = 315532800


def stable_id(namespace: str, *parts: str) -> int:
    """A 31-bit-ish positive ID, stable for the same namespace and parts (never from card text)."""
    digest = hashlib.sha256("\x1f".join((namespace, *parts)).encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """What was written."""

    path: Path
    """The ``.apkg`` file."""
    notes: int
    """Notes in it."""
    decks: tuple[str, ...]
    """Deck names in it."""


def _genanki_model(spec: NoteTypeSpec, namespace: str) -> genanki.Model:
    return genanki.Model(
        model_id=stable_id(namespace, "notetype", spec.key),
        name=spec.name,
        fields=[{"name": f} for f in spec.fields],
        templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in spec.templates],
        css=spec.css,
        model_type=genanki.Model.CLOZE if spec.key == NoteType.CLOZE.value else genanki.Model.FRONT_BACK,
        sort_field_index=0,
    )


def _fields(card: Card, spec: NoteTypeSpec, reverse: bool) -> list[str]:
    if card.note_type is NoteType.CLOZE:
        return [card.front, card.back]
    # Only term/definition cards get the reverse; the cloze stage marks them (flag "reverse").
    return [card.front, card.back, "y" if reverse and "reverse" in card.flags else ""]


def _write_db(
    db_path: str,
    cards: Iterable[Card],
    collection: str,
    namespace: str,
    timestamp: int,
    notetype_mtimes: Mapping[str, int],
    reverse: bool,
) -> tuple[int, tuple[str, ...]]:
    specs = note_types(collection)
    models = {key: _genanki_model(spec, namespace) for key, spec in specs.items()}
    decks: dict[str, genanki.Deck] = {}
    mtimes: dict[str, int] = {}
    count = 0
    for card in cards:
        deck = decks.get(card.deck)
        if deck is None:
            deck = genanki.Deck(stable_id(namespace, "deck", card.deck), card.deck)
            decks[card.deck] = deck
        key = card.note_type.value
        note = genanki.Note(
            model=models[key],
            fields=_fields(card, specs[key], reverse),
            tags=list(card.tags),
            guid=card.guid,
        )
        deck.add_note(note)
        mtimes[card.guid] = card.mtime or timestamp
        count += 1
    conn = sqlite3.connect(db_path)
    try:
        cursor = conn.cursor()
        package = genanki.Package([decks[name] for name in sorted(decks)])
        # Every note-type is written even when unused, so the collection's schema stays stable.
        if package.decks:
            for model in models.values():
                package.decks[0].add_model(model)
        id_gen = itertools.count(timestamp * 1000)
        package.write_to_db(cursor, timestamp, id_gen)
        # notes.guid has no index: one UPDATE per GUID would scan the table each time (quadratic).
        # A keyed temporary table (outside the file, so never packaged) makes it one indexed join.
        cursor.execute("CREATE TEMP TABLE note_mtimes (guid TEXT PRIMARY KEY, mod INTEGER) WITHOUT ROWID")
        cursor.executemany("INSERT INTO note_mtimes VALUES (?, ?)", sorted(mtimes.items()))
        cursor.execute(
            "UPDATE notes SET mod = (SELECT m.mod FROM note_mtimes m WHERE m.guid = notes.guid)"
            " WHERE guid IN (SELECT guid FROM note_mtimes)"
        )
        cursor.execute("DROP TABLE note_mtimes")
        cursor.execute("UPDATE cards SET mod = (SELECT notes.mod FROM notes WHERE notes.id = cards.nid)")
        (models_json,) = cursor.execute("SELECT models FROM col").fetchone()
        stored = json.loads(models_json)
        for model in stored.values():
            key = next(k for k, m in models.items() if str(m.model_id) == str(model["id"]))
            model["mod"] = notetype_mtimes.get(key, timestamp)
        cursor.execute("UPDATE col SET models = ?, mod = ?", (json.dumps(stored, sort_keys=True), timestamp))
        conn.commit()
        cursor.execute("VACUUM")
    finally:
        conn.close()
    return count, tuple(sorted(decks))


def _zip_info(name: str, timestamp: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_zip_date(timestamp))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info


def _zip_date(timestamp: int) -> tuple[int, int, int, int, int, int]:
    import time

    t = time.gmtime(max(timestamp, _ZIP_EPOCH))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


def write_package(
    cards: Iterable[Card],
    path: Path,
    *,
    collection: str,
    namespace: str,
    timestamp: int,
    notetype_mtimes: Mapping[str, int] | None = None,
    media: Mapping[str, Path] | None = None,
    reverse: bool = False,
) -> PackageInfo:
    """Write ``cards`` to ``path`` atomically: a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    media = media or {}
    with tempfile.TemporaryDirectory(prefix="genanki-build-") as tmp:
        db_path = os.path.join(tmp, "collection.anki2")
        count, decks = _write_db(
            db_path, cards, collection, namespace, timestamp, notetype_mtimes or {}, reverse
        )
        fd, tmp_apkg = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp_apkg, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                with open(db_path, "rb") as db:
                    # Level 6: a third of level 9's time for a package about 1% larger.
                    zf.writestr(_zip_info("collection.anki2", timestamp), db.read(), compresslevel=6)
                names = sorted(media)
                index = {str(i): name for i, name in enumerate(names)}
                zf.writestr(_zip_info("media", timestamp), json.dumps(index, sort_keys=True))
                for i, name in enumerate(names):
                    zf.writestr(_zip_info(str(i), timestamp), media[name].read_bytes())
            os.chmod(tmp_apkg, 0o644)
            os.replace(tmp_apkg, path)
        except BaseException:
            Path(tmp_apkg).unlink(missing_ok=True)
            raise
    return PackageInfo(path, count, decks)
