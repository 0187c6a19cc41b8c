"""The package writer: its notes and cards rows are the ones genanki itself would write.

``package.py`` inserts notes and cards itself (genanki writes one row per statement, which is slow at
100,000 notes), so these tests write the same cards with genanki's own ``Note`` and compare the tables.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import genanki
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build import package
from genanki_build.check import import_into
from genanki_build.errors import BuildError
from genanki_build.export import note_fields
from genanki_build.model import Card, NoteType, SourceRef
from genanki_build.notetypes import note_types
from genanki_build.package import _genanki_model, stable_id, write_package

NAME, NAMESPACE, TIMESTAMP = "Test Course", "test-namespace", 1_700_000_000
Row = tuple[Any, ...]


def _card(
    front: str,
    back: str = "",
    *,
    cloze: bool = False,
    reverse: bool = False,
    deck: str = "Course::One",
    tags: tuple[str, ...] = (),
    mtime: int = 0,
) -> Card:
    return Card(
        front=front,
        back=back,
        source=SourceRef("notes.txt", 1, 1),
        format="test",
        note_type=NoteType.CLOZE if cloze else NoteType.BASIC,
        deck=deck,
        tags=tags,
        guid=str(stable_id("guid", front, back, deck)),
        flags=frozenset({"reverse"}) if reverse else frozenset(),
        mtime=mtime,
    )


def _tables(db: sqlite3.Connection) -> tuple[list[Row], list[Row]]:
    notes = db.execute("SELECT * FROM notes ORDER BY id").fetchall()
    cards = db.execute("SELECT * FROM cards ORDER BY id").fetchall()
    return notes, cards


def _written_db(cards: list[Card], tmp_path: Path) -> sqlite3.Connection:
    apkg = write_package(
        cards, tmp_path / "out.apkg", collection=NAME, namespace=NAMESPACE, timestamp=TIMESTAMP
    ).path
    db = sqlite3.connect(":memory:")
    db.deserialize(zipfile.ZipFile(apkg).read("collection.anki2"))
    return db


def _written(cards: list[Card], tmp_path: Path) -> tuple[list[Row], list[Row]]:
    return _tables(_written_db(cards, tmp_path))


def _genanki_db(cards: list[Card]) -> sqlite3.Connection:
    """The same cards written by genanki's own Note/Deck/Package, as package.py did before."""
    specs = note_types(NAME)
    models = {key: _genanki_model(spec, NAMESPACE) for key, spec in specs.items()}
    decks: dict[str, genanki.Deck] = {}
    for card in cards:
        deck = decks.setdefault(card.deck, genanki.Deck(stable_id(NAMESPACE, "deck", card.deck), card.deck))
        key = card.note_type.value
        deck.add_note(
            genanki.Note(
                model=models[key],
                fields=note_fields(card),
                tags=list(card.tags),
                guid=card.guid,
            )
        )
    package = genanki.Package([decks[name] for name in sorted(decks)])
    for model in models.values() if package.decks else ():
        package.decks[0].add_model(model)  # every note type, used or not
    db = sqlite3.connect(":memory:")
    package.write_to_db(db.cursor(), TIMESTAMP, itertools.count(TIMESTAMP * 1000))
    return db


def _genanki_wrote(cards: list[Card]) -> tuple[list[Row], list[Row]]:
    return _tables(_genanki_db(cards))


def _col(db: sqlite3.Connection) -> tuple[Any, Any]:
    decks, models = db.execute("SELECT decks, models FROM col").fetchone()
    return json.loads(decks), json.loads(models)


MIXED = [
    _card("Capital of Freedonia?", "Fredville", tags=("geo", "capitals")),
    _card("mitosis", "cell division into two identical cells", reverse=True, deck="Course::Two"),
    _card("osmosis", "", reverse=True, deck="Course::Two"),
    _card("The {{c1::heart}} has {{c2::four}} chambers.", "anatomy", cloze=True),
    # Cloze numbers out of order: genanki numbers the cards in set order, and card IDs follow it.
    _card("{{c9::Nine}} before {{c1::one}} and {{c3::three}}", cloze=True, deck="Another"),
    _card("A cloze note with no cloze at all", cloze=True, deck="Another"),
    _card("{{c0::zero}} is not a card; {{c2::two}} is", cloze=True),
    _card("Empty answer", "", tags=("x",)),
]


def test_write_package__notes_and_cards_match_genanki(tmp_path: Path) -> None:
    assert _written(MIXED, tmp_path) == _genanki_wrote(MIXED)


def test_write_package__rows_over_many_statements_match_genanki(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows go in thousands to a statement; a last, shorter statement takes the rest."""
    monkeypatch.setattr(package, "_ROWS_PER_INSERT", 3)
    assert _written(MIXED, tmp_path) == _genanki_wrote(MIXED)


def test_write_package__decks_and_note_types_match_genanki(tmp_path: Path) -> None:
    """Each deck's JSON, and each note type's with the ``did`` of the last deck using it."""
    for cards in (MIXED, MIXED[:3], [_card("q", "a", deck=name) for name in ("B", "A", "C")]):
        assert _col(_written_db(cards, tmp_path)) == _col(_genanki_db(cards))


def test_write_package__a_card_not_flagged_reverse_gets_no_reverse_card(tmp_path: Path) -> None:
    unflagged = [replace(c, flags=c.flags - {"reverse"}) for c in MIXED]
    notes, cards = _written(unflagged, tmp_path)
    assert (notes, cards) == _genanki_wrote(unflagged)
    basic = {n[0] for n in notes if n[2] == stable_id(NAMESPACE, "notetype", NoteType.BASIC.value)}
    assert {c[3] for c in cards if c[1] in basic} == {0}


def test_write_package__cards_per_note(tmp_path: Path) -> None:
    """Read by hand: reverse adds ord 1 only with a back; cloze cards are the cN numbers minus one."""
    notes, cards = _written(MIXED, tmp_path)
    ords = {note[1]: sorted(c[3] for c in cards if c[1] == note[0]) for note in notes}
    guid = {card.front: card.guid for card in MIXED}
    assert ords[guid["Capital of Freedonia?"]] == [0]
    assert ords[guid["mitosis"]] == [0, 1]
    assert ords[guid["osmosis"]] == [0]
    assert ords[guid["The {{c1::heart}} has {{c2::four}} chambers."]] == [0, 1]
    assert ords[guid["{{c9::Nine}} before {{c1::one}} and {{c3::three}}"]] == [0, 2, 8]
    assert ords[guid["A cloze note with no cloze at all"]] == []
    assert ords[guid["{{c0::zero}} is not a card; {{c2::two}} is"]] == [1]


def test_write_package__note_and_cards_carry_the_card_mtime(tmp_path: Path) -> None:
    cards = [_card("old", "one", mtime=1_600_000_000, reverse=True), _card("new", "two")]
    notes, rows = _written(cards, tmp_path)
    assert [n[3] for n in notes] == [1_600_000_000, TIMESTAMP]
    assert [c[4] for c in rows] == [1_600_000_000, 1_600_000_000, TIMESTAMP]


def test_write_package__tag_with_space_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="space"):
        _written([_card("q", "a", tags=("two words",))], tmp_path)


def test_write_package__no_cards(tmp_path: Path) -> None:
    assert _written([], tmp_path) == ([], [])


def test_write_package__anki_imports_every_card(tmp_path: Path, collection: Any) -> None:
    apkg = write_package(
        MIXED, tmp_path / "out.apkg", collection=NAME, namespace=NAMESPACE, timestamp=TIMESTAMP
    )
    import_into(collection, apkg.path)
    # 1 + 2 + 1 + 2 + 3 + 0 + 1 + 1 cards, read from MIXED above; Anki keeps even the card-less note.
    assert collection.card_count() == 11
    assert collection.note_count() == len(MIXED)


_text = st.sampled_from(["", "a", "b c", "{{c1::x}}", "{{c2::y}}", "{{c12::z}}", "{{c0::n}}", "<b>t</b>"])


@st.composite
def _cards(draw: st.DrawFn) -> list[Card]:
    cards = []
    for i in range(draw(st.integers(0, 12))):
        cloze = draw(st.booleans())
        front = "".join(draw(st.lists(_text, max_size=4)))
        back = draw(_text)
        deck = draw(st.sampled_from(["A", "A::B", "C"]))
        tags = tuple(draw(st.lists(st.sampled_from(["t1", "t2", "a::b"]), max_size=2, unique=True)))
        card = _card(f"{i}{front}", back, cloze=cloze, reverse=draw(st.booleans()), deck=deck, tags=tags)
        cards.append(card)
    return cards


@settings(max_examples=60, deadline=None)
@given(cards=_cards())
def test_write_package__any_cards_match_genanki(
    tmp_path_factory: pytest.TempPathFactory, cards: list[Card]
) -> None:
    assert _written(cards, tmp_path_factory.mktemp("p")) == _genanki_wrote(cards)


def test_write_package__a_media_file_gone_since_the_build_began_is_a_one_line_error(tmp_path: Path) -> None:
    media = {"gone.png": tmp_path / "gone.png"}
    with pytest.raises(BuildError) as raised:
        write_package(
            MIXED[:1],
            tmp_path / "out.apkg",
            collection=NAME,
            namespace=NAMESPACE,
            timestamp=TIMESTAMP,
            media=media,
        )
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'gone.png'}: cannot be read (") and "\n" not in message
    assert message.endswith("restore the file, or export the package again, then rebuild")
    assert list(tmp_path.iterdir()) == []  # no package, and no temporary file left


def test_write_package__zip_holds_collection_media_index_and_media(tmp_path: Path) -> None:
    (tmp_path / "b.png").write_bytes(b"\x89PNG second" * 50)
    (tmp_path / "a.mp3").write_bytes(b"ID3 first")
    media = {"b.png": tmp_path / "b.png", "a.mp3": tmp_path / "a.mp3"}
    apkg = write_package(
        MIXED[:2],
        tmp_path / "out.apkg",
        collection=NAME,
        namespace=NAMESPACE,
        timestamp=TIMESTAMP,
        media=media,
    ).path
    with zipfile.ZipFile(apkg) as zf:
        assert zf.testzip() is None  # every CRC checks out
        assert zf.namelist() == ["collection.anki2", "media", "0", "1"]
        assert json.loads(zf.read("media")) == {"0": "a.mp3", "1": "b.png"}
        assert zf.read("0") == b"ID3 first"
        assert zf.read("1") == b"\x89PNG second" * 50
        # 1700000000 is 2023-11-14 22:13:20 UTC.
        assert {info.date_time for info in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert {info.external_attr >> 16 for info in zf.infolist()} == {0o644}
        assert {info.compress_type for info in zf.infolist()} == {zipfile.ZIP_DEFLATED}


def test_write_package__same_cards_give_the_same_bytes(tmp_path: Path) -> None:
    first = write_package(
        MIXED, tmp_path / "a.apkg", collection=NAME, namespace=NAMESPACE, timestamp=TIMESTAMP
    )
    second = write_package(
        MIXED, tmp_path / "b.apkg", collection=NAME, namespace=NAMESPACE, timestamp=TIMESTAMP
    )
    assert first.path.read_bytes() == second.path.read_bytes()


def test_write_package__zip_past_the_zip32_limits_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """zip64 is not written: past 4 GiB (here a lowered limit) the build stops and leaves no file."""
    monkeypatch.setattr(package, "_ZIP_LIMIT", 1000)
    with pytest.raises(BuildError, match="4 GiB"):
        write_package(MIXED, tmp_path / "out.apkg", collection=NAME, namespace=NAMESPACE, timestamp=TIMESTAMP)
    assert list(tmp_path.iterdir()) == []


def test_write_package__dates_before_1980_are_written_as_1980(tmp_path: Path) -> None:
    """Zip dates start in 1980; a timestamp of 0 (1970) would not fit the date field."""
    apkg = write_package(
        MIXED[:1], tmp_path / "out.apkg", collection=NAME, namespace=NAMESPACE, timestamp=0
    ).path
    with zipfile.ZipFile(apkg) as zf:
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
