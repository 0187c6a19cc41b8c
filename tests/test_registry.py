"""The format registry."""

from __future__ import annotations

import pytest

from genanki_build.formats import Format, Registry, RegistryError, default_registry
from genanki_build.model import ParseResult


def _fmt(name: str, score: float) -> Format:
    return Format(name, "test", lambda text: score, lambda text, src, opts: ParseResult(()))


def test_registry__registering_a_name_twice_is_an_error() -> None:
    registry = Registry([_fmt("a", 0.1)])
    with pytest.raises(RegistryError, match="'a' is already registered"):
        registry.register(_fmt("a", 0.2))


def test_registry__sniff_picks_the_best_score() -> None:
    registry = Registry([_fmt("low", 0.1), _fmt("high", 0.9)])
    assert registry.sniff("anything")[0].name == "high"


def test_registry__unknown_name_lists_known_ones() -> None:
    with pytest.raises(RegistryError, match=r"known formats: .*prose"):
        default_registry().get("nope")


def test_registry__default_names_are_unique() -> None:
    names = default_registry().names()
    assert len(names) == len(set(names))
