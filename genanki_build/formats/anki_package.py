"""Anki's own packages: ``.apkg`` (a deck) and ``.colpkg`` (a collection), read from the file's bytes.

A package is a zip holding the collection as an SQLite database:

- ``collection.anki21b`` (Anki 23.10 and later): compressed with Zstandard, schema 18. Note types
  are rows of ``notetypes`` (whether one is a cloze type is field 1, ``kind``, of the protobuf in
  its ``config``), their fields rows of ``fields``, and deck names use ``\\x1f`` between levels.
  Such a package also holds a ``collection.anki2`` that only asks older Anki versions to update.
- ``collection.anki21`` or ``collection.anki2`` (older Anki, Anki's "support older versions"
  export, genanki): schema 11, with the note types and decks as JSON in the ``col`` table.

Every note becomes one card, by position: a note's *line* in the report is its number in the
package (1-based, oldest note first). The first field is the front (a cloze type's text); the
second makes the back, and any further non-empty field is added to it as ``Name: value``, except
an "Add Reverse" switch, which flags the card ``reverse`` (as does a second card of a Basic note).
Fields are HTML, as Anki holds them. The note's GUID is kept (so a rebuilt note updates the
student's copy), as are its tags. The deck of its first card becomes its title (``A::B``: the
lectures stage makes each level a subdeck); for Anki's catch-all "Default" deck there is none, so
the package's name is the lecture. The media files a package holds (:func:`media`) are media of the
source tree inside the package, as if it were a folder (``deck.apkg/cell.png``): a reference in
one of its notes finds them first, and only the ones a card uses are packaged. Each is read once
when the package is parsed: one that cannot be read whole is a warning, and a card that shows it
reports it missing (:attr:`ParseResult.unreadable_media`).
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import zstandard

from genanki_build.model import Card, Finding, Markup, NoteType, ParseResult, SourceRef

NAME = "anki-package"
DESCRIPTION = "Anki's own .apkg/.colpkg packages (read from the file's bytes, so never forced or sniffed)."
#: The collection files a package may hold, newest first: the first one present is read.
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
#: A collection larger than this, once decompressed, is not read (a damaged or hostile file).
MAX_COLLECTION_BYTES = 1 << 30
_ZIP_MAGIC = b"PK\x03\x04"
#: The id of Anki's "Default" deck, its catch-all: a note there takes the package's name as its
#: lecture, as a note of a file without a deck does.
DEFAULT_DECK = 1
#: The field of Anki's "Basic (optional reversed card)" type that switches the reverse card on.
REVERSE_FIELD = "Add Reverse"


class PackageError(ValueError):
    """The package cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class _NoteType:
    cloze: bool
    fields: tuple[str, ...]


#: The names Anki gives its packages: a zip so named that cannot be read is a damaged package
#: (a download cut short), reported as one rather than as binary data.
SUFFIXES = (".apkg", ".colpkg")


def is_package(data: bytes, name: str = "") -> bool:
    """True when ``data`` is a zip that holds an Anki collection, or a zip named like a package."""
    if not data.startswith(_ZIP_MAGIC):
        return False
    if name.lower().endswith(SUFFIXES):
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(name in COLLECTIONS for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data):
            raise PackageError("a note type's settings are cut short")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if byte < 0x80:
            return value, at


def _proto_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """Each (field number, value) of the protobuf message ``data``: an int for a varint, bytes for a
    length-delimited field (fixed-width fields are skipped)."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
            yield field, value
        elif wire == 2:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise PackageError("a protobuf message is cut short")
            yield field, data[at : at + length]
            at += length
        elif wire in (1, 5):
            at += 8 if wire == 1 else 4
        else:
            raise PackageError(f"a protobuf message uses wire type {wire}")


def _proto_field(data: bytes, number: int) -> int:
    """The varint field ``number`` of the protobuf message ``data``; 0 (protobuf's default) when absent."""
    return next((v for f, v in _proto_fields(data) if f == number and isinstance(v, int)), 0)


@dataclass(frozen=True, slots=True)
class PackagedMedia:
    """A media file inside a package, read only when the deck being built uses it."""

    package: Path
    """The package on disk."""
    name: str
    """The file's name in the package's media list."""
    member: str
    """Its zip member ("0", "1" …)."""
    compressed: bool
    """Zstandard-compressed (packages of Anki 23.10 and later)."""

    def read_bytes(self) -> bytes:
        """The file's bytes; raises one of :data:`MEDIA_ERRORS` when they cannot be read whole."""
        with zipfile.ZipFile(self.package) as archive:
            return _member_bytes(archive, self.member, self.compressed)


#: What reading a media file out of a damaged package raises: a bad zip entry or CRC, a truncated
#: or corrupt deflate or Zstandard stream, a member gone.
MEDIA_ERRORS = (OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, zstandard.ZstdError)


def _member_bytes(archive: zipfile.ZipFile, member: str, compressed: bool) -> bytes:
    data = archive.read(member)  # checks the member's CRC
    if compressed:
        return zstandard.ZstdDecompressor().decompress(data, max_output_size=MAX_COLLECTION_BYTES)
    return data


def _unreadable(archive: zipfile.ZipFile, listing: dict[str, tuple[str, bool]]) -> list[tuple[str, str]]:
    """(name, why) for each media file of the package that cannot be read back whole. Read once
    when the package is parsed (and kept in the parse cache with its cards), so a damaged picture
    costs the cards that show it, not the build."""
    bad: list[tuple[str, str]] = []
    for name, (member, compressed) in sorted(listing.items()):
        try:
            _member_bytes(archive, member, compressed)
        except MEDIA_ERRORS as exc:
            bad.append((name, str(exc) or type(exc).__name__))
    return bad


def media(data: bytes) -> dict[str, tuple[str, bool]]:
    """The media files a package holds: name → (zip member, Zstandard-compressed). Empty when its
    media list cannot be read (the notes may still be; the media stage reports what is missing)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            raw = archive.read("media") if "media" in names else b""
            modern = "collection.anki21b" in names
    except (zipfile.BadZipFile, OSError):
        return {}
    try:
        if modern:
            listing = zstandard.ZstdDecompressor().decompress(raw, max_output_size=MAX_COLLECTION_BYTES)
            entries = [v for f, v in _proto_fields(listing) if f == 1 and isinstance(v, bytes)]
            found = {
                next((n.decode() for f, n in _proto_fields(e) if f == 1 and isinstance(n, bytes)), ""): str(i)
                for i, e in enumerate(entries)
            }
        else:
            found = {str(name): str(member) for member, name in json.loads(raw or b"{}").items()}
    except (zstandard.ZstdError, PackageError, ValueError, UnicodeDecodeError, AttributeError):
        return {}
    # Anki's media folder is flat: a name with a path in it (or NUL) is not one Anki wrote.
    return {
        name: (member, modern)
        for name, member in found.items()
        if member in names and name not in {"", ".", ".."} and not any(c in name for c in "/\\\x00")
    }


def _database(archive: zipfile.ZipFile) -> tuple[str, sqlite3.Connection]:
    name = next((n for n in COLLECTIONS if n in archive.namelist()), "")
    if not name:
        raise PackageError(f"a zip without an Anki collection ({', '.join(COLLECTIONS)})")
    info = archive.getinfo(name)
    if info.file_size > MAX_COLLECTION_BYTES:
        raise PackageError(f"its collection is over {MAX_COLLECTION_BYTES >> 20} MiB")
    data = archive.read(name)
    if name.endswith("b"):
        try:
            data = zstandard.ZstdDecompressor().decompress(data, max_output_size=MAX_COLLECTION_BYTES)
        except zstandard.ZstdError as exc:
            raise PackageError(f"{name} cannot be decompressed ({exc})") from None
    if data[18:20] == b"\x02\x02":
        # Written in WAL mode; read from memory, it has no log to consult.
        data = data[:18] + b"\x01\x01" + data[20:]
    connection = sqlite3.connect(":memory:")
    # Text that is not UTF-8 (a damaged page) reads with U+FFFD, as a damaged text file does.
    connection.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        connection.deserialize(data)
        connection.execute("SELECT count(*) FROM notes").fetchone()
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        connection.close()
        raise PackageError(f"{name} is not a readable collection ({exc})") from None
    return name, connection


def _schema_11(db: sqlite3.Connection) -> tuple[dict[int, _NoteType], dict[int, str]]:
    models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
    models = json.loads(models_json)
    types = {
        int(mid): _NoteType(
            m.get("type") == 1, tuple(f["name"] for f in sorted(m["flds"], key=lambda f: f["ord"]))
        )
        for mid, m in models.items()
    }
    decks = {
        int(did): d["name"] for did, d in json.loads(decks_json).items() if isinstance(d.get("name"), str)
    }
    return types, decks


def _schema_18(db: sqlite3.Connection) -> tuple[dict[int, _NoteType], dict[int, str]]:
    fields: dict[int, list[str]] = {}
    for ntid, name in db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(ntid, []).append(name)
    types = {
        ntid: _NoteType(_proto_field(bytes(config), 1) == 1, tuple(fields.get(ntid, ())))
        for ntid, config in db.execute("SELECT id, config FROM notetypes")
    }
    decks = {
        did: name.replace("\x1f", "::")
        for did, name in db.execute("SELECT id, name FROM decks")
        if isinstance(name, str)
    }
    return types, decks


def _notes(db: sqlite3.Connection) -> Iterator[tuple[str, int, str, str, int, int]]:
    """(GUID, note type, tags, fields, deck of the first card, cards) for each note, oldest first."""
    yield from db.execute(
        "SELECT n.guid, n.mid, n.tags, n.flds,"
        " (SELECT c.did FROM cards c WHERE c.nid = n.id ORDER BY c.ord LIMIT 1),"
        " (SELECT count(*) FROM cards c WHERE c.nid = n.id)"
        " FROM notes n ORDER BY n.id"
    )


def read(data: bytes, source: str) -> ParseResult:
    """One card per note of the package ``data``; raises :class:`PackageError` when it cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            name, db = _database(archive)
            unreadable = _unreadable(archive, media(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"not a readable zip ({exc})") from None
    try:
        version = db.execute("SELECT ver FROM col").fetchone()[0]
        types, decks = _schema_18(db) if version >= 18 else _schema_11(db)
        notes = list(_notes(db))
    except (
        sqlite3.Error,
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
    ) as exc:  # ValueError: bad text too
        raise PackageError(f"{name}: not a collection this reader knows ({exc})") from None
    finally:
        db.close()
    cards: list[Card] = []
    findings: list[Finding] = []
    for number, (guid, mid, tags, flds, did, count) in enumerate(notes, start=1):
        where = SourceRef(source, number, number)
        if not all(isinstance(v, str) for v in (guid, tags, flds)):
            findings.append(Finding(NAME, "skipped", "a note whose fields are not text", where))
            continue
        note_type = types.get(mid)
        values = [v.strip() for v in flds.split("\x1f")]
        if note_type is None or not values[0]:
            why = (
                "a note of an unknown note type" if note_type is None else "a note with an empty first field"
            )
            findings.append(Finding(NAME, "skipped", why, where, values[0][:200]))
            continue
        cloze = note_type.cloze
        # Fields past the second are named, as a table's extra columns are: "Example: …". The "Add
        # Reverse" field of Anki's optional-reversed type (and this project's) is a switch, not text.
        names = [*note_type.fields, *[""] * len(values)]
        switch = any(v for name, v in zip(names, values, strict=False) if name == REVERSE_FIELD)
        extras = [
            f"{names[k]}: {v}" if names[k] else v
            for k, v in enumerate(values)
            if k >= 2 and v and names[k] != REVERSE_FIELD
        ]
        back = "<br><br>".join([*values[1:2], *extras] if len(values) > 1 and values[1] else extras)
        if not back and not cloze:
            message = "note with an empty back, kept: it is a note of an Anki collection"
            findings.append(Finding(NAME, "info", message, where))
        cards.append(
            Card(
                front=values[0],
                back=back,
                source=where,
                format=NAME,
                note_type=NoteType.CLOZE if cloze else NoteType.BASIC,
                markup=Markup.HTML,
                title="" if did == DEFAULT_DECK else decks.get(did or 0, ""),
                tags=tuple(sorted(set(tags.split()))),
                guid=guid,
                guid_given=bool(guid),
                flags=frozenset({"reverse"}) if (count > 1 or switch) and not cloze else frozenset(),
            )
        )
    summary = f"{len(notes)} note(s) read from {name}, each numbered in the package as its line"
    findings.insert(0, Finding(NAME, "info", summary, SourceRef(source, 0, 0)))
    for media_name, why in unreadable:
        message = (
            f"{source}: its media file {media_name!r} cannot be read ({why}); a card that shows it "
            "reports it missing — export the package again from Anki"
        )
        findings.append(Finding(NAME, "warning", message, SourceRef(source, 0, 0), media_name))
    damaged = tuple(f"{source}/{media_name}" for media_name, _ in unreadable)
    return ParseResult(tuple(cards), tuple(findings), unreadable_media=damaged)
