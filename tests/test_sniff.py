"""Sniffing skips formats that cannot win: the answer must be what scoring every format gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.decode import decode
from genanki_build.formats import Format, Registry, default_registry
from genanki_build.formats.base import sniff_sample
from genanki_build.model import ParseResult
from tests.conftest import FIXTURES, SOURCE


def _every_score(registry: Registry, text: str) -> tuple[Format, float]:
    """The best format when every detector runs (the definition sniffing must keep)."""
    sample = sniff_sample(text)
    best, best_score = None, -1.0
    for fmt in registry:
        score = fmt.detect(sample)
        if score > best_score:
            best, best_score = fmt, score
    assert best is not None
    return best, best_score


def _texts(*roots: Path) -> list[tuple[str, str]]:
    out = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in {".txt", ".md", ".csv", ".tsv"}:
                out.append((path.name, decode(path.read_bytes()).text))
    return out


def _assert_sniff_matches(texts: list[tuple[str, str]]) -> None:
    registry = default_registry()
    for name, text in texts:
        for fmt in registry:
            assert fmt.detect(sniff_sample(text)) <= fmt.ceiling, (name, fmt.name)
        fmt, score = registry.sniff(text)
        best, best_score = _every_score(registry, text)
        assert (fmt.name, score) == (best.name, best_score), name


def test_sniff__fixtures_and_seeds_score_as_with_every_detector() -> None:
    _assert_sniff_matches(_texts(FIXTURES / "formats", SOURCE))


def test_sniff__corpus_scores_as_with_every_detector(corpus: Path) -> None:
    _assert_sniff_matches(_texts(corpus))


def test_sniff__a_format_at_its_ceiling_is_not_overtaken_by_a_later_equal_one() -> None:
    """Ties go to the earlier format, so a later one whose ceiling equals the best is skipped."""
    calls: list[str] = []

    def fmt(name: str, score: float, ceiling: float) -> Format:
        def detect(text: str) -> float:
            calls.append(name)
            return score

        return Format(name, "test", detect, lambda text, src, opts: ParseResult(()), ceiling=ceiling)

    registry = Registry([fmt("first", 0.9, 0.9), fmt("capped", 0.9, 0.9), fmt("open", 0.95, 1.0)])
    assert registry.sniff("x") == (registry.get("open"), 0.95)
    assert calls == ["first", "open"]


_LINE = st.sampled_from(
    [
        "Q",
        "A",
        "1",
        "3",
        "Q: what is it?",
        "A: this",
        "What is the capital of a country?",
        "a. one",
        "b) two",
        "Answer: b",
        "term\tdefinition",
        "front,back",
        "#separator:tab",
        "#html:true",
        "## A heading?",
        "- a bullet #card",
        "  - child",
        "question::answer",
        "?",
        "START",
        "Basic",
        "Back: x",
        "END",
        "Some Topic Flashcards",
        "How well did you know this?",
        "Not at all",
        "Perfectly",
        "A long line of running prose that goes on and on about a subject, " * 3,
        "{{c1::cloze}} text",
        "",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINE, max_size=40))
def test_sniff__random_texts_score_as_with_every_detector(lines: list[str]) -> None:
    registry = default_registry()
    text = "\n".join(lines)
    for fmt in registry:
        assert fmt.detect(text) <= fmt.ceiling, fmt.name
    fmt, score = registry.sniff(text)
    best, best_score = _every_score(registry, text)
    assert (fmt.name, score) == (best.name, best_score)


@pytest.mark.parametrize("fmt", list(default_registry()), ids=lambda f: f.name)
def test_sniff__ceiling_is_a_score_in_range(fmt: Format) -> None:
    assert 0.0 < fmt.ceiling <= 1.0
