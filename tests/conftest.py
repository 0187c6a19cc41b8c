"""Shared fixtures: throw-away Anki collections, source trees, and the corpus location."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
CORPUS = ROOT.parent / "shared" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Any]:
    """A fresh, empty Anki collection, closed afterwards."""
    anki_collection = pytest.importorskip("anki.collection")
    col = anki_collection.Collection(str(tmp_path / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()


def write_tree(root: Path, files: Mapping[str, str | bytes], deck_toml: str | None = None) -> Path:
    """Write ``files`` (relative path to text or bytes) under ``root``; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    if deck_toml is not None:
        (root / "deck.toml").write_text(deck_toml, encoding="utf-8")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def corpus() -> Path:
    """The third-party corpus folder; skips the test when it is not beside the project."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS
