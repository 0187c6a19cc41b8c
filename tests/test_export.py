"""`genanki-build export`: CSV/TSV with Anki's headers (so Anki's text importer updates), JSONL, Markdown."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.build import build
from genanki_build.check import import_into
from genanki_build.cli import main
from genanki_build.export import _jsonl_lines, card_record, iter_jsonl, to_markdown
from genanki_build.ledger import LEDGER_NAME
from genanki_build.model import Card, NoteType, SourceRef
from tests.conftest import write_tree
from tests.test_history import DECK_TOML, L1, L2, V1_TIME, brainscape

HEADERS = ["#html:true", "#guid column:1", "#notetype column:2", "#deck column:3", "#tags column:4"]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path / "src",
        {"l1.txt": brainscape("L1 Basics", L1), "l2.txt": brainscape("L2 Customers", L2)},
        DECK_TOML,
    )


def _export(source: Path, fmt: str, out: Path) -> str:
    result = CliRunner().invoke(main, ["export", str(source), "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize(("fmt", "sep", "delimiter"), [("csv", "comma", ","), ("tsv", "tab", "\t")])
def test_export__table_has_anki_headers_and_one_row_per_note(
    source: Path, tmp_path: Path, fmt: str, sep: str, delimiter: str
) -> None:
    text = _export(source, fmt, tmp_path / f"cards.{fmt}")
    lines = text.splitlines()
    assert lines[:6] == [f"#separator:{sep}", *HEADERS]
    rows = list(csv.reader(lines[6:], delimiter=delimiter))
    assert len(rows) == len(L1) + len(L2)
    first = rows[0]
    assert first[1:3] == ["History Basic", "History::L1 Basics"]
    assert first[4:6] == [L1[0][0], L1[0][1]]
    assert not (source / LEDGER_NAME).exists(), "export must not write the ledger"


def test_export__csv_import_updates_instead_of_duplicating(
    source: Path, tmp_path: Path, collection: Any
) -> None:
    from anki.collection import ImportCsvRequest

    build(source, tmp_path / "out", timestamp=V1_TIME)
    import_into(collection, tmp_path / "out" / "History.apkg")
    edited = brainscape("L1 Basics", [(L1[0][0], "A group of buyers with alike needs."), *L1[1:]])
    write_tree(source, {"l1.txt": edited})
    path = tmp_path / "cards.csv"
    _export(source, "csv", path)
    metadata = collection.get_csv_metadata(path=str(path), delimiter=None)
    log = collection.import_csv(ImportCsvRequest(path=str(path), metadata=metadata)).log
    assert len(log.new) == 0
    assert len(log.updated) == 1
    assert collection.note_count() == len(L1) + len(L2)
    (nid,) = collection.find_notes(f'"Front:{L1[0][0]}"')
    assert collection.get_note(nid)["Back"] == "A group of buyers with alike needs."


def test_export__jsonl_matches_cards_jsonl(source: Path, tmp_path: Path) -> None:
    build(source, tmp_path / "out", timestamp=V1_TIME)
    text = _export(source, "jsonl", tmp_path / "export.jsonl")
    assert text == (tmp_path / "out" / "cards.jsonl").read_text(encoding="utf-8")
    assert json.loads(text.splitlines()[0])["fields"]["Front"] == L1[0][0]


def test_export__markdown_has_a_section_per_deck(source: Path, tmp_path: Path) -> None:
    text = _export(source, "md", tmp_path / "cards.md")
    assert text.startswith("# History\n")
    assert "## History::L1 Basics" in text and "## History::L2 Customers" in text
    assert f"- **Q:** {L2[0][0]}\n  **A:** {L2[0][1]}" in text


def test_to_markdown__one_section_a_deck_even_when_its_cards_are_apart() -> None:
    def card(front: str, deck: str) -> Card:
        return Card(front, "answer", SourceRef("f.txt", 1, 1), "test", deck=deck)

    text = to_markdown([card("Q1", "C::A"), card("Q2", "C::B"), card("Q3", "C::A")], "C")
    assert text == (
        "# C\n\n## C::A\n\n- **Q:** Q1\n  **A:** answer\n- **Q:** Q3\n  **A:** answer\n"
        "\n## C::B\n\n- **Q:** Q2\n  **A:** answer\n"
    )


def test_export__prints_to_stdout_without_out(source: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(source), "--format", "tsv"])
    assert result.exit_code == 0
    assert result.output.startswith("#separator:tab\n#html:true\n")


def test_export__missing_folder_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such folder" in result.output


_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from('"\\\n\t\x00\u2028')
)
# Neighbouring cards often share a deck, a file or tags (the writer encodes those once per run).
_SHARED = st.sampled_from(["", "L1", 'Deck::L1 "Cells"']) | _TEXT
_REF = st.builds(SourceRef, _SHARED, st.integers(0, 10**6), st.integers(0, 10**6))


@st.composite
def _cards(draw: st.DrawFn) -> Card:
    return Card(
        front=draw(_TEXT),
        back=draw(_TEXT),
        source=draw(_REF),
        format="p",
        note_type=draw(st.sampled_from(NoteType)),
        deck=draw(_SHARED),
        tags=tuple(draw(st.lists(_SHARED, max_size=3))),
        guid=draw(_TEXT),
        also_from=tuple(draw(st.lists(_REF, max_size=2))),
        flags=frozenset(draw(st.sets(st.sampled_from(["reverse", "incomplete", "conflict", "odd"])))),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(_cards(), max_size=4))
def test_iter_jsonl__matches_json_dumps_of_card_record(cards: list[Card]) -> None:
    expected = [json.dumps(card_record(c), ensure_ascii=False, sort_keys=True) + "\n" for c in cards]
    assert list(_jsonl_lines(cards)) == expected
    assert "".join(iter_jsonl(cards)) == "".join(expected)


@pytest.mark.parametrize("reverse", [False, True])
def test_build__cards_jsonl_holds_the_fields_the_package_holds(tmp_path: Path, reverse: bool) -> None:
    """A card its source asks a reverse card for (an "Add Reverse" y in an Anki export) gets it
    whatever deck.toml says: without the option, it lost it silently. cards.jsonl says what the
    package says either way."""
    text = "#separator:tab\n#html:false\nH2O\twater\ty\nNaCl\tsalt\t\n"
    deck = (
        f'[collection]\nname = "J"\nnamespace = "test/jsonl"\n[options]\nreverse = {str(reverse).lower()}\n'
    )
    src = write_tree(tmp_path / "src", {"chem.txt": text}, deck)
    build(src, tmp_path / "out", timestamp=1_700_000_000)
    lines = (tmp_path / "out" / "cards.jsonl").read_text(encoding="utf-8").splitlines()
    in_jsonl = {r["fields"]["Front"]: r["fields"]["Add Reverse"] for r in map(json.loads, lines)}
    with zipfile.ZipFile(tmp_path / "out" / "J.apkg") as archive:
        db = sqlite3.connect(":memory:")
        db.deserialize(archive.read("collection.anki2"))
    in_package = {f.split("\x1f")[0]: f.split("\x1f")[2] for (f,) in db.execute("SELECT flds FROM notes")}
    # With the option, every term/definition card gets a reverse card too.
    assert in_jsonl == in_package == ({"H2O": "y", "NaCl": "y"} if reverse else {"H2O": "y", "NaCl": ""})


def test_iter_jsonl__a_thousand_lines_a_piece_none_lost() -> None:
    cards = [Card(f"q{n}", "a", SourceRef("f.txt", n, n), "p", deck="D") for n in range(1, 2502)]
    pieces = list(iter_jsonl(cards))
    assert [piece.count("\n") for piece in pieces] == [1000, 1000, 501]
    assert [json.loads(line)["fields"]["Front"] for line in "".join(pieces).splitlines()] == [
        f"q{n}" for n in range(1, 2502)
    ]
