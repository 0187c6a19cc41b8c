"""Lists of frozen, slotted dataclass instances stored column by column, for the parse cache.

A large build keeps about half a million cards, findings and source references in its parse
cache. Pickled one object at a time, each costs a Python-level call to write and another to read
(the frozen ``__init__``). Stored as columns, one list per field, they pickle as plain lists of
strings and numbers, and are rebuilt with one C-level pass per field: :func:`decode` makes empty
instances and writes each field's slot over all of them at once, as the dataclass ``__init__``
itself would (the classes stored here have no ``__post_init__`` and no field with ``init=False``).

A column whose values are all the same scalar (or all the same empty container) is stored once; a
column whose values are all instances of one dataclass is stored as columns in turn. The result of
:func:`decode` equals the list given to :func:`encode`, value for value and type for type.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from itertools import repeat
from operator import attrgetter
from typing import Any

#: Column kinds.
_SAME, _LIST, _NESTED = 0, 1, 2
#: Scalar types whose equal values are interchangeable (same type, same value, same behaviour).
_SCALARS = (str, int, float, bool, type(None), Enum)

#: ``encode``'s result: the class, how many instances, and one column per field.
Columns = tuple[type[Any], int, tuple[tuple[int, Any], ...]]


#: Field names by class (``dataclasses.fields`` is slow enough to matter once per column).
_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _same(values: list[Any], kinds: set[type[Any]]) -> bool:
    """True when every value can stand for every other: one scalar, enum member or empty container
    (``kinds`` holds the values' types)."""
    first = values[0]
    if len(kinds) != 1 or not (
        isinstance(first, _SCALARS) or (isinstance(first, tuple | frozenset) and not first)
    ):
        return False
    return values.count(first) == len(values)


def _column(values: list[Any]) -> tuple[int, Any]:
    kinds = set(map(type, values))
    if _same(values, kinds):
        return _SAME, values[0]
    kind = type(values[0])
    if dataclasses.is_dataclass(kind) and len(kinds) == 1:
        return _NESTED, encode(values)
    return _LIST, values


def encode(objects: Sequence[Any]) -> Columns | None:
    """``objects`` (instances of one frozen, slotted dataclass) as columns; None for no objects."""
    if not objects:
        return None
    cls = type(objects[0])
    if len(set(map(type, objects))) != 1:
        raise TypeError(f"columns hold instances of one class, not {cls.__name__} and others")
    columns = tuple(_column(list(map(attrgetter(name), objects))) for name in _field_names(cls))
    return cls, len(objects), columns


def _writer(cls: type[Any], name: str) -> Callable[[Any, Any], None]:
    # The slot's descriptor writes past the frozen __setattr__, as the dataclass __init__ does.
    setter: Callable[[Any, Any], None] = getattr(cls, name).__set__
    return setter


def decode(columns: Columns | None) -> list[Any]:
    """The objects :func:`encode` was given, rebuilt."""
    if columns is None:
        return []
    cls, count, fields = columns
    names = _field_names(cls)
    if len(names) != len(fields):
        raise ValueError(f"columns for {cls.__name__} do not match its fields")
    objects = list(map(object.__new__, repeat(cls, count)))
    for name, (kind, data) in zip(names, fields, strict=True):
        if kind == _SAME:
            values: Iterable[Any] = repeat(data, count)
        else:
            column: list[Any] = decode(data) if kind == _NESTED else data
            if len(column) != count:
                raise ValueError(f"column {cls.__name__}.{name} has the wrong length")
            values = column
        deque(map(_writer(cls, name), objects, values), maxlen=0)
    return objects


def same(value: Any) -> tuple[int, Any]:
    """A column holding ``value`` for every object (for :func:`build`)."""
    return _SAME, value


def each(values: list[Any]) -> tuple[int, Any]:
    """A column holding one value per object, in order (for :func:`build`)."""
    return _LIST, values


def nested(cls: type[Any], count: int, *fields: tuple[int, Any]) -> tuple[int, Any]:
    """A column of ``count`` instances of ``cls``, given field by field (for :func:`build`)."""
    return _NESTED, (cls, count, fields)


def build(cls: type[Any], count: int, *fields: tuple[int, Any]) -> list[Any]:
    """``count`` new instances of ``cls`` from one column per field, in the fields' order: what
    calling ``cls`` on each row would make, without a Python-level call per object."""
    return decode((cls, count, fields))
