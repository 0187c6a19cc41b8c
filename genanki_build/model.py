"""The one canonical card model every stage passes along.

Everything here is immutable. A stage never mutates a card; it returns a new one made with
:func:`evolve` (a faster :func:`dataclasses.replace`) and reports what it changed as
:class:`Finding` objects.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, TypeVar


class NoteType(StrEnum):
    """The two note types the project ships."""

    BASIC = "basic"
    CLOZE = "cloze"


class Markup(StrEnum):
    """How a card's field text is to be read when it is rendered to HTML."""

    TEXT = "text"
    """Plain text: escaped, line breaks and simple lists kept."""
    MARKDOWN = "markdown"
    """Markdown, rendered by the project's one configured MarkdownIt instance."""
    HTML = "html"
    """HTML declared by the export (for example Anki's ``#html:true``); sanitized, not escaped."""


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a piece of a card came from."""

    file: str
    """Path of the source file, relative to the source folder, with forward slashes."""
    first: int
    """First physical line (1-based) the piece spans."""
    last: int
    """Last physical line (1-based, inclusive) the piece spans."""

    def __str__(self) -> str:
        if self.first == self.last:
            return f"{self.file}:{self.first}"
        return f"{self.file}:{self.first}-{self.last}"


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a stage changed, doubted or skipped, with where and why."""

    stage: str
    """Name of the stage (or format) that produced the finding."""
    kind: str
    """A short machine-readable kind: ``fix``, ``typo``, ``merge``, ``conflict``, ``skipped``,
    ``excluded``, ``warning``, ``error``, ``info``, ``cloze``, ``suspect`` …"""
    message: str
    """One sentence a maintainer can read."""
    where: SourceRef | None = None
    """The source lines concerned, when there are any."""
    before: str = ""
    """The text before the change, when the finding is a change."""
    after: str = ""
    """The text after the change, when the finding is a change."""

    @property
    def is_warning(self) -> bool:
        """True when ``--strict`` should fail the build on this finding."""
        return self.kind in {"warning", "error", "conflict"}


@dataclass(frozen=True, slots=True)
class Card:
    """One note to be, as every stage sees it."""

    front: str
    """The question side (Basic) or the cloze text (Cloze), in :attr:`markup`."""
    back: str
    """The answer side (Basic) or the extra text shown after a cloze (Cloze), in :attr:`markup`."""
    source: SourceRef
    """The file and line range the card was parsed from."""
    format: str
    """Name of the input format that produced the card, e.g. ``quizlet-page``."""
    note_type: NoteType = NoteType.BASIC
    """Basic or Cloze."""
    markup: Markup = Markup.TEXT
    """How :attr:`front` and :attr:`back` are written."""
    deck: str = ""
    """Full deck path the note goes into (``Root::Lecture``); empty until the lectures stage."""
    lecture: str = ""
    """The lecture's display title, e.g. ``L3 Cell Biology``; empty when unknown."""
    title: str = ""
    """The export's own title line, as parsed (before any cleaning); empty when there is none."""
    tags: tuple[str, ...] = ()
    """Anki tags, hierarchical with ``::``; kept sorted and unique by the stages that add them."""
    guid: str = ""
    """The note's Anki GUID; empty until the ids stage, unless the source gave one."""
    guid_given: bool = False
    """True when :attr:`guid` came from the source itself (an Anki export's guid column)."""
    identity: str = ""
    """Text the first GUID is derived from: the card's raw parsed text, fixed before any repair."""
    also_from: tuple[SourceRef, ...] = ()
    """Further sources of the same card, merged into this one by the dedupe stage."""
    flags: frozenset[str] = field(default_factory=frozenset)
    """State markers, e.g. ``incomplete``, ``conflict``, ``media-missing``."""
    findings: tuple[Finding, ...] = ()
    """What the stages changed or doubted on this card."""
    mtime: int = 0
    """Seconds since the epoch when the content last changed: the note's Anki modification time.
    Set after the pipeline from the ledger (:func:`genanki_build.ledger.update`)."""
    media: tuple[str, ...] = ()
    """Media files the card refers to, relative to the source folder."""

    @property
    def status(self) -> str:
        """One word for ``cards.jsonl``: ``ok``, ``incomplete``, ``conflict`` or ``flagged``."""
        for flag in ("incomplete", "conflict"):
            if flag in self.flags:
                return flag
        # "reverse" is a choice (a reversed card is wanted), not a problem.
        return "flagged" if self.flags - {"reverse"} else "ok"


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a format's ``parse`` returns for one file."""

    cards: tuple[Card, ...]
    """The cards, in source order."""
    findings: tuple[Finding, ...] = ()
    """Lines skipped with a reason, and anything doubted."""
    title: str = ""
    """The export's title line, when the format has one."""


def coalesce_skipped(
    findings: Iterable[Finding], text: str, source: str, used: Iterable[SourceRef] = ()
) -> tuple[Finding, ...]:
    """``findings`` with each run of one-line ``skipped`` findings of ``source`` that share a stage
    and a reason, on consecutive lines, made into one finding over the run's range; its ``before``
    is the lines' texts joined with newlines (line ``first + i`` is ``before.split("\\n")[i]``).

    A run steps over blank lines of ``text`` (the file's text) that no other finding and no
    ``used`` range (the cards' sources) names, and over nothing else. A merged finding stands where
    the run's first finding stood; every other finding keeps its place. A page export skips a dozen
    lines of rating buttons between two cards: one finding says so, instead of a dozen.
    """
    items = list(findings)
    lines = text.split("\n")
    # busy[n]: line n is named by a card or a finding, so a run may not step over it.
    busy = bytearray(len(lines) + 2)
    # (stage, reason) -> (line, index) of each one-line skipped finding that may join a run.
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for ref in (*used, *(f.where for f in items if f.where is not None)):
        lo, hi = max(ref.first, 0), min(ref.last, len(lines))
        if ref.file == source and lo <= hi:
            busy[lo : hi + 1] = b"\x01" * (hi - lo + 1)
    for i, f in enumerate(items):
        where = f.where
        if (
            f.kind == "skipped"
            and where is not None
            and where.file == source
            and where.first == where.last
            and 1 <= where.first <= len(lines)
            and not f.after
            and "\n" not in f.before
        ):
            groups.setdefault((f.stage, f.message), []).append((where.first, i))

    def steps_over(last: int, line: int) -> bool:
        return last < line and all(not busy[n] and not lines[n - 1].strip() for n in range(last + 1, line))

    merged: dict[int, Finding] = {}
    dropped: set[int] = set()
    for members in groups.values():
        members.sort()
        runs: list[list[tuple[int, int]]] = []
        # Runs that a later line may still extend; a line skipped twice starts a second run.
        open_runs: list[list[tuple[int, int]]] = []
        for line, i in members:
            open_runs = [run for run in open_runs if run[-1][0] >= line or steps_over(run[-1][0], line)]
            run = next((run for run in open_runs if run[-1][0] < line), None)
            if run is None:
                run = [(line, i)]
                runs.append(run)
                open_runs.append(run)
            else:
                run.append((line, i))
        for run in runs:
            if len(run) < 2:
                continue
            texts = {line: items[i].before for line, i in run}
            lo, hi = run[0][0], run[-1][0]
            at = min(i for _, i in run)
            head = items[at]
            merged[at] = Finding(
                head.stage,
                "skipped",
                head.message,
                SourceRef(source, lo, hi),
                "\n".join(texts[n] if n in texts else lines[n - 1] for n in range(lo, hi + 1)),
            )
            dropped.update(i for _, i in run)
    return tuple(merged.get(i, f) for i, f in enumerate(items) if i in merged or i not in dropped)


_T = TypeVar("_T")


_Writers = tuple[
    Callable[[Any], tuple[Any, ...]],
    tuple[Callable[[Any, Any], None], ...],
    dict[str, Callable[[Any, Any], None]],
]
#: Per class: read every field, write every field in order, write one field by name.
_WRITERS: dict[type[Any], _Writers] = {}


def _slot_writers(cls: type[Any]) -> _Writers:
    names = [f.name for f in fields(cls)]
    writers = {name: getattr(cls, name).__set__ for name in names}
    read: Callable[[Any], tuple[Any, ...]] = (
        operator.attrgetter(*names) if len(names) > 1 else lambda obj: tuple(getattr(obj, n) for n in names)
    )
    return read, tuple(writers[n] for n in names), writers


def evolve(obj: _T, **changes: Any) -> _T:
    """A copy of the frozen, slotted dataclass ``obj`` with ``changes``: what
    :func:`dataclasses.replace` returns, about twice as fast.

    Stages make several hundred thousand copies of cards in a large build, and ``replace`` spends
    most of its time checking fields and going through the frozen ``__init__``. This writes the
    slots directly; the classes here have no ``__post_init__`` and no field with ``init=False``, so
    nothing is skipped. An unknown field name raises :class:`TypeError`, as ``replace`` does.
    """
    cls: type[Any] = type(obj)
    writers = _WRITERS.get(cls)
    if writers is None:
        writers = _WRITERS[cls] = _slot_writers(cls)
    read, write_all, write = writers
    new: _T = object.__new__(cls)
    for put, value in zip(write_all, read(obj), strict=True):
        put(new, value)
    for name, value in changes.items():
        try:
            write[name](new, value)
        except KeyError:
            raise TypeError(f"{cls.__name__} has no field {name!r}") from None
    return new
