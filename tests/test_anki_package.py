"""Anki packages as sources: what Anki itself exports (its current format and the one for older
versions) and what this project writes read back note for note, GUIDs, decks and tags kept."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genanki_build.build import build
from genanki_build.check import import_into
from genanki_build.formats import anki_package
from genanki_build.model import Markup, NoteType

from .conftest import write_tree

DECK = '[collection]\nname = "Shared"\nnamespace = "test/anki-package"\n'
PICTURE = b"\x89PNG\r\n\x1a\n not really a picture"
SOUND = b"ID3 not really a sound"


def _fill(collection: Any) -> dict[str, str]:
    """Notes of three kinds in nested decks, a media file; returns each note's GUID by its front."""
    models = collection.models
    cells = collection.decks.id("Bio::Cells")
    basic = collection.new_note(models.by_name("Basic"))
    basic["Front"], basic["Back"] = "What is a <b>cell</b>?", "The unit of life"
    basic.tags = ["bio", "week1"]
    collection.add_note(basic, cells)
    cloze = collection.new_note(models.by_name("Cloze"))
    cloze["Text"], cloze["Back Extra"] = (
        "{{c1::Mitochondria}} make {{c2::ATP}}",
        'energy <img src="cell.png">',
    )
    collection.add_note(cloze, cells)
    both = collection.new_note(models.by_name("Basic (and reversed card)"))
    both["Front"], both["Back"] = "H2O", "water [sound:water.mp3]"
    collection.add_note(both, collection.decks.id("Chem"))
    Path(collection.media.dir(), "cell.png").write_bytes(PICTURE)
    Path(collection.media.dir(), "water.mp3").write_bytes(SOUND)
    return {note["Front"] if "Front" in note else note["Text"]: note.guid for note in (basic, cloze, both)}


def _export(collection: Any, path: Path, *, legacy: bool) -> bytes:
    from anki.collection import ExportAnkiPackageOptions

    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=True, legacy=legacy
    )
    collection.export_anki_package(out_path=str(path), options=options, limit=None)
    return path.read_bytes()


@pytest.mark.parametrize("legacy", [False, True], ids=["anki21b", "anki21"])
def test_read__an_anki_export_gives_one_card_per_note(collection: Any, tmp_path: Path, legacy: bool) -> None:
    guids = _fill(collection)
    data = _export(collection, tmp_path / "deck.apkg", legacy=legacy)
    assert anki_package.is_package(data)
    result = anki_package.read(data, "deck.apkg")
    cards = {c.front: c for c in result.cards}
    assert set(cards) == set(guids)
    cell = cards["What is a <b>cell</b>?"]
    assert (cell.back, cell.note_type, cell.markup) == ("The unit of life", NoteType.BASIC, Markup.HTML)
    assert (cell.title, cell.tags, cell.guid, cell.guid_given) == (
        "Bio::Cells",
        ("bio", "week1"),
        guids[cell.front],
        True,
    )
    cloze = cards["{{c1::Mitochondria}} make {{c2::ATP}}"]
    assert (cloze.note_type, "reverse" in cloze.flags) == (NoteType.CLOZE, False)
    assert cloze.back == 'energy <img src="cell.png">'
    water = cards["H2O"]
    assert (water.title, "reverse" in water.flags) == ("Chem", True)
    assert sorted(c.source.first for c in result.cards) == [1, 2, 3]  # a note's place stands for its line
    (summary,) = [f for f in result.findings if f.kind == "info"]
    assert summary.message.startswith("3 note(s) read from collection.anki21")
    held = anki_package.media(data)
    assert sorted(held) == ["cell.png", "water.mp3"] and {c for _, c in held.values()} == {not legacy}
    member, compressed = held["cell.png"]
    assert (
        anki_package.PackagedMedia(tmp_path / "deck.apkg", "cell.png", member, compressed).read_bytes()
        == PICTURE
    )


def test_build__an_exported_deck_rebuilt_keeps_its_guids_in_anki(collection: Any, tmp_path: Path) -> None:
    guids = _fill(collection)
    data = _export(collection, tmp_path / "deck.apkg", legacy=False)
    src = write_tree(tmp_path / "src", {"shared/deck.apkg": data}, DECK)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    assert not result.warnings
    built = {c.front: c for c in result.cards}
    assert {front: card.guid for front, card in built.items()} == guids
    assert {c.deck for c in result.cards} == {"Shared::Bio::Cells", "Shared::Chem"}
    # Anki itself reads the rebuilt package: the same notes, under the same GUIDs.
    from anki.collection import Collection

    fresh = Collection(str(tmp_path / "fresh.anki2"))
    try:
        import_into(fresh, tmp_path / "out" / "Shared.apkg")
        assert {fresh.get_note(nid).guid for nid in fresh.find_notes("")} == set(guids.values())
        # The picture and the sound inside the package came along, under the names the cards give them.
        (cloze,) = [c for c in result.cards if c.note_type is NoteType.CLOZE]
        (name,) = re.findall(r'src="([^"]+)"', cloze.back)
        assert Path(fresh.media.dir(), name).read_bytes() == PICTURE
        (sound,) = re.findall(r"\[sound:([^\]]+)\]", built["H2O"].back)
        assert Path(fresh.media.dir(), sound).read_bytes() == SOUND
    finally:
        fresh.close()


def test_read__fields_past_the_second_are_added_to_the_back_by_name(collection: Any, tmp_path: Path) -> None:
    models = collection.models
    vocab = models.copy(models.by_name("Basic"))
    vocab["name"] = "Vocabulary"
    for name in ("Example", "Notes"):
        models.add_field(vocab, models.new_field(name))
    models.update_dict(vocab)
    note = collection.new_note(models.by_name("Vocabulary"))
    note["Front"], note["Back"], note["Example"], note["Notes"] = "la mer", "the sea", "Je vais à la mer.", ""
    collection.add_note(note, collection.decks.id("French"))
    data = _export(collection, tmp_path / "vocab.apkg", legacy=False)
    (card,) = anki_package.read(data, "vocab.apkg").cards
    assert card.back == "the sea<br><br>Example: Je vais à la mer."


def test_build__a_collection_package_in_the_default_deck_is_named_after_its_file(
    collection: Any, tmp_path: Path
) -> None:
    note = collection.new_note(collection.models.by_name("Basic"))
    note["Front"], note["Back"] = "What is a cell?", "The unit of life"
    collection.add_note(note, 1)  # Anki's "Default" deck
    collection.export_collection_package(str(tmp_path / "Biology.colpkg"), include_media=False, legacy=False)
    src = write_tree(tmp_path / "src", {"Biology.colpkg": (tmp_path / "Biology.colpkg").read_bytes()}, DECK)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    assert [(c.front, c.deck, c.guid) for c in result.cards] == [
        ("What is a cell?", "Shared::Biology", note.guid)
    ]


def test_read__an_add_reverse_switch_flags_the_card(collection: Any, tmp_path: Path) -> None:
    note = collection.new_note(collection.models.by_name("Basic (optional reversed card)"))
    note["Front"], note["Back"], note["Add Reverse"] = "H2O", "water", "y"
    collection.add_note(note, collection.decks.id("Chem"))
    (card,) = anki_package.read(_export(collection, tmp_path / "chem.apkg", legacy=True), "chem.apkg").cards
    assert (card.back, "reverse" in card.flags) == ("water", True)


def test_build__a_student_with_the_original_deck_gets_no_copies(collection: Any, tmp_path: Path) -> None:
    _fill(collection)
    data = _export(collection, tmp_path / "deck.apkg", legacy=False)
    build(write_tree(tmp_path / "src", {"deck.apkg": data}, DECK), tmp_path / "out", timestamp=1_700_000_000)
    from anki.collection import Collection

    student = Collection(str(tmp_path / "student.anki2"))
    try:
        import_into(student, tmp_path / "deck.apkg")
        log = import_into(student, tmp_path / "out" / "Shared.apkg").log
        assert (student.note_count(), len(log.new), len(log.conflicting)) == (3, 0, 3)
    finally:
        student.close()


def test_build__a_package_this_project_wrote_reads_back_whole(tmp_path: Path) -> None:
    text = "Biology Flashcards\nWhat is a cell?\nThe unit of life.\nWhat holds the DNA?\nThe nucleus.\n"
    first = build(
        write_tree(tmp_path / "a", {"bio.txt": text}, DECK), tmp_path / "out-a", timestamp=1_700_000_000
    )
    package = (tmp_path / "out-a" / "Shared.apkg").read_bytes()
    second = build(
        write_tree(tmp_path / "b", {"Shared.apkg": package}, DECK),
        tmp_path / "out-b",
        timestamp=1_700_000_000,
    )
    assert sorted((c.guid, c.back, c.deck) for c in second.cards) == sorted(
        (c.guid, c.back, c.deck) for c in first.cards
    )


def test_build__a_format_or_setting_named_for_a_package_is_a_warning(tmp_path: Path) -> None:
    text = "Biology Flashcards\nWhat is a cell?\nThe unit of life.\n"
    build(write_tree(tmp_path / "a", {"bio.txt": text}, DECK), tmp_path / "out-a", timestamp=1_700_000_000)
    package = (tmp_path / "out-a" / "Shared.apkg").read_bytes()
    deck = DECK + '[files."bio.apkg"]\nformat = "csv"\nseparator = ";"\nlecture = "L1"\n'
    result = build(write_tree(tmp_path / "b", {"bio.apkg": package}, deck), tmp_path / "out-b", timestamp=1)
    (warning,) = result.warnings
    assert "format = 'csv', separator = ';' do(es) not apply to an Anki package" in warning.message
    assert [(c.front, c.deck) for c in result.cards] == [("What is a cell?", "Shared::L1")]


@pytest.mark.parametrize("legacy", [False, True], ids=["anki21b", "anki21"])
def test_build__a_damaged_picture_in_a_package_costs_only_the_card_that_shows_it(
    collection: Any, tmp_path: Path, legacy: bool
) -> None:
    """A picture damaged inside a package stopped the whole build when the package was written."""
    _fill(collection)
    data = bytearray(_export(collection, tmp_path / "deck.apkg", legacy=legacy))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        member, _ = anki_package.media(bytes(data))["cell.png"]
        info = archive.getinfo(member)
    data[info.header_offset + 30 + len(info.filename) + len(info.extra)] ^= 0xFF  # its first byte
    src = write_tree(tmp_path / "src", {"deck.apkg": bytes(data)}, DECK)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    messages = [w.message for w in result.warnings]
    assert messages[0].startswith("deck.apkg: its media file 'cell.png' cannot be read (")
    assert messages[1:] == ["image 'cell.png' reported: deck.apkg/cell.png is damaged and cannot be read"]
    # The parse cache keeps what was found: a rebuild reports the same.
    again = build(src, tmp_path / "out", timestamp=1_700_000_000)
    assert [w.message for w in again.warnings] == messages
    by_text = {c.front: c for c in result.cards}
    assert "[missing image: cell.png]" in by_text["{{c1::Mitochondria}} make {{c2::ATP}}"].back
    assert by_text["{{c1::Mitochondria}} make {{c2::ATP}}"].flags == {"media-missing"}
    # Anki reads the package whole: every note, and the sound, which was not damaged.
    from anki.collection import Collection

    fresh = Collection(str(tmp_path / "fresh.anki2"))
    try:
        import_into(fresh, tmp_path / "out" / "Shared.apkg")
        assert len(fresh.find_notes("")) == 3
        (sound,) = re.findall(r"\[sound:([^\]]+)\]", by_text["H2O"].back)
        assert os.listdir(fresh.media.dir()) == [sound]
    finally:
        fresh.close()


def test_build__a_damaged_package_is_a_warning_and_the_rest_builds(tmp_path: Path) -> None:
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("collection.anki21", b"SQLite format 3\x00 but nothing after")
    good = "Biology Flashcards\nWhat is a cell?\nThe unit of life.\n"
    src = write_tree(tmp_path / "src", {"broken.apkg": damaged.getvalue(), "bio.txt": good}, DECK)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    (warning,) = result.warnings
    assert warning.message.startswith("broken.apkg: an Anki package that cannot be read: collection.anki21")
    assert [c.front for c in result.cards] == ["What is a cell?"]


def test_media__only_flat_names_anki_could_have_written() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki21", b"")
        for member in "0123":
            archive.writestr(member, b"x")
        names = {"0": "ok.png", "1": "../../etc/passwd", "2": "a\\b.png", "3": "..", "4": "absent.png"}
        archive.writestr("media", json.dumps(names))
    assert anki_package.media(buffer.getvalue()) == {"ok.png": ("0", False)}


def test_is_package__other_zips_and_text_are_not_packages() -> None:
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("notes.txt", "What is a cell?\tThe unit of life\n")
    assert not anki_package.is_package(plain.getvalue())
    assert not anki_package.is_package(b"PK\x03\x04 truncated")
    assert not anki_package.is_package(b"Front\tBack\n")


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (b"\x08\x01\x1a\x02ab", 1),
        (b"\x1a\x02ab", 0),
        (b"\x10\x05\x08\x01", 1),
        (b"", 0),
        (b"\x0d\x00\x00\x00\x00\x08\x01", 1),
    ],
)
def test_proto_field__reads_a_note_type_kind(message: bytes, kind: int) -> None:
    assert anki_package._proto_field(message, 1) == kind


def _own_package(tmp_path: Path) -> bytes:
    text = "Biology Flashcards\nWhat is a cell?\nThe unit of life.\nWhat holds the DNA?\nThe nucleus.\n"
    build(
        write_tree(tmp_path / "own", {"bio.txt": text}, DECK), tmp_path / "own-out", timestamp=1_700_000_000
    )
    return (tmp_path / "own-out" / "Shared.apkg").read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=40
    )
)
def test_read__a_damaged_collection_raises_package_error_or_reads(
    tmp_path_factory: pytest.TempPathFactory, damage: list[tuple[int, int]]
) -> None:
    """Bytes of the database changed anywhere: the reader says the package cannot be read, or reads
    what it can; it never fails in another way (which the build would report as a reader bug)."""
    package = _PACKAGE.get("bytes") or _PACKAGE.setdefault(
        "bytes", _own_package(tmp_path_factory.mktemp("p"))
    )
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        database = bytearray(archive.read("collection.anki2"))
    for at, value in damage:
        database[at % len(database)] = value
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as archive:
        archive.writestr("collection.anki2", bytes(database))
    with contextlib.suppress(anki_package.PackageError):
        anki_package.read(rewritten.getvalue(), "damaged.apkg")


_PACKAGE: dict[str, bytes] = {}


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE col SET models = '{'",
        "UPDATE col SET models = '[]'",
        'UPDATE col SET models = \'{"1": {"name": "x"}}\'',
        'UPDATE col SET decks = \'{"1": {"name": null}}\'',
        "UPDATE col SET ver = 'x'",
        "DELETE FROM col",
        "DELETE FROM cards",
        "DROP TABLE notes",
        "UPDATE notes SET flds = X'00FF'",
        "UPDATE notes SET mid = 7",
    ],
)
def test_read__a_collection_damaged_in_its_content_is_read_or_refused(tmp_path: Path, damage: str) -> None:
    """Damage that keeps a valid database: the reader reads what it can (each note it cannot use is
    reported, so every note is accounted for) or raises PackageError, never anything else."""
    with zipfile.ZipFile(io.BytesIO(_own_package(tmp_path))) as archive:
        db = sqlite3.connect(":memory:")
        db.deserialize(archive.read("collection.anki2"))
    db.execute(damage)
    db.commit()
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as archive:
        archive.writestr("collection.anki2", db.serialize())
    try:
        result = anki_package.read(rewritten.getvalue(), "damaged.apkg")
    except anki_package.PackageError:
        return
    notes = db.execute("SELECT count(*) FROM notes").fetchone()[0]
    accounted = {c.source.first for c in result.cards} | {f.where.first for f in result.findings if f.where}
    assert set(range(1, notes + 1)) <= accounted


def test_build__rebuilding_from_its_own_package_changes_nothing(tmp_path: Path) -> None:
    """The build is a fixed point: its package, read back as the only source, gives the same notes
    (text, GUIDs, decks, tags) and finds nothing more to fix, merge or leave out."""
    from benchmarks.generate import generate

    generate(tmp_path / "src", 1500)
    (tmp_path / "src" / "deck.toml").write_text('[collection]\nname = "Shared"\n', encoding="utf-8")
    first = build(tmp_path / "src", tmp_path / "out", timestamp=1_700_000_000, write_ledger=False)
    package = (tmp_path / "out" / "Shared.apkg").read_bytes()
    second = build(
        write_tree(tmp_path / "again", {"Shared.apkg": package}, '[collection]\nname = "Shared"\n'),
        tmp_path / "out-again",
        timestamp=1_700_000_000,
        write_ledger=False,
    )

    def notes(cards: tuple[Any, ...]) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
        return sorted(
            (c.guid, c.front, c.back, c.deck, tuple(t for t in c.tags if not t.startswith("source::")))
            for c in cards
        )

    assert len(first.cards) > 1000 and notes(second.cards) == notes(first.cards)
    kinds = {f.kind for f in second.findings}
    assert not kinds & {"typo", "merge", "conflict", "excluded", "warning", "error"}


@pytest.mark.parametrize("damage", ["cut short", "no collection"])
def test_build__a_package_cut_short_is_reported_as_a_damaged_package(
    collection: Any, tmp_path: Path, damage: str
) -> None:
    """A download cut short was reported as "binary data, not text", with advice to export text."""
    _fill(collection)
    data = _export(collection, tmp_path / "deck.apkg", legacy=False)
    if damage == "cut short":
        data = data[: len(data) // 2]
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("media", b"{}")
        data = buffer.getvalue()
    good = "Biology Flashcards\nWhat is a cell?\nThe unit of life.\n"
    src = write_tree(tmp_path / "src", {"deck.apkg": data, "bio.txt": good}, DECK)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    (warning,) = result.warnings
    assert warning.message.startswith("deck.apkg: an Anki package that cannot be read: ")
    assert warning.message.endswith("skipped — export it again from Anki")
