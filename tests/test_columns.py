"""Column storage of cards and findings for the parse cache: what goes in comes out, exactly."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build import columns
from genanki_build.formats._lines import cards_all, skipped, skipped_all
from genanki_build.model import Card, Finding, Markup, NoteType, SourceRef

_TEXT = st.text(max_size=12)
_REF = st.builds(SourceRef, st.sampled_from(["a.txt", "b/c.md"]), st.integers(0, 9), st.integers(0, 9))
_FINDING = st.builds(
    Finding,
    st.sampled_from(["quizlet-page", "read"]),
    st.sampled_from(["skipped", "warning"]),
    _TEXT,
    st.none() | _REF,
    _TEXT,
    _TEXT,
)
_CARD = st.builds(
    Card,
    front=_TEXT,
    back=_TEXT,
    source=_REF,
    format=st.sampled_from(["anki-text", "csv"]),
    note_type=st.sampled_from(NoteType),
    markup=st.sampled_from(Markup),
    title=_TEXT,
    tags=st.lists(_TEXT, max_size=2).map(tuple),
    guid=_TEXT,
    guid_given=st.booleans(),
    identity=_TEXT,
    also_from=st.lists(_REF, max_size=2).map(tuple),
    flags=st.frozensets(st.sampled_from(["incomplete", "reverse"])),
    findings=st.lists(_FINDING, max_size=2).map(tuple),
    mtime=st.integers(0, 2**40),
    media=st.lists(_TEXT, max_size=2).map(tuple),
)


def _roundtrip(objects: list[Any]) -> list[Any]:
    return columns.decode(pickle.loads(pickle.dumps(columns.encode(objects), protocol=5)))


def _assert_identical(got: list[Any], want: list[Any]) -> None:
    assert got == want
    # Equal is not enough: True == 1 and NoteType.BASIC == "basic", so check every field's type.
    for a, b in zip(got, want, strict=True):
        assert type(a) is type(b)
        for name in a.__slots__:
            assert type(getattr(a, name)) is type(getattr(b, name)), name


@settings(max_examples=150, deadline=None)
@given(st.lists(_CARD, max_size=6))
def test_columns__cards_come_back_equal(cards: list[Card]) -> None:
    _assert_identical(_roundtrip(cards), cards)


@settings(max_examples=150, deadline=None)
@given(st.lists(_FINDING, max_size=6))
def test_columns__findings_come_back_equal(findings: list[Finding]) -> None:
    _assert_identical(_roundtrip(findings), findings)


def test_columns__equal_values_of_other_types_are_not_merged() -> None:
    """A column of 0 and False (equal in Python) must not come back as two zeros."""
    refs = [SourceRef("a", 0, 0), SourceRef("a", False, 0)]
    _assert_identical(_roundtrip(refs), refs)


def test_columns__nothing_to_store_is_none() -> None:
    assert columns.encode([]) is None
    assert columns.decode(None) == []


def test_columns__mixed_classes_are_refused() -> None:
    with pytest.raises(TypeError, match="one class"):
        columns.encode([SourceRef("a", 1, 1), Finding("s", "k", "m")])


def test_columns__wrong_length_column_is_an_error() -> None:
    cls, count, cols = columns.encode([SourceRef("a", 1, 1), SourceRef("a", 2, 3)])  # type: ignore[misc]
    with pytest.raises(ValueError, match="wrong length"):
        columns.decode((cls, count + 1, cols))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10**6), _TEXT, _TEXT), max_size=8))
def test_skipped_all__same_findings_as_one_by_one(skips: list[tuple[int, str, str]]) -> None:
    one_by_one = [skipped("quizlet-page", "a.txt", n, line, why) for n, line, why in skips]
    _assert_identical(skipped_all("quizlet-page", "a.txt", skips), one_by_one)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT, st.integers(1, 10**6), st.integers(1, 10**6)), max_size=8), _TEXT)
def test_cards_all__same_cards_as_one_by_one(rows: list[tuple[str, str, int, int]], title: str) -> None:
    one_by_one = [
        Card(front, back, SourceRef("a.txt", first, last), "quizlet-page", title=title)
        for front, back, first, last in rows
    ]
    _assert_identical(cards_all("quizlet-page", "a.txt", title, rows), one_by_one)
