"""Build source/ and let real Anki judge the package."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from genanki_build.build import build
from genanki_build.check import import_into
from tests.conftest import SOURCE, write_tree


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("out")
    result = build(SOURCE, out, timestamp=1_700_000_000, write_ledger=False)
    return out, result


def test_build__seeds_import_into_anki(seed_build: tuple[Path, Any], collection: Any) -> None:
    out, result = seed_build
    log = import_into(collection, out / "Marketing.apkg").log
    assert len(log.new) == len(result.cards) > 0
    names = {d.name for d in collection.decks.all_names_and_ids()}
    lectures = {c.deck for c in result.cards}
    assert lectures <= names
    assert all(name.startswith("Marketing::") for name in lectures)
    # Three Quizlet copies and one Brainscape copy: one subdeck each; the article gives none.
    assert len(lectures) == 4
    used = {collection.models.get(collection.get_note(n).mid)["name"] for n in collection.find_notes("")}
    assert used <= {"Marketing Basic", "Marketing Cloze"}
    assert collection.note_count() == len(result.cards)


def test_build__anki_sees_fields_and_tags(seed_build: tuple[Path, Any], collection: Any) -> None:
    out, _ = seed_build
    import_into(collection, out / "Marketing.apkg")
    nids = collection.find_notes('"Front:What is social CRM?"')
    assert len(nids) == 1
    note = collection.get_note(nids[0])
    assert note["Back"].startswith("A social CRM strategy is a form of collaborative interaction")
    assert "How well did you know this" not in note["Back"]
    assert "lecture::L04" in note.tags
    assert "source::brainscape-page" in note.tags
    deck = collection.decks.name(collection.get_card(note.card_ids()[0]).did)
    assert deck == "Marketing::L4 Customer Experience and CRM in the digital age"


def test_build__writes_jsonl_with_documented_keys(seed_build: tuple[Path, Any]) -> None:
    out, result = seed_build
    lines = (out / "cards.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(result.cards)
    record = json.loads(lines[0])
    assert {"guid", "note_type", "deck", "fields", "tags", "source", "status"} <= set(record)
    assert set(record["source"]) == {"file", "lines"}


def test_build__article_gives_no_cards_and_is_reported(seed_build: tuple[Path, Any]) -> None:
    _, result = seed_build
    prose = [f for f in result.files if f.format == "prose"]
    assert len(prose) == 1 and prose[0].cards == 0
    assert not [c for c in result.cards if c.source.file == prose[0].path]
    reasons = {f.message for f in result.findings if f.where and f.where.file == prose[0].path}
    assert any("Markdown" in r for r in reasons)


def test_build__same_epoch_gives_identical_bytes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SOURCE, src)
    build(src, tmp_path / "a", timestamp=1_700_000_000)
    build(src, tmp_path / "b", timestamp=1_700_000_000)
    for name in ("Marketing.apkg", "cards.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_build__outputs_the_last_build_made_and_this_one_does_not_are_removed(tmp_path: Path) -> None:
    """After the collection was renamed, the old package stayed beside the new one, and `make
    release` checked and hashed both; an old CHANGES.md stayed after a build without --against."""
    src = write_tree(
        tmp_path / "src",
        {"bio.csv": "front,back\nWhat is a cell?,The unit of life\n"},
        '[collection]\nname = "Bio"\nnamespace = "tests/stale"\n',
    )
    out = tmp_path / "out"
    first = build(src, out, timestamp=1_700_000_000)
    build(src, out, timestamp=1_700_000_000, against=out / "Bio.apkg")
    assert (out / "CHANGES.md").exists()
    (out / "mine.txt").write_text("the user's own", encoding="utf-8")
    (src / "deck.toml").write_text(
        '[collection]\nname = "Biology"\nnamespace = "tests/stale"\n', encoding="utf-8"
    )
    renamed = build(src, out, timestamp=1_700_000_000)
    assert sorted(p.name for p in renamed.stale) == ["Bio.apkg", "CHANGES.md"]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "Biology.apkg",
        "cards.jsonl",
        "mine.txt",
        "report.html",
        "report.json",
    ]
    assert first.stale == ()
