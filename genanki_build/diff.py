"""Release notes: the notes added, changed and removed between two ``.apkg`` packages.

Packages are read directly (zip + SQLite), so this works on any earlier release, built by any
version of genanki-build. Notes are matched by GUID, as Anki does when a student imports. A change
is shown field by field, as a word-level diff (~~removed~~ **added**), in Markdown.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from genanki_build.errors import BuildError
from genanki_build.ledger import plain_text

_WORDS = re.compile(r"\S+|\s+")


@dataclass(frozen=True, slots=True)
class Note:
    """One note as a package holds it."""

    guid: str
    """Anki's GUID, the key for matching."""
    note_type: str
    """The note type's name."""
    deck: str
    """The deck of its first card."""
    fields: tuple[tuple[str, str], ...]
    """``(field name, value)`` in note-type order."""
    tags: tuple[str, ...]
    """Its tags, sorted."""

    @property
    def title(self) -> str:
        """The first field as plain text, for headings."""
        return plain_text(self.fields[0][1]) if self.fields else self.guid


@dataclass(frozen=True, slots=True)
class Release:
    """Every note of one package, by GUID."""

    path: str
    """Where it was read from."""
    notes: dict[str, Note]
    """Notes by GUID."""


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed from one release to the next."""

    old: Release | None
    """The previous release; ``None`` for a first release."""
    new: Release
    """This release."""
    added: tuple[Note, ...]
    """Notes only in the new release."""
    changed: tuple[tuple[Note, Note], ...]
    """(old, new) pairs whose fields or tags differ."""
    removed: tuple[Note, ...]
    """Notes only in the old release."""


def read_package(path: Path) -> Release:
    """Every note of the ``.apkg`` at ``path``; raises :class:`BuildError` when it cannot be read."""
    if not path.is_file():
        raise BuildError(f"{path}: no such package; pass the .apkg of the previous release")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            member = next((n for n in ("collection.anki21", "collection.anki2") if n in names), None)
            if member is None:
                raise BuildError(
                    f"{path}: no collection.anki2 inside; a package exported by recent Anki "
                    "(collection.anki21b) cannot be read here — compare against a genanki-build package, "
                    "or export from Anki with 'support older Anki versions' ticked"
                )
            data = zf.read(member)
    except zipfile.BadZipFile:
        raise BuildError(f"{path}: not an .apkg (not a zip file)") from None
    with tempfile.TemporaryDirectory(prefix="genanki-diff-") as tmp:
        db = Path(tmp) / "collection.anki2"
        db.write_bytes(data)
        try:
            return Release(str(path), _read_notes(db))
        except sqlite3.DatabaseError as exc:
            raise BuildError(f"{path}: its collection cannot be read ({exc})") from None


def _read_notes(db: Path) -> dict[str, Note]:
    conn = sqlite3.connect(db)
    try:
        models_json, decks_json = conn.execute("SELECT models, decks FROM col").fetchone()
        models = json.loads(models_json or "{}")
        decks = {int(k): v["name"] for k, v in json.loads(decks_json or "{}").items()}
        field_names = {
            int(mid): [f["name"] for f in sorted(m["flds"], key=lambda f: f["ord"])]
            for mid, m in models.items()
        }
        type_names = {int(mid): m["name"] for mid, m in models.items()}
        first_deck = dict(
            conn.execute("SELECT nid, did FROM cards GROUP BY nid HAVING ord = MIN(ord)").fetchall()
        )
        notes: dict[str, Note] = {}
        for nid, guid, mid, flds, tags in conn.execute("SELECT id, guid, mid, flds, tags FROM notes"):
            values = flds.split("\x1f")
            names = field_names.get(mid, [])
            names = names + [f"Field {i + 1}" for i in range(len(names), len(values))]
            notes[guid] = Note(
                guid=guid,
                note_type=type_names.get(mid, str(mid)),
                deck=decks.get(first_deck.get(nid, 0), ""),
                fields=tuple(zip(names, values, strict=False)),
                tags=tuple(sorted(tags.split())),
            )
        return notes
    finally:
        conn.close()


def compare(old: Release | None, new: Release) -> Changes:
    """Notes added, changed and removed, matched by GUID; each list in the new (or old) deck order."""
    before = old.notes if old else {}

    def order(note: Note) -> tuple[str, str, str]:
        return (note.deck, note.title.lower(), note.guid)

    added = tuple(sorted((n for g, n in new.notes.items() if g not in before), key=order))
    removed = tuple(sorted((n for g, n in before.items() if g not in new.notes), key=order))
    changed = tuple(
        sorted(
            (
                (before[g], n)
                for g, n in new.notes.items()
                if g in before and (before[g].fields != n.fields or before[g].tags != n.tags)
            ),
            key=lambda pair: order(pair[1]),
        )
    )
    return Changes(old, new, added, changed, removed)


def _md(text: str) -> str:
    """Plain text safe inside a Markdown line."""
    return re.sub(r"([\\`*_\[\]<>|~#])", r"\\\1", text)


def word_diff(before: str, after: str) -> str:
    """``before`` -> ``after`` as Markdown: ~~removed words~~ and **added words**."""
    a, b = _WORDS.findall(plain_text(before)), _WORDS.findall(plain_text(after))
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            out.append(_md(old))
            continue
        edge = new if new.strip() else old
        lead, trail = edge[: len(edge) - len(edge.lstrip())], edge[len(edge.rstrip()) :]
        marked = [
            f"~~{_md(old.strip())}~~" if old.strip() else "",
            f"**{_md(new.strip())}**" if new.strip() else "",
        ]
        out.append(lead + " ".join(m for m in marked if m) + trail)
    return "".join(out).strip()


def _one_line(note: Note, limit: int = 160) -> str:
    values = [plain_text(v) for _, v in note.fields if plain_text(v)]
    text = " → ".join(values[:2])
    return _md(text if len(text) <= limit else text[: limit - 1] + "…")


def to_markdown(changes: Changes) -> str:
    """The changes as a Markdown section, ready for release notes or ``CHANGES.md``."""
    new = changes.new
    lines: list[str] = []
    if changes.old is None:
        lines += [
            "# Changes",
            "",
            f"First release: {len(new.notes)} notes.",
            "",
        ]
    else:
        lines += [
            "# Changes",
            "",
            f"{len(changes.added)} added, {len(changes.changed)} changed, {len(changes.removed)} removed "
            f"({len(new.notes)} notes in all, was {len(changes.old.notes)}).",
            "",
        ]
        if not (changes.added or changes.changed or changes.removed):
            lines += ["No note changed.", ""]
    if changes.added:
        lines += [f"## Added ({len(changes.added)})", ""]
        deck = None
        for note in changes.added:
            if note.deck != deck:
                deck = note.deck
                lines += ["", f"**{_md(deck)}**", ""] if lines[-1] else [f"**{_md(deck)}**", ""]
            lines.append(f"- {_one_line(note)}")
        lines.append("")
    if changes.changed:
        lines += [f"## Changed ({len(changes.changed)})", ""]
        for old, note in changes.changed:
            lines.append(f"- {_md(note.title[:120])} ({_md(note.deck)})")
            old_fields = dict(old.fields)
            for name, value in note.fields:
                was = old_fields.get(name, "")
                if was != value:
                    lines.append(f"  - {_md(name)}: {word_diff(was, value) or '(now empty)'}")
            if old.tags != note.tags:
                gone = sorted(set(old.tags) - set(note.tags))
                new_tags = sorted(set(note.tags) - set(old.tags))
                parts = [f"~~{_md(t)}~~" for t in gone] + [f"**{_md(t)}**" for t in new_tags]
                lines.append(f"  - tags: {' '.join(parts)}")
        lines.append("")
    if changes.removed:
        lines += [
            f"## Removed ({len(changes.removed)})",
            "",
            "Students who imported an earlier release keep these until they delete them.",
            "",
        ]
        for note in changes.removed:
            lines.append(f"- {_one_line(note)} ({_md(note.deck)})")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
