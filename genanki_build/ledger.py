"""The ledger, ``cards.lock``: what every note was at the last build, kept beside the sources.

Anki matches an imported note to a student's copy by GUID alone, and replaces the copy only when the
imported note's modification time is newer. The ledger keeps both right across rebuilds:

- per note: its GUID, a fingerprint of what was written, the time that content last changed, where
  it came from, and its front and back as plain text (so the ids stage can recognise an edited card);
- per note type: its fingerprint, the time it last changed, and its field names (a field change would
  fork the note type in every student's collection, so it is refused unless asked for).

The file is JSON with one entry per line, sorted by source file and line, so ``git diff`` reads like
the sources. It holds no wall-clock time of its own: a rebuild with no change writes the same bytes.
Reading and writing happen in :mod:`genanki_build.build`; everything here is pure.
"""

from __future__ import annotations

import html
import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from hashlib import sha256
from json.encoder import encode_basestring  # what json.dumps(..., ensure_ascii=False) uses
from pathlib import Path
from types import MappingProxyType
from typing import Any

from genanki_build.errors import BuildError
from genanki_build.model import Card, Finding, NoteType, evolve
from genanki_build.notetypes import NoteTypeSpec
from genanki_build.stage import LedgerEntry

#: The ledger's file name, in the source folder.
LEDGER_NAME = "cards.lock"
#: Version of the file layout; a newer one is refused rather than misread.
VERSION = 1

_BLOCK_TAG = re.compile(
    r"</?(?:br|p|div|li|ul|ol|tr|td|th|h[1-6]|hr|blockquote|pre|table|thead|tbody)\b[^>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


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


def _make_entry(
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
            return _make_entry(guid, fp, mtime, file, front, back, lines[0], lines[1], note_type)
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


_GUID: Callable[[LedgerEntry], str] = operator.attrgetter("guid")
_sort_key: Callable[[LedgerEntry], tuple[str, int, str]] = operator.attrgetter("file", "first", "guid")


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
        for e in sorted(ledger.cards, key=_sort_key)
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
                _make_entry(guid, fp, mtime, source.file, front, back, source.first, source.last, note_type)
            )
    # A note no longer built keeps its entry, marked with when it left (see LedgerEntry.removed); a
    # note still in the sources but left out of this package (``excluded``) keeps it as it was.
    held = {card.guid for card in excluded if card.guid}
    entries += [
        e if e.removed or e.guid in held else replace(e, removed=build_time)
        for e in previous.cards
        if e.guid not in recorded
    ]
    ledger = Ledger(tuple(sorted(entries, key=_sort_key)), MappingProxyType(note_types))
    return Stamped(
        tuple(stamped), ledger, MappingProxyType({k: v.mtime for k, v in note_types.items()}), tuple(findings)
    )
