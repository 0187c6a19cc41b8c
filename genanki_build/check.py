"""Open a package in Anki's own backend and say what Anki sees.

Imports the ``.apkg`` into a throw-away collection with the official ``anki`` package, then lists
notes, cards, decks and note types, and every problem: import errors, notes Anki skipped or found
conflicting, notes without cards, empty fronts, cloze notes without a deletion.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from genanki_build.errors import BuildError
from genanki_build.model import CLOZE_OPEN

if TYPE_CHECKING:  # the anki package is optional: imported only to check a package
    from anki.collection import Collection, ImportLogWithChanges

INSTALL_HINT = "the official `anki` package is needed for this: run `pip install anki` (or `make .venv`)"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What Anki made of a package."""

    path: Path
    """The package checked."""
    notes: int = 0
    """Notes in the collection after import."""
    cards: int = 0
    """Cards Anki generated."""
    decks: tuple[tuple[str, int], ...] = ()
    """Deck names with their card counts (Anki's "Default" deck left out when empty)."""
    note_types: tuple[tuple[str, tuple[str, ...], int], ...] = ()
    """Note-type names, their fields, and how many notes use them."""
    problems: tuple[str, ...] = field(default_factory=tuple)
    """Everything wrong, one sentence each; empty when the package is fine."""


def _open_collection(path: str) -> Collection:
    try:
        from anki.collection import Collection
    except ImportError:
        raise BuildError(INSTALL_HINT) from None
    return Collection(path)


def check_package(apkg: Path) -> CheckResult:
    """Import ``apkg`` into a fresh collection and inspect it."""
    if apkg.is_dir():
        raise BuildError(f"{apkg}: a folder; pass the packages in it (for example {apkg / '*.apkg'})")
    if not apkg.is_file():
        raise BuildError(f"{apkg}: no such file; build first with `genanki-build build`")
    with tempfile.TemporaryDirectory(prefix="genanki-check-") as tmp:
        col = _open_collection(str(Path(tmp) / "check.anki2"))
        try:
            return _inspect(col, apkg)
        finally:
            col.close()


def import_into(col: Collection, apkg: Path) -> ImportLogWithChanges:
    """Import ``apkg`` into ``col`` with Anki's default options; returns Anki's import log."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    options = ImportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False)
    return col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(apkg.resolve()), options=options)
    )


def _inspect(col: Collection, apkg: Path) -> CheckResult:
    from anki.models import NotetypeId

    problems: list[str] = []
    try:
        log = import_into(col, apkg).log
    except Exception as exc:
        return CheckResult(apkg, problems=(f"Anki could not import the package: {exc}",))
    for name in ("duplicate", "conflicting", "missing_notetype", "missing_deck", "empty_first_field"):
        skipped = len(getattr(log, name))
        if skipped:
            problems.append(f"Anki reported {skipped} note(s) as {name.replace('_', ' ')}")
    note_ids = col.find_notes("")
    decks: list[tuple[str, int]] = []
    for deck in sorted(col.decks.all_names_and_ids(), key=lambda d: d.name):
        count = len(col.find_cards(f'deck:"{deck.name}" -deck:"{deck.name}::*"'))
        if deck.name == "Default" and count == 0:
            continue
        decks.append((deck.name, count))
    type_rows: list[tuple[str, tuple[str, ...], int]] = []
    for nt in sorted(col.models.all_names_and_ids(), key=lambda m: m.name):
        model = col.models.get(NotetypeId(nt.id))
        uses = col.models.use_count(model) if model else 0
        if model is None or (uses == 0 and model["name"] in _STOCK_NAMES):
            continue
        type_rows.append((model["name"], tuple(f["name"] for f in model["flds"]), uses))
    for nid in note_ids:
        note = col.get_note(nid)
        if not note.cards():
            problems.append(f"note {note.guid} has no cards")
        if not note.fields[0].strip():
            problems.append(f"note {note.guid} has an empty first field")
        note_type = note.note_type()
        if note_type is not None and note_type["type"] == 1 and not CLOZE_OPEN.search(note.fields[0]):
            problems.append(f"cloze note {note.guid} has no cloze deletion")
    return CheckResult(
        path=apkg,
        notes=len(note_ids),
        cards=col.card_count(),
        decks=tuple(decks),
        note_types=tuple(type_rows),
        problems=tuple(problems),
    )


# Note types every new collection starts with; not reported when unused.
_STOCK_NAMES = frozenset(
    {
        "Basic",
        "Basic (and reversed card)",
        "Basic (optional reversed card)",
        "Basic (type in the answer)",
        "Cloze",
        "Image Occlusion",
    }
)
