"""The ledger's file, ``cards.lock``: what :class:`Ledger` holds, and reading and writing it as text.

The file is JSON with one entry per line, sorted by source file and line, so ``git diff`` reads like
the sources. It holds no wall-clock time of its own: a rebuild with no change writes the same bytes.
:func:`loads` and :func:`read` refuse a damaged or newer file with a :class:`BuildError` that says
how to recover; :func:`dumps` writes the text, which :mod:`genanki_build.build` commits with the
outputs. What goes into the ledger is decided in :mod:`genanki_build.ledger`.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # what json.dumps(..., ensure_ascii=False) uses
from pathlib import Path
from types import MappingProxyType
from typing import Any

from genanki_build.errors import BuildError
from genanki_build.stage import LedgerEntry

#: The ledger's file name, in the source folder.
LEDGER_NAME = "cards.lock"
#: Version of the file layout; a newer one is refused rather than misread.
VERSION = 1


@dataclass(frozen=True, slots=True)
class NoteTypeEntry:
    """What the ledger remembers of one note type."""

    key: str
    """``basic`` or ``cloze``."""
    fingerprint: str
    """:attr:`NoteTypeSpec.fingerprint` when last built."""
    mtime: int
    """When the note type last changed; Anki updates a student's copy only when this is newer."""
    fields: tuple[str, ...]
    """Its field names when last built."""


@dataclass(frozen=True, slots=True)
class Ledger:
    """The whole ``cards.lock``."""

    cards: tuple[LedgerEntry, ...] = ()
    """One entry per note, sorted by file, line and GUID."""
    note_types: MappingProxyType[str, NoteTypeEntry] = field(default_factory=lambda: MappingProxyType({}))
    """Note types by key."""
    namespace: str = ""
    """The namespace the notes' note-type and deck IDs derive from (:attr:`Config.id_namespace`);
    empty in a ledger written before it was kept."""

    def by_guid(self) -> MappingProxyType[str, LedgerEntry]:
        """The entries by GUID, as :attr:`Context.ledger` wants them."""
        return MappingProxyType({e.guid: e for e in self.cards})


def _fail(path: Path, problem: str) -> BuildError:
    return BuildError(
        f"{path}: {problem}. It is the record that keeps students' review history across rebuilds: "
        "restore it from version control (resolve any merge conflict in it), or delete it to start "
        "afresh — then every card edited since it was first built reaches students as a new note"
    )


def _int(raw: Any, path: Path, what: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _fail(path, f"{what} is not a whole number")
    return raw


def _str(raw: Any, path: Path, what: str) -> str:
    if not isinstance(raw, str):
        raise _fail(path, f"{what} is not text")
    return raw


_new = object.__new__
(
    _put_guid,
    _put_fingerprint,
    _put_mtime,
    _put_file,
    _put_front,
    _put_back,
    _put_first,
    _put_last,
    _put_type,
    _put_removed,
) = (
    getattr(LedgerEntry, name).__set__
    for name in (
        "guid",
        "fingerprint",
        "mtime",
        "file",
        "front",
        "back",
        "first",
        "last",
        "note_type",
        "removed",
    )
)


def make_entry(
    guid: str, fp: str, mtime: int, file: str, front: str, back: str, first: int, last: int, note_type: str
) -> LedgerEntry:
    """``LedgerEntry(guid, fp, …, note_type)``, its slots written directly (as :func:`model.evolve`
    copies cards): a frozen dataclass's ``__init__`` costs twice as much, 100,000 times a build."""
    entry: LedgerEntry = _new(LedgerEntry)
    _put_guid(entry, guid)
    _put_fingerprint(entry, fp)
    _put_mtime(entry, mtime)
    _put_file(entry, file)
    _put_front(entry, front)
    _put_back(entry, back)
    _put_first(entry, first)
    _put_last(entry, last)
    _put_type(entry, note_type)
    _put_removed(entry, 0)
    return entry


#: An entry's keys, in the order :func:`dumps` writes them.
_KEYS = ("guid", "fingerprint", "mtime", "file", "lines", "note_type", "front", "back")


def _entry(raw: Any, path: Path, i: int) -> LedgerEntry:
    # Fast path: an entry as dumps() writes it (its keys in that order), every value of its type;
    # anything else is checked field by field below, for the message.
    if type(raw) is dict and tuple(raw) == _KEYS:
        guid, fp, mtime, file, lines, note_type, front, back = raw.values()
        if (
            type(guid) is str
            and type(fp) is str
            and type(mtime) is int
            and type(file) is str
            and type(lines) is list
            and len(lines) == 2
            and type(lines[0]) is int
            and type(lines[1]) is int
            and type(note_type) is str
            and type(front) is str
            and type(back) is str
        ):
            return make_entry(guid, fp, mtime, file, front, back, lines[0], lines[1], note_type)
    return _checked_entry(raw, path, i)


def _checked_entry(raw: Any, path: Path, i: int) -> LedgerEntry:
    if not isinstance(raw, dict):
        raise _fail(path, f"card entry {i + 1} is not an object")
    lines = raw.get("lines", [0, 0])
    if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(n, int) for n in lines)):
        raise _fail(path, f"card entry {i + 1}: lines must be [first, last]")
    what = f"card entry {i + 1}"
    return LedgerEntry(
        guid=_str(raw.get("guid"), path, f"{what}: guid"),
        fingerprint=_str(raw.get("fingerprint"), path, f"{what}: fingerprint"),
        mtime=_int(raw.get("mtime"), path, f"{what}: mtime"),
        file=_str(raw.get("file", ""), path, f"{what}: file"),
        front=_str(raw.get("front", ""), path, f"{what}: front"),
        back=_str(raw.get("back", ""), path, f"{what}: back"),
        first=lines[0],
        last=lines[1],
        note_type=_str(raw.get("note_type", "basic"), path, f"{what}: note_type"),
        removed=_int(raw.get("removed", 0), path, f"{what}: removed"),
    )


def _note_type(key: str, raw: Any, path: Path) -> NoteTypeEntry:
    if not isinstance(raw, dict):
        raise _fail(path, f"note type {key!r} is not an object")
    fields = raw.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise _fail(path, f"note type {key!r}: fields must be a list of names")
    return NoteTypeEntry(
        key=key,
        fingerprint=_str(raw.get("fingerprint"), path, f"note type {key!r}: fingerprint"),
        mtime=_int(raw.get("mtime"), path, f"note type {key!r}: mtime"),
        fields=tuple(fields),
    )


def loads(text: str, path: Path = Path(LEDGER_NAME)) -> Ledger:
    """Parse a ledger; raises :class:`BuildError` naming the file and what is wrong."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise _fail(path, "not a ledger (expected a JSON object)")
    version = raw.get("version")
    if version != VERSION:
        raise _fail(path, f"ledger version {version!r}, this genanki-build reads version {VERSION}")
    cards = raw.get("cards", [])
    types = raw.get("note_types", {})
    if not isinstance(cards, list) or not isinstance(types, dict):
        raise _fail(path, "cards must be a list and note_types an object")
    entries = tuple(_entry(c, path, i) for i, c in enumerate(cards))
    seen: set[str] = set()
    for entry in entries:
        if entry.guid in seen:
            raise _fail(path, f"GUID {entry.guid} appears twice")
        seen.add(entry.guid)
    note_types = {str(k): _note_type(str(k), v, path) for k, v in types.items()}
    namespace = _str(raw.get("namespace", ""), path, "namespace")
    return Ledger(entries, MappingProxyType(note_types), namespace)


def read(path: Path) -> Ledger:
    """The ledger at ``path``; an empty one when there is none yet (a first build)."""
    if not path.exists():
        return Ledger()
    try:
        text = path.read_text(encoding="utf-8-sig")  # an editor may have added a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, f"cannot be read ({exc})") from None
    return loads(text, path)


#: The order the entries are kept and written in: by file, line and GUID.
sort_key: Callable[[LedgerEntry], tuple[str, int, str]] = operator.attrgetter("file", "first", "guid")


_REMOVED = '"removed": '


def dumps(ledger: Ledger) -> str:
    """The ledger as text: JSON, one entry per line, sorted by file, line and GUID."""

    def one(obj: Mapping[str, Any]) -> str:
        return json.dumps(obj, ensure_ascii=False)

    types = [
        f"    {json.dumps(key)}: "
        + one({"fingerprint": nt.fingerprint, "mtime": nt.mtime, "fields": list(nt.fields)})
        for key, nt in sorted(ledger.note_types.items())
    ]
    # Each card line as json.dumps() writes the dict, with the strings encoded one by one (a
    # dumps() per line costs several times more at 100,000 cards).
    text = encode_basestring
    cards = [
        f'    {{"guid": {text(e.guid)}, "fingerprint": {text(e.fingerprint)}, "mtime": {e.mtime:d}, '
        f'"file": {text(e.file)}, "lines": [{e.first:d}, {e.last:d}], "note_type": {text(e.note_type)}, '
        f'"front": {text(e.front)}, "back": {text(e.back)}{f", {_REMOVED}{e.removed:d}" if e.removed else ""}}}'
        for e in sorted(ledger.cards, key=sort_key)
    ]
    # One join: at 100,000 cards the text is tens of megabytes, and each "+" would copy it.
    return "".join(
        [
            f'{{\n  "version": {VERSION},\n',
            f'  "namespace": {encode_basestring(ledger.namespace)},\n' if ledger.namespace else "",
            '  "note_types": {\n',
            ",\n".join(types),
            "\n" if types else "",
            '  },\n  "cards": [\n',
            ",\n".join(cards),
            "\n" if cards else "",
            "  ]\n}\n",
        ]
    )
