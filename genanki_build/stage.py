"""What every pipeline stage receives and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType

from genanki_build.config import Config
from genanki_build.model import Card, Finding


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """What the ledger (``cards.lock``) remembers of one note between builds."""

    guid: str
    """The note's GUID."""
    fingerprint: str
    """A hash of the note as last written (fields, tags, note type): equal means unchanged."""
    mtime: int
    """When that content last changed (seconds since the epoch); the note's Anki modification time."""
    file: str
    """The source file it came from, relative to the source folder."""
    front: str
    """Its front as last built, as plain text (tags stripped), for similarity matching."""
    back: str
    """Its back as last built, as plain text, for similarity matching."""
    first: int = 0
    """First source line of the card when last built."""
    last: int = 0
    """Last source line of the card when last built."""
    note_type: str = "basic"
    """``basic`` or ``cloze``."""
    removed: int = 0
    """When the note left the sources (that build's time); 0 while it is in them. A removed note's
    entry is kept: the same card restored (a file emptied by mistake, a card deleted and added back)
    gets its GUID back instead of reaching students as a new note beside their old one."""


@dataclass(frozen=True, slots=True)
class Context:
    """Read-only inputs a stage may consult; stages do no I/O of their own."""

    config: Config = field(default_factory=Config)
    """The collection's ``deck.toml``."""
    build_time: int = 0
    """``SOURCE_DATE_EPOCH`` or the wall clock, fixed once per build."""
    ledger: MappingProxyType[str, LedgerEntry] = field(default_factory=lambda: MappingProxyType({}))
    """The previous build's ledger, by GUID (empty on a first build)."""
    include_incomplete: bool = False
    """Keep cards that only point at a missing picture (``--include-incomplete``)."""
    media: frozenset[str] = frozenset()
    """Media files present in the source tree, relative to it."""
    unreadable: frozenset[str] = frozenset()
    """Media files of :attr:`media` that cannot be read (damaged inside an Anki package): a card
    that shows one reports it missing."""
    summaries: MappingProxyType[str, object] = field(default_factory=lambda: MappingProxyType({}))
    """By source file, what :data:`genanki_build.pipeline.SUMMARIES` worked out from its cards for
    the first stage to run, when a build did that as it parsed the file. Only that stage sees them
    (:func:`genanki_build.pipeline.run` empties them after it); it gives the same result without."""


@dataclass(frozen=True, slots=True)
class StageResult:
    """A stage's output: the new cards, and what it has to report."""

    cards: tuple[Card, ...]
    """The cards after the stage."""
    findings: tuple[Finding, ...] = ()
    """Build-level findings (card-level ones also go onto each card's ``findings``)."""


Stage = Callable[[tuple[Card, ...], Context], StageResult]
