"""The parse cache: hits, misses, invalidation, corruption, deletion, and the worker pool."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from genanki_build.build import build
from genanki_build.cache import CACHE_DIR, ParseCache, parse_all
from genanki_build.formats import default_registry
from genanki_build.parsing import FileResult, Head, prepare_file
from genanki_build.sources import read_sources
from tests.conftest import write_tree

QUIZLET = """L2: Pricing Basics Flashcards
What is a price ceiling?
The highest price a seller may legally charge.
What is a price floor?
The lowest price a seller may legally charge.
"""

BRAINSCAPE = """L3: Channels Flashcards

1
Q

What is a distribution channel?

A

The route a product takes from maker to buyer.

How well did you know this?
1
Not at all
2
3
4
5
Perfectly
"""

ANKI = "#separator:tab\n#html:false\nWhat is a margin?\tPrice minus cost.\nWhat is a markup?\tMargin over cost.\n"


def _tree(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path / "src",
        {"a/quizlet.txt": QUIZLET, "b/brainscape.txt": BRAINSCAPE, "c/L5_Margins.txt": ANKI},
        deck_toml='[collection]\nname = "Test"\n',
    )


def _parse(src: Path, out: Path, names: list[str] | None = None) -> tuple[ParseCache, list[FileResult]]:
    sources = read_sources(src)
    registry = default_registry()
    cache = ParseCache(out, sources.config, names if names is not None else registry.names())
    return cache, list(parse_all(sources.files, sources.config, registry, cache=cache, pool=False))


def test_parse_cache__second_parse_hits_every_file(tmp_path: Path) -> None:
    src, out = _tree(tmp_path), tmp_path / "out"
    first, fresh = _parse(src, out)
    assert (first.hits, first.misses) == (0, 3)
    second, cached = _parse(src, out)
    assert (second.hits, second.misses) == (3, 0)
    assert cached == fresh


def test_parse_cache__changed_file_is_parsed_again(tmp_path: Path) -> None:
    src, out = _tree(tmp_path), tmp_path / "out"
    _parse(src, out)
    (src / "a" / "quizlet.txt").write_text(QUIZLET.replace("legally", "lawfully"), encoding="utf-8")
    cache, results = _parse(src, out)
    assert (cache.hits, cache.misses) == (2, 1)
    fronts_backs = [(c.front, c.back) for r in results for c in r.parsed.cards]
    assert ("What is a price floor?", "The lowest price a seller may lawfully charge.") in fronts_backs


def test_parse_cache__renamed_file_is_parsed_again(tmp_path: Path) -> None:
    """Cards carry their file's path, so the same bytes under a new name must not reuse the entry."""
    src, out = _tree(tmp_path), tmp_path / "out"
    _parse(src, out)
    (src / "a" / "quizlet.txt").rename(src / "a" / "pricing.txt")
    cache, results = _parse(src, out)
    assert cache.misses == 1
    files = {c.source.file for r in results for c in r.parsed.cards}
    assert "a/pricing.txt" in files and "a/quizlet.txt" not in files


def test_parse_cache__deck_toml_change_invalidates_every_entry(tmp_path: Path) -> None:
    src, out = _tree(tmp_path), tmp_path / "out"
    _parse(src, out)
    (src / "deck.toml").write_text('[collection]\nname = "Test"\n[parse]\nnoise = ["Click to flip"]\n')
    cache, _ = _parse(src, out)
    assert (cache.hits, cache.misses) == (0, 3)


def test_parse_cache__other_format_registry_invalidates(tmp_path: Path) -> None:
    src, out = _tree(tmp_path), tmp_path / "out"
    _parse(src, out)
    cache, _ = _parse(src, out, names=[*default_registry().names(), "another-format"])
    assert (cache.hits, cache.misses) == (0, 3)


def test_parse_cache__corrupted_entries_are_ignored_and_replaced(tmp_path: Path) -> None:
    src, out = _tree(tmp_path), tmp_path / "out"
    _, fresh = _parse(src, out)
    entries = sorted((out / CACHE_DIR / "parse").iterdir())
    assert len(entries) == 3
    entries[0].write_bytes(b"not a pickle")
    entries[1].write_bytes(entries[1].read_bytes()[:20])  # truncated
    entries[2].write_bytes(b"\x80\x05K\x01.")  # a valid pickle of the wrong thing (the int 1)
    cache, results = _parse(src, out)
    assert (cache.hits, cache.misses) == (0, 3)
    assert results == fresh
    again, _ = _parse(src, out)
    assert again.hits == 3


def test_parse_cache__unused_entries_are_pruned(tmp_path: Path) -> None:
    src, out = _tree(tmp_path), tmp_path / "out"
    _parse(src, out)
    (src / "b" / "brainscape.txt").unlink()
    _parse(src, out)
    assert len(list((out / CACHE_DIR / "parse").iterdir())) == 2


def test_parse_cache__deleting_it_is_safe(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    build(src, tmp_path / "a", timestamp=1_700_000_000, write_ledger=False)
    assert (tmp_path / "a" / CACHE_DIR / "parse").is_dir()
    build(src, tmp_path / "a", timestamp=1_700_000_000, write_ledger=False)  # from the cache
    cached = {n: (tmp_path / "a" / n).read_bytes() for n in ("cards.jsonl", "Test.apkg")}
    shutil.rmtree(tmp_path / "a" / CACHE_DIR)
    build(src, tmp_path / "a", timestamp=1_700_000_000, write_ledger=False)
    for name, data in cached.items():
        assert (tmp_path / "a" / name).read_bytes() == data, name


def test_parse_all__pool_gives_the_same_results_in_order(tmp_path: Path) -> None:
    files = {f"f{i:02d}/quizlet.txt": QUIZLET.replace("price", f"price {i}") for i in range(6)}
    src = write_tree(tmp_path / "src", files, deck_toml='[collection]\nname = "Test"\n')
    sources = read_sources(src)
    registry = default_registry()
    pooled = parse_all(sources.files, sources.config, registry, pool=True)
    serial = [prepare_file(s, sources.config, registry) for s in sources.files]
    assert pooled == serial


def test_parse_all__reports_progress_per_file(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    sources = read_sources(src)
    calls: list[tuple[str, int, int]] = []
    parse_all(
        sources.files, sources.config, default_registry(), progress=lambda *a: calls.append(a), pool=False
    )
    assert calls == [("parse", 0, 3), ("parse", 1, 3), ("parse", 2, 3), ("parse", 3, 3)]


def test_parse_cache__changed_parsing_code_invalidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, out = _tree(tmp_path), tmp_path / "out"
    _parse(src, out)
    monkeypatch.setattr("genanki_build.cache.code_fingerprint", lambda: "another version of the parsers")
    cache, _ = _parse(src, out)
    assert (cache.hits, cache.misses) == (0, 3)


def test_parse_cache__key_is_the_same_in_every_process() -> None:
    """The key once hashed repr(config), whose set order changes with each process's string hashing:
    every build missed the cache as soon as deck.toml listed [typos] keep words."""
    script = (
        "from genanki_build.cache import _config_key\n"
        "from genanki_build.config import parse_config\n"
        'c = parse_config(\'[typos]\\nkeep = ["alpha", "beta", "gamma", "delta", "epsilon"]\\n\')\n'
        "print(_config_key(c, ['x'], None))\n"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(keys) == 1


def test_parse_all__pool_entries_read_back_as_the_serial_results(tmp_path: Path) -> None:
    """Workers send back finished cache entries; what the parent keeps and what a later build reads
    from them must equal parsing in this process."""
    files: dict[str, str | bytes] = {
        f"f{i:02d}/page.txt": (BRAINSCAPE if i % 2 else QUIZLET).replace("price", f"price {i}")
        for i in range(6)
    }
    src = write_tree(tmp_path / "src", files, deck_toml='[collection]\nname = "Test"\n')
    sources = read_sources(src)
    registry = default_registry()
    serial = [prepare_file(s, sources.config, registry) for s in sources.files]
    cache = ParseCache(tmp_path / "out", sources.config, registry.names())
    assert parse_all(sources.files, sources.config, registry, cache=cache, pool=True) == serial
    again = ParseCache(tmp_path / "out", sources.config, registry.names())
    assert parse_all(sources.files, sources.config, registry, cache=again, pool=True) == serial
    assert (again.hits, again.misses) == (6, 0)


#: The head of the default pipeline: the per-card stages a build runs on each file as it parses it.
HEAD = Head(("clean", "incomplete", "lectures"))
#: Cards the head stages have something to say about: a repair, a picture-only answer, a lecture.
MESSY = """L4: Promotion Flashcards
What is advertising?
Paid -> non-personal promotion of a product.
What does this chart show?
See picture
What are the four Ps of marketing?
Product, price, place and promotion
"""


def _head_tree(tmp_path: Path) -> Path:
    files: dict[str, str | bytes] = {
        f"f{i:02d}/messy.txt": MESSY.replace("Paid", f"Paid {i}") for i in range(4)
    }
    files["g/brainscape.txt"] = BRAINSCAPE
    return write_tree(tmp_path / "src", files, deck_toml='[collection]\nname = "Test"\n')


def test_parse_all__head_stages_run_per_file_as_the_pipeline_runs_them(tmp_path: Path) -> None:
    """The head stages, run file by file while parsing (in workers, and read back from the cache),
    give the cards and findings the pipeline gives when it runs them over all the cards at once."""
    from genanki_build import pipeline
    from genanki_build.stage import Context

    sources = read_sources(_head_tree(tmp_path))
    registry = default_registry()
    plain = [prepare_file(s, sources.config, registry) for s in sources.files]
    context = Context(config=sources.config)
    expected = pipeline.run(
        [c for f in plain for c in f.parsed.cards],
        context,
        stages=[(n, pipeline.stage(n)) for n in HEAD.names],
    )
    assert any(f.kind == "fix" for f in expected.findings)  # the tree gives the head work to do
    assert any(f.kind == "excluded" for f in expected.findings)
    cache = ParseCache(tmp_path / "out", sources.config, registry.names(), HEAD)
    for attempt, pool in (("workers", True), ("cache", False), ("serial", False)):
        if attempt == "serial":
            cache = None  # type: ignore[assignment]
        done = parse_all(sources.files, sources.config, registry, cache=cache, pool=pool, head=HEAD)
        cards = tuple(c for f in done for c in f.parsed.cards)
        by_stage = [tuple(x for f in done for x in f.findings[k]) for k in range(len(HEAD.names))]
        assert cards == expected.cards, attempt
        assert tuple(x for found in by_stage for x in found) == expected.findings, attempt
    assert cache is None


def test_parse_cache__other_head_stages_or_include_incomplete_invalidate(tmp_path: Path) -> None:
    sources = read_sources(_head_tree(tmp_path))
    registry = default_registry()
    for head, hits in ((HEAD, 0), (HEAD, 5), (Head(("clean",)), 0), (Head(HEAD.names, True), 0)):
        cache = ParseCache(tmp_path / "out", sources.config, registry.names(), head)
        parse_all(sources.files, sources.config, registry, cache=cache, pool=False, head=head)
        assert cache.hits == hits, head


def test_build__from_the_cache_finds_what_a_cold_build_finds(tmp_path: Path) -> None:
    """A warm build takes the head stages' findings, and cloze's worked out ahead, from the cache:
    the report must not lose them."""
    src = _head_tree(tmp_path)
    cold = build(src, tmp_path / "out", timestamp=1_700_000_000, write_ledger=False)
    warm = build(src, tmp_path / "out", timestamp=1_700_000_000, write_ledger=False)
    assert warm.findings == cold.findings
    assert warm.cards == cold.cards and warm.excluded == cold.excluded
    assert {"clean", "incomplete", "cloze"} <= {f.stage for f in warm.findings}


def test_config__pickles_for_the_parse_workers() -> None:
    """Workers get deck.toml's Config; its read-only mappings pickled as the ``mappingproxy`` class,
    which pickle cannot name, so a start method that pickles (spawn, forkserver) failed."""
    import pickle

    import genanki_build.cache  # noqa: F401  (registers how Config's mappings pickle)
    from genanki_build.config import parse_config

    config = parse_config(
        '[collection]\nname = "T"\n[typos]\nfix = { teh = "the" }\n[files."a.txt"]\nformat = "csv"\n'
    )
    assert pickle.loads(pickle.dumps(config)) == config
