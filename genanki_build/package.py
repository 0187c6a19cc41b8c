"""Write cards to a reproducible, compressed ``.apkg``.

genanki writes the collection's schema, decks and note types; the notes and cards rows are inserted
here in bulk, with the columns and IDs genanki would give them (``tests/test_package.py`` compares
the tables), except that each note and its cards carry the note's own modification time. The zip is
written here too, with fixed entry dates, sorted entries and deflate compression, so the same inputs
give the same bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import operator
import os
import re
import sqlite3
import struct
import tempfile
import time
import zlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import deflate
import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from genanki_build.errors import BuildError
from genanki_build.formats.anki_package import MEDIA_ERRORS, PackagedMedia
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


# genanki's collection schema, tables apart from indexes: indexes are built once the rows are in, which
# is faster than keeping them up to date row by row. Each statement is its own transaction, as in
# genanki's ``executescript``, so the file header's change counter (and so the bytes) stay the same.
_TABLES = tuple(s for s in APKG_SCHEMA.split(";") if s.strip() and "CREATE INDEX" not in s)
_INDEXES = tuple(s for s in APKG_SCHEMA.split(";") if "CREATE INDEX" in s)

# A cloze field named in a template (``{{cloze:Text}}``), and a cloze number in a field (``{{c2::...}}``).
_CLOZE_FIELD = re.compile(r"{{[^}]*?cloze:(?:[^}]?:)*(.+?)}}")
_CLOZE_NUMBER = re.compile(r"{{c(\d+)::.+?}}", re.DOTALL)

# Column values genanki writes for every new note and card (usn -1: not synced; queue 0: new card).
_NOTE_VALUES = "(?, ?, ?, ?, -1, ?, ?, ?, 0, 0, '')"
_CARD_VALUES = "(?, ?, ?, ?, ?, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '')"
#: Rows one INSERT statement takes at most (fewer when SQLite allows fewer parameters).
_ROWS_PER_INSERT = 1000


@dataclass(frozen=True, slots=True)
class _CardRule:
    """Which cards a note of one note type gets: genanki's ``Note.cards``, worked out once per type."""

    cloze: bool
    """A Cloze note type (cards from cloze numbers) or Front/Back (cards from filled fields)."""
    cloze_fields: tuple[int, ...]
    """Cloze: the fields whose ``{{cN::...}}`` numbers give the cards (ord N-1)."""
    required: tuple[tuple[int, bool, tuple[int, ...]], ...]
    """Front/Back: per template (ord, all fields needed?, the fields), from genanki's ``Model._req``."""

    @classmethod
    def of(cls, model: genanki.Model) -> _CardRule:
        if model.model_type == genanki.Model.CLOZE:
            names = [f["name"] for f in model.fields]
            used = dict.fromkeys(_CLOZE_FIELD.findall(model.templates[0]["qfmt"]))
            return cls(True, tuple(names.index(n) for n in used if n in names), ())
        return cls(False, (), tuple((o, how == "all", tuple(fs)) for o, how, fs in model._req))

    def ords(self, fields: list[str]) -> Collection[int]:
        if not self.cloze:
            return _front_back_ords(self.required, tuple(map(bool, fields)))
        ords: set[int] = set()
        for i in self.cloze_fields:
            ords.update(int(n) - 1 for n in _CLOZE_NUMBER.findall(fields[i]) if int(n) > 0)
        # In set order, as genanki's, since card IDs follow it. No cloze number, no card (genanki's too).
        return ords


def _front_back_ords(
    required: tuple[tuple[int, bool, tuple[int, ...]], ...], filled: tuple[bool, ...]
) -> tuple[int, ...]:
    """The templates whose fields are filled: all the required ones, or any, as genanki's ``_req`` says."""
    return tuple(o for o, every, needed in required if (all if every else any)(filled[i] for i in needed))


_DECK = operator.attrgetter("deck")
_NoteRow = tuple[int, str, int, int, str, str, str]
_CardRow = tuple[int, int, int, int, int]


def _by_deck(cards: Iterable[Card]) -> tuple[list[Card], list[str]]:
    """The cards grouped by deck, decks in name order, each deck's cards in the order given; and
    the deck names in that order."""
    cards = list(cards)
    decks = list(map(_DECK, cards))
    if any(map(operator.gt, decks, decks[1:])):
        # sorted is stable: a deck's cards keep their order.
        cards = list(map(cards.__getitem__, sorted(range(len(cards)), key=decks.__getitem__)))
    return cards, sorted(set(decks))


def _rows(
    cards: list[Card],
    models: Mapping[str, genanki.Model],
    deck_ids: Mapping[str, int],
    timestamp: int,
) -> tuple[list[_NoteRow], list[_CardRow], dict[tuple[str, str], None]]:
    """The notes and cards rows, with the columns genanki writes and IDs counted from ``timestamp``
    thousands as its ``id_gen`` gives them: a note, then its cards, then the next note; and each
    deck's note types, in the order the cards first use them."""
    rules = {key: _CardRule.of(model) for key, model in models.items()}
    model_ids = {key: model.model_id for key, model in models.items()}
    # Front/back note types: the cards a note gets, by which of its three fields are filled.
    by_filled = {
        (key, *filled): _front_back_ords(rule.required, filled)
        for key, rule in rules.items()
        if not rule.cloze
        for filled in itertools.product((False, True), repeat=3)
    }
    note_rows: list[_NoteRow] = []
    card_rows: list[_CardRow] = []
    add_note, add_card = note_rows.append, card_rows.append
    next_id = timestamp * 1000
    # Neighbouring cards share a deck and tags: each is looked up once per run.
    deck: str | None = None
    deck_id = 0
    used: dict[tuple[str, str], None] = {}
    used_type: NoteType | None = None
    tags: tuple[str, ...] | None = None
    tags_text = ""
    cloze = NoteType.CLOZE
    for card in cards:
        if card.tags != tags:
            tags = card.tags
            if " " in "".join(tags):
                raise ValueError(f"tag with a space in {tags!r} (Anki tags are space-separated)")
            tags_text = " " + " ".join(tags) + " "
        if card.deck != deck:
            deck = card.deck
            deck_id = deck_ids[deck]
            used_type = None
        note_type, front, back = card.note_type, card.front, card.back
        if note_type is not used_type:
            used_type = note_type
            used[card.deck, note_type] = None
        note_id, mtime = next_id, card.mtime or timestamp
        # The fields joined by 0x1f, as export.note_fields gives them.
        ords: Collection[int]
        if note_type is cloze:
            flds = front + "\x1f" + back
            ords = rules[note_type].ords([front, back])
        else:
            if "reverse" in card.flags:
                flds = front + "\x1f" + back + "\x1fy"
                ords = by_filled[note_type, front != "", back != "", True]
            else:
                flds = front + "\x1f" + back + "\x1f"
                ords = by_filled[note_type, front != "", back != "", False]
        add_note((note_id, card.guid, model_ids[note_type], mtime, tags_text, flds, front))
        for ord_ in ords:
            next_id += 1
            add_card((next_id, note_id, deck_id, ord_, mtime))
        next_id += 1
    return note_rows, card_rows, used


def _write_db(
    cards: Iterable[Card],
    collection: str,
    namespace: str,
    timestamp: int,
    notetype_mtimes: Mapping[str, int],
) -> tuple[bytes, int, tuple[str, ...]]:
    """The collection file as genanki's ``Package.write_to_db`` writes it, plus each note's own mtime;
    also the number of notes and the deck names.

    genanki writes the schema, the collection row, decks and note types; the notes and cards go in
    a thousand rows to an INSERT (:func:`_insert`), with the same columns and IDs genanki would give
    them (a test compares the tables).
    """
    specs = note_types(collection)
    models = {key: _genanki_model(spec, namespace) for key, spec in specs.items()}
    in_order, deck_names = _by_deck(cards)
    decks = [genanki.Deck(stable_id(namespace, "deck", name), name) for name in deck_names]
    # Every note-type is written even when unused, so the collection's schema stays stable.
    for model in models.values() if decks else ():
        decks[0].add_model(model)
    deck_ids = {deck.name: deck.deck_id for deck in decks}
    note_rows, card_rows, used = _rows(in_order, models, deck_ids, timestamp)
    named = {deck.name: deck for deck in decks}
    for deck_name, note_type in used:
        named[deck_name].add_model(models[note_type])
    # A file in memory (SQLite's memdb file system, so the file header is kept as on disk), with no
    # journal; VACUUM's copy is built in memory too. memdb files stop at 1 GiB (about 2.5 million cards).
    conn = sqlite3.connect("file:collection.anki2?vfs=memdb", uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA temp_store = MEMORY")
        for statement in _TABLES:
            conn.execute(statement)
        conn.executescript(APKG_COL)
        conn.execute("BEGIN")
        cursor = conn.cursor()
        # What genanki's Deck.write_to_db writes for decks holding no notes, in one update instead of
        # one per deck: each deck's JSON, and each note type as the last deck using it writes it.
        decks_json, models_json = cursor.execute("SELECT decks, models FROM col").fetchone()
        stored_decks, stored_models = json.loads(decks_json), json.loads(models_json)
        for deck in decks:
            stored_decks[str(deck.deck_id)] = deck.to_json()
            for model in deck.models.values():
                stored_models[str(model.model_id)] = model.to_json(timestamp, deck.deck_id)
        for model_json in stored_models.values():
            key = next(k for k, m in models.items() if str(m.model_id) == str(model_json["id"]))
            model_json["mod"] = notetype_mtimes.get(key, timestamp)
        cursor.execute(
            "UPDATE col SET decks = ?, models = ?, mod = ?",
            (json.dumps(stored_decks), json.dumps(stored_models, sort_keys=True), timestamp),
        )
        _insert(conn, "notes", _NOTE_VALUES, note_rows)
        _insert(conn, "cards", _CARD_VALUES, card_rows)
        conn.execute("COMMIT")
        del note_rows, card_rows  # freed before VACUUM holds a second copy of the file in memory
        for statement in _INDEXES:
            conn.execute(statement)
        # Lays the file out as one canonical copy, so the bytes depend on the content alone.
        conn.execute("VACUUM")
        data = conn.serialize()
    finally:
        conn.close()
    return data, len(in_order), tuple(deck.name for deck in decks)


def _insert(conn: sqlite3.Connection, table: str, values: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` into ``table``, each as ``values`` says, many to a statement.

    Each statement lets go of Python's interpreter lock while SQLite runs it, and the package is
    written on a thread beside one that runs Python: taking the lock back can wait the whole
    switch interval (5 ms). One row to a statement waited that long once per row, until the other
    thread's work was done. SQLite compiles a statement in time that grows with its rows, so the
    rows left over go in statements an eighth as long, in turn, not in one of their own length.
    """
    width = values.count("?")
    size = max(1, min(_ROWS_PER_INSERT, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    flat = itertools.chain.from_iterable
    start = 0
    while start < len(rows):
        end = start + (len(rows) - start) // size * size
        if end > start:
            statement = f"INSERT INTO {table} VALUES " + ", ".join([values] * size)
            conn.executemany(statement, (tuple(flat(rows[i : i + size])) for i in range(start, end, size)))
        start, size = end, max(1, size // 8)


# Zip records (APPNOTE 4.3.7, 4.3.12, 4.3.16): local header, central directory header, end record.
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_ZIP_LIMIT = 0xFFFFFFFF  # sizes and offsets without the zip64 extension
_DEFLATED, _VERSION, _UNIX = 8, 20, 3
_LEVEL = 6  # libdeflate's default; levels 7 and up cost 50% more time for under 1% smaller


class _TooLarge(ValueError):
    """The zip would need the zip64 extension, which :func:`_write_zip` does not write."""


def _write_zip(out: BinaryIO, entries: Iterable[tuple[str, bytes]], timestamp: int) -> None:
    """Write a zip of ``entries`` (ASCII name, data) in order, each deflated and dated ``timestamp``.

    Written by hand because ``zipfile`` compresses with zlib itself: libdeflate makes the same
    format three times as fast and 5% smaller (100,000 notes: 0.43 s instead of 1.3 s at level 6).
    """
    dos_time, dos_date = _dos_date(timestamp)
    central: list[bytes] = []
    offset = 0
    for name, data in entries:
        packed = deflate.deflate_compress(data, _LEVEL)
        raw_name = name.encode("ascii")
        crc = zlib.crc32(data)
        end = offset + _LOCAL.size + len(raw_name) + len(packed)
        if max(end, len(data)) > _ZIP_LIMIT or len(central) == 0xFFFF:
            raise _TooLarge("the package would pass 4 GiB or 65,535 files; use fewer or smaller media")
        sizes = (crc, len(packed), len(data), len(raw_name))
        head = (_VERSION, 0, _DEFLATED, dos_time, dos_date)
        out.write(_LOCAL.pack(0x04034B50, *head, *sizes, 0) + raw_name)
        out.write(packed)
        attrs = (0, 0, 0, 0, 0o644 << 16, offset)  # extra, comment, disk, internal, external, offset
        central.append(_CENTRAL.pack(0x02014B50, _UNIX << 8 | _VERSION, *head, *sizes, *attrs) + raw_name)
        offset = end
    directory = b"".join(central)
    out.write(directory)
    out.write(_END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0))


def _dos_date(timestamp: int) -> tuple[int, int]:
    """Zip's MS-DOS time and date fields (UTC, even seconds, not before 1980)."""
    t = time.gmtime(max(timestamp, _ZIP_EPOCH))
    dos_time = t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2
    dos_date = (t.tm_year - 1980) << 9 | t.tm_mon << 5 | t.tm_mday
    return dos_time, dos_date


def _media_bytes(source: Path | PackagedMedia) -> bytes:
    """A media file's bytes; one that cannot be read (removed since the build began) is a one-line
    error naming it. A picture damaged inside an Anki package is found when the package is parsed
    and never gets here (:attr:`genanki_build.model.ParseResult.unreadable_media`)."""
    try:
        return source.read_bytes()
    except MEDIA_ERRORS as exc:
        where = (
            f"{source.package} (its media file {source.name!r})"
            if isinstance(source, PackagedMedia)
            else source
        )
        raise BuildError(
            f"{where}: cannot be read ({exc}); restore the file, or export the package again, then rebuild"
        ) from None


def write_package(
    cards: Iterable[Card],
    path: Path,
    *,
    collection: str,
    namespace: str,
    timestamp: int,
    notetype_mtimes: Mapping[str, int] | None = None,
    media: Mapping[str, Path | PackagedMedia] | None = None,
) -> PackageInfo:
    """Write ``cards`` to ``path`` atomically: a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    media = media or {}
    db, count, decks = _write_db(cards, collection, namespace, timestamp, notetype_mtimes or {})
    fd, tmp_apkg = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        names = sorted(media)
        index = json.dumps({str(i): name for i, name in enumerate(names)}, sort_keys=True)
        entries = itertools.chain(
            [("collection.anki2", db), ("media", index.encode())],
            ((str(i), _media_bytes(media[name])) for i, name in enumerate(names)),
        )
        with open(tmp_apkg, "wb") as out:
            _write_zip(out, entries, timestamp)
        os.chmod(tmp_apkg, 0o644)
        os.replace(tmp_apkg, path)
    except BaseException as exc:
        Path(tmp_apkg).unlink(missing_ok=True)
        if isinstance(exc, _TooLarge):
            raise BuildError(f"{path}: {exc}") from exc
        raise
    return PackageInfo(path, count, decks)
