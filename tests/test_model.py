"""The card model: :func:`genanki_build.model.evolve` is :func:`dataclasses.replace`, faster."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.model import Card, Finding, Markup, NoteType, SourceRef, evolve

_text = st.text(max_size=12)
_refs = st.builds(SourceRef, _text, st.integers(1, 99), st.integers(1, 99))
_findings = st.builds(Finding, _text, _text, _text, st.none() | _refs, _text, _text)
_cards = st.builds(
    Card,
    front=_text,
    back=_text,
    source=_refs,
    format=_text,
    note_type=st.sampled_from(NoteType),
    markup=st.sampled_from(Markup),
    deck=_text,
    tags=st.tuples(_text),
    guid=_text,
    guid_given=st.booleans(),
    also_from=st.tuples(_refs),
    flags=st.frozensets(_text, max_size=3),
    findings=st.tuples(_findings),
    mtime=st.integers(0, 2**40),
)
_changes = st.fixed_dictionaries(
    {},
    optional={
        "front": _text,
        "back": _text,
        "deck": _text,
        "guid": _text,
        "tags": st.tuples(_text),
        "flags": st.frozensets(_text, max_size=3),
        "mtime": st.integers(0, 2**40),
        "source": _refs,
    },
)


@settings(max_examples=150)
@given(_cards, _changes)
def test_evolve__equals_dataclasses_replace(card: Card, changes: dict[str, object]) -> None:
    new = evolve(card, **changes)
    assert new == replace(card, **changes)  # type: ignore[arg-type]
    assert type(new) is Card
    assert hash(new.source) == hash(replace(card, **changes).source)  # type: ignore[arg-type]


def test_evolve__leaves_the_original_unchanged() -> None:
    card = Card("q", "a", SourceRef("f.txt", 1, 2), "csv")
    new = evolve(card, front="Q", tags=("t",))
    assert (card.front, card.tags) == ("q", ())
    assert (new.front, new.back, new.tags, new.source) == ("Q", "a", ("t",), card.source)


def test_evolve__copy_is_still_frozen() -> None:
    new = evolve(SourceRef("f.txt", 1, 2), last=3)
    assert str(new) == "f.txt:1-3"
    with pytest.raises(AttributeError):
        new.first = 9  # type: ignore[misc]


def test_evolve__unknown_field__type_error() -> None:
    with pytest.raises(TypeError, match="no field 'colour'"):
        evolve(SourceRef("f.txt", 1, 2), colour="red")


def test_evolve__one_field_class() -> None:
    """attrgetter of one name returns the value, not a one-tuple; evolve must not unpack it."""

    @dataclass(frozen=True, slots=True)
    class One:
        text: str

    assert evolve(One("ab")) == One("ab")
    assert evolve(One("ab"), text="cd") == One("cd")
