"""The one canonical card model every stage passes along.

Everything here is immutable. A stage never mutates a card; it returns a new one made with
:func:`evolve` (a faster :func:`dataclasses.replace`) and reports what it changed as
:class:`Finding` objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from enum import StrEnum
from itertools import chain
from typing import Any, TypeVar


class NoteType(StrEnum):
    """The two note types the project ships."""

    BASIC = "basic"
    CLOZE = "cloze"


#: The opening of a cloze deletion, ``{{c1::``: what makes a field Anki's cloze markup.
CLOZE_OPEN = re.compile(r"\{\{c\d+::")
#: A whole deletion, ``{{c1::text}}`` or ``{{c1::text::hint}}``; group 1 is its text. Linear on
#: unclosed openers: a deletion's text never spans another ``{{``, ``}}`` or ``::``, so each opener
#: costs one short scan, not one to the end of the text (10,000 openers were quadratic).
CLOZE_DELETION = re.compile(r"\{\{c\d+::((?:[^{}:]|:(?!:)|\{(?!\{)|\}(?!\}))*)(?:::[^{}]*)?\}\}")


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
        if self.first <= 0:
            return self.file  # the whole file (a file-level finding)
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
    The ids stage sets it with the GUID (the ledger's time for a GUID it keeps, else the build time);
    :func:`genanki_build.ledger.update` makes it final once the note's content is known."""
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
    unreadable_media: tuple[str, ...] = ()
    """Media files the source holds that cannot be read (damaged inside an Anki package), by their
    path relative to the source folder: a card that shows one reports it missing."""


def coalesce_skipped(
    findings: Iterable[Finding], text: str, source: str, used: Iterable[SourceRef] = ()
) -> tuple[Finding, ...]:
    """``findings`` with each run of ``skipped`` findings of ``source`` that share a stage and a
    reason and follow each other line after line made into one finding over the run's range; its
    ``before`` is the lines' texts joined with newlines (line ``first + i`` is
    ``before.split("\\n")[i]``).

    A run steps over blank lines of ``text`` (the file's text) that no other finding and no
    ``used`` range (the cards' sources) names, and over nothing else. Runs follow the order the
    findings come in (parsers report lines in order); a line that does not come after its run's
    last starts a new run. A merged finding stands where the run's first finding stood; every
    other finding keeps its place. A page export skips a dozen lines of rating buttons between two
    cards: one finding says so, instead of a dozen.
    """
    items = tuple(findings)
    gaps = _Gaps(text, source, used, items)
    out: list[Finding | _Run] = []  # a run stands in place of the finding that starts it
    runs: dict[tuple[str, str], _Run] = {}  # the run each stage and reason may still extend
    for f in items:
        where = f.where
        if (
            f.kind != "skipped"
            or where is None
            or where.file != source
            or f.after
            or where.first < 1
            or f.before.count("\n") != where.last - where.first
        ):
            out.append(f)
            continue
        first = where.first
        key = (f.stage, f.message)
        run = runs.get(key)
        if run is not None and (first == run.last + 1 or (first > run.last and gaps.free(run.last, first))):
            run.texts += gaps.lines[run.last : first - 1]  # the blank lines stepped over, if any
            run.texts.append(f.before)
            run.last = where.last
        else:
            run = runs[key] = _Run(f, where.last)
            out.append(run)
    return tuple(entry.finding(source) if isinstance(entry, _Run) else entry for entry in out)


class _Run:
    """Skipped lines :func:`coalesce_skipped` is joining: the first finding, the last line so far,
    and the lines' texts."""

    __slots__ = ("first", "last", "texts")

    def __init__(self, first: Finding, last: int) -> None:
        self.first, self.last, self.texts = first, last, [first.before]

    def finding(self, source: str) -> Finding:
        """The first finding when nothing joined it, else one finding over the whole run."""
        f = self.first
        if len(self.texts) == 1 or f.where is None:
            return f
        where = SourceRef(source, f.where.first, self.last)
        return Finding(f.stage, "skipped", f.message, where, "\n".join(self.texts))


class _Gaps:
    """Which stretches of a file's lines a run of skipped lines may step over: blank lines no card
    and no finding names. Splits the text when a run first meets a gap, and works out which lines
    are named only when a gap is all blank."""

    def __init__(
        self, text: str, source: str, used: Iterable[SourceRef], findings: tuple[Finding, ...]
    ) -> None:
        self._text, self._source, self._used, self._findings = text, source, used, findings
        self._named: bytearray | None = None
        self.lines: list[str] = []
        """The file's lines, once a run has met a gap."""

    def free(self, last: int, first: int) -> bool:
        """True when every line after ``last`` and before ``first`` may be stepped over."""
        lines = self.lines or self._split()
        if first - 1 > len(lines) or lines[last].strip():
            return False  # the usual answer: the line after a run has text
        if any(lines[n - 1].strip() for n in range(last + 2, first)):
            return False
        named = self._named
        if named is None:
            named = self._named = self._work_out_named()
        return not any(named[last + 1 : first])

    def _split(self) -> list[str]:
        self.lines = self._text.split("\n")
        return self.lines

    def _work_out_named(self) -> bytearray:
        """``named[n]`` is 1 when a card or a finding names line ``n``."""
        size = len(self.lines)
        named = bytearray(size + 2)
        source = self._source
        for ref in chain(self._used, (f.where for f in self._findings if f.where is not None)):
            if ref.file != source:
                continue
            lo, hi = max(ref.first, 0), min(ref.last, size)
            if lo == hi:
                named[lo] = 1
            elif lo < hi:
                named[lo : hi + 1] = b"\x01" * (hi - lo + 1)
        return named


_T = TypeVar("_T")


_Copier = Callable[[Any, dict[str, Any]], Any]
#: By class and the names of the fields changed, in the order given: the copier (see :func:`_copier`).
_COPIERS: dict[tuple[type[Any], tuple[str, ...]], _Copier] = {}


def _copier(cls: type[Any], changed: tuple[str, ...]) -> _Copier:
    """A function ``copy(obj, changes)`` for the slotted dataclass ``cls`` that makes a new
    instance and writes each slot, from ``changes`` for the fields named in ``changed`` and from
    ``obj`` for the others, one line per field. It is written out once per class and set of
    changed fields, as :mod:`dataclasses` writes ``__init__``: without a loop, and without asking
    ``changes`` about fields it does not hold, it runs several times as fast as one over the
    fields. Field names are Python identifiers, so the source is safe."""
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(changed) - set(names))
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(map(repr, unknown))}")
    body = "".join(
        f"    put_{name}(new, changes[{name!r}])\n"
        if name in changed
        else f"    put_{name}(new, obj.{name})\n"
        for name in names
    )
    source = f"def copy(obj, changes):\n    new = make(cls)\n{body}    return new\n"
    namespace: dict[str, Any] = {"make": object.__new__, "cls": cls}
    namespace.update({f"put_{name}": getattr(cls, name).__set__ for name in names})
    exec(source, namespace)
    copy: _Copier = namespace["copy"]
    return copy


def evolve(obj: _T, **changes: Any) -> _T:
    """A copy of the frozen, slotted dataclass ``obj`` with ``changes``: what
    :func:`dataclasses.replace` returns, several times as fast.

    Stages make several hundred thousand copies of cards in a large build, and ``replace`` spends
    most of its time checking fields and going through the frozen ``__init__``. This writes the
    slots directly; the classes here have no ``__post_init__`` and no field with ``init=False``, so
    nothing is skipped. An unknown field name raises :class:`TypeError`, as ``replace`` does.
    """
    key = (type(obj), tuple(changes))
    copy = _COPIERS.get(key)
    if copy is None:
        copy = _COPIERS[key] = _copier(*key)
    new: _T = copy(obj, changes)
    return new
