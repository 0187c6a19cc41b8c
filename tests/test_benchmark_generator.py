"""The benchmark's source-tree generator: deterministic, in the seed layouts, and buildable."""

from __future__ import annotations

from pathlib import Path

from benchmarks.generate import DUPLICATE_RATE, generate
from genanki_build.build import build


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generate__same_seed_gives_the_same_tree(tmp_path: Path) -> None:
    generate(tmp_path / "a", 400, seed=3)
    generate(tmp_path / "b", 400, seed=3)
    generate(tmp_path / "c", 400, seed=4)
    assert _tree_bytes(tmp_path / "a") == _tree_bytes(tmp_path / "b")
    assert _tree_bytes(tmp_path / "a") != _tree_bytes(tmp_path / "c")


def test_generate__writes_the_three_layouts(tmp_path: Path) -> None:
    stats = generate(tmp_path, 3000)
    assert stats.cards == 3000
    assert set(stats.layouts) == {"quizlet", "brainscape", "anki"}
    texts = [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.txt")]
    assert len(texts) == stats.files > 6
    assert any(t.startswith("#separator:tab\n#html:false\n") for t in texts)
    assert any("\nHow well did you know this?\n1\nNot at all\n2\n3\n4\n5\nPerfectly" in t for t in texts)
    assert any(t.split("\n", 1)[0].endswith(" Flashcards") and "\nQ\n" not in t for t in texts)
    # About 3% copies, and some typos.
    assert 0.5 * DUPLICATE_RATE * 3000 < stats.duplicates < 2 * DUPLICATE_RATE * 3000
    assert stats.typos > 0


def test_generate__tree_builds_to_about_n_notes(tmp_path: Path) -> None:
    n = 1500
    stats = generate(tmp_path / "src", n)
    result = build(tmp_path / "src", tmp_path / "out", timestamp=1_700_000_000, write_ledger=False)
    # Duplicates merge away; a parser may still split or join the odd multi-line card.
    assert 0.85 * n <= len(result.cards) + len(result.excluded) <= n
    assert len(result.cards) >= n - stats.duplicates - 0.05 * n
    assert len({c.deck for c in result.cards}) >= 3
