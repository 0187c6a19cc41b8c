"""Parsing the source files: each decoded, its format detected (or forced by ``deck.toml``) and
parsed, and the stages at the head of the pipeline run on its cards (:class:`Head`), many files at
once in worker processes and from the parse cache where it can be (:mod:`genanki_build.cache`).

Never raises for bad content: a file that cannot be used becomes findings and a :class:`FileReport`
saying why.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from genanki_build import pipeline
from genanki_build.cache import ParseCache, Progress, parse_all
from genanki_build.config import CONFIG_NAME, Config, did_you_mean
from genanki_build.decode import decode
from genanki_build.errors import BuildError
from genanki_build.formats import ParseOptions, Registry, anki_package, default_registry
from genanki_build.formats.base import DEFAULT_NOISE, Format, RegistryError
from genanki_build.model import Card, Finding, ParseResult, SourceRef, coalesce_skipped, evolve
from genanki_build.sources import SourceFile, Sources
from genanki_build.stage import Context

#: Below this score no format is trusted; the file is reported as unrecognised.
MIN_SCORE = 0.2
#: A card longer than this (front and back, in characters) is not a flashcard but a parse gone
#: wrong or a pasted document; it is reported instead of packaged, and kept out of every stage.
MAX_CARD_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class FileReport:
    """What the build made of one source file."""

    path: str
    """Path relative to the source folder."""
    encoding: str = ""
    """The encoding used to decode it."""
    format: str = ""
    """The input format detected (or forced)."""
    score: float = 0.0
    """The detection score."""
    cards: int = 0
    """Cards parsed from it."""
    lines: int = 0
    """Non-blank lines in it."""
    skipped: int = 0
    """Non-blank lines reported instead of used."""
    problem: str = ""
    """Why the file could not be used, if it could not."""


@dataclass(frozen=True, slots=True)
class Head:
    """The stages a build runs on each file as it parses it (:func:`pipeline.head`), and the one
    setting they may read besides ``deck.toml``."""

    names: tuple[str, ...] = ()
    """Stage names, in pipeline order; all in :data:`pipeline.PER_CARD`."""
    include_incomplete: bool = False
    """``--include-incomplete``, or its ``deck.toml`` setting."""
    then: str = ""
    """The stage after them, when it has a per-file summary (:func:`pipeline.summarized`)."""
    ahead: str = ""
    """The per-card stage after that, worked out ahead on their cards (:func:`pipeline.ahead`)."""

    @property
    def timed(self) -> tuple[str, ...]:
        """The stages a file's :attr:`FileResult.seconds` are for: :attr:`names`, then :attr:`ahead`."""
        return (*self.names, self.ahead) if self.ahead else self.names


@dataclass(frozen=True, slots=True)
class FileResult:
    """One file parsed, with the :class:`Head` stages run on its cards."""

    parsed: ParseResult
    """Its cards, after the head stages, its parse findings and its title."""
    report: FileReport
    """What the build made of it."""
    findings: tuple[tuple[Finding, ...], ...] = ()
    """What each head stage found, one tuple per stage, in :attr:`Head.names` order."""
    seconds: tuple[float, ...] = field(default=(), compare=False)
    """How long each of :attr:`Head.timed` took on this file; empty for a result read from the cache."""
    summary: object = None
    """The summary of its cards for :attr:`Head.then` (:data:`pipeline.SUMMARIES`), if any."""
    ahead: tuple[tuple[int, Card], ...] = ()
    """:attr:`Head.ahead` run on its cards: by position, each card it made that is not the card it
    was given."""


@dataclass(frozen=True, slots=True)
class ParsedSources:
    """Every file parsed."""

    cards: tuple[Card, ...]
    """All cards, in file then source order."""
    findings: tuple[Finding, ...]
    """Skipped lines and file-level problems."""
    files: tuple[FileReport, ...]
    """One report per file."""
    head: Head = Head()
    """The stages already run on :attr:`cards`, file by file."""
    head_findings: tuple[Finding, ...] = ()
    """What they found: the first stage's findings over every file in order, then the next's …"""
    head_seconds: tuple[float, ...] = ()
    """How long each took, added up over the files parsed (not read from the cache) this time."""
    summaries: dict[str, object] = field(default_factory=dict)
    """By file, the summary of its cards for :attr:`Head.then`, for :attr:`Context.summaries`."""
    ahead: pipeline.Ahead | None = None
    """:attr:`Head.ahead`'s results on :attr:`cards`, for :func:`pipeline.run`."""
    unreadable_media: frozenset[str] = frozenset()
    """Every file's :attr:`ParseResult.unreadable_media`, for :attr:`Context.unreadable`."""


def parse_options(config: Config, path: str) -> ParseOptions:
    """The parse cues for one file: built-in noise plus ``deck.toml``'s, and per-file settings."""
    override = config.override(path)
    return ParseOptions(noise=DEFAULT_NOISE + config.noise, extra=dict(override.options))


def _with_identity(result: ParseResult) -> ParseResult:
    cards = tuple(
        card if card.identity else evolve(card, identity=f"{card.front}\x1f{card.back}")
        for card in result.cards
    )
    return replace(result, cards=cards)


def _without_oversize(result: ParseResult) -> ParseResult:
    """``result`` without cards over :data:`MAX_CARD_CHARS`, each reported with its lines."""
    big = [c for c in result.cards if len(c.front) + len(c.back) > MAX_CARD_CHARS]
    if not big:
        return result
    findings = list(result.findings)
    for card in big:
        size = len(card.front) + len(card.back)
        msg = (
            f"a card of {size:,} characters (over {MAX_CARD_CHARS:,}) is not a flashcard; "
            "left out — split the text into cards, or check the file's format"
        )
        findings.append(Finding("read", "warning", msg, card.source))
        findings.extend(
            Finding("read", "skipped", "part of an over-long card", SourceRef(card.source.file, n, n))
            for n in range(card.source.first, card.source.last + 1)
        )
    kept = tuple(c for c in result.cards if len(c.front) + len(c.back) <= MAX_CARD_CHARS)
    return replace(result, cards=kept, findings=tuple(findings))


def _unread_settings(path: str, options: Mapping[str, str], fmt: Format) -> tuple[Finding, ...]:
    """A warning for each setting of the file's ``deck.toml`` table its format does not read."""
    reads = ", ".join(sorted(fmt.settings)) or "none"
    findings: list[Finding] = []
    for key in sorted(options):
        if key in fmt.settings:
            continue
        msg = (
            f'{CONFIG_NAME} [files."{path}"]: {key!r} is not a setting of the {fmt.name} format '
            f"({did_you_mean(key, fmt.settings)}it reads: {reads}); ignored"
        )
        findings.append(Finding("read", "warning", msg, SourceRef(path, 0, 0)))
    return tuple(findings)


def _bug(path: str, what: str, exc: Exception) -> str:
    """The message for ``what`` failing on a file: a bug in genanki-build, which costs that file only."""
    detail = f"{type(exc).__name__}: {exc}"[:200]
    return f"{path}: {what} failed ({detail}); skipped — please report this bug"


def _read_package(
    source: SourceFile, forced: str, options: Mapping[str, str]
) -> tuple[ParseResult, FileReport]:
    """An Anki package: read from its bytes (:mod:`genanki_build.formats.anki_package`), whatever
    format or setting ``deck.toml`` names for it (a warning says they do not apply)."""
    name = anki_package.NAME
    ignored = [f"format = {forced!r}"] if forced and forced != name else []
    ignored += [f"{key} = {value!r}" for key, value in sorted(options.items())]
    notes: tuple[Finding, ...] = ()
    if ignored:
        msg = (
            f'{CONFIG_NAME} [files."{source.path}"]: {", ".join(ignored)} do(es) not apply to an Anki '
            "package, which is read as it is; ignored"
        )
        notes = (Finding("read", "warning", msg, SourceRef(source.path, 0, 0)),)
    try:
        result = _with_identity(anki_package.read(source.data, source.path))
    except anki_package.PackageError as exc:
        msg = (
            f"{source.path}: an Anki package that cannot be read: {exc}; skipped — export it again from Anki"
        )
        finding = Finding("read", "warning", msg, SourceRef(source.path, 0, 0))
        return ParseResult((), (finding,)), FileReport(source.path, "", name, problem="unreadable package")
    except Exception as exc:  # a reader bug must cost one file, never the build
        msg = _bug(source.path, f"the {name} reader", exc)
        finding = Finding("read", "error", msg, SourceRef(source.path, 0, 0))
        return ParseResult((), (finding,)), FileReport(source.path, "", name, problem="reader failed")
    result = _without_oversize(replace(result, findings=notes + result.findings))
    last = max((c.source.last for c in result.cards), default=0)
    last = max([last, *(f.where.last for f in result.findings if f.where)])
    skipped = sum(1 for f in result.findings if f.kind == "skipped")
    return result, FileReport(source.path, "", name, 1.0, len(result.cards), last, skipped)


def parse_file(source: SourceFile, config: Config, registry: Registry) -> tuple[ParseResult, FileReport]:
    """Decode and parse one file. Never raises for bad content: problems become findings."""
    override = config.override(source.path)
    if override.skip:
        finding = Finding("read", "info", "skipped by deck.toml", SourceRef(source.path, 0, 0))
        return ParseResult((), (finding,)), FileReport(source.path, problem="skipped by deck.toml")
    if anki_package.is_package(source.data, source.path):
        return _read_package(source, override.format, override.options)
    decoded = decode(source.data)
    if decoded.binary:
        msg = f"{source.path}: binary data, not text; skipped — export the cards as text, CSV or Markdown"
        finding = Finding("read", "warning", msg, SourceRef(source.path, 0, 0))
        return ParseResult((), (finding,)), FileReport(source.path, "binary", problem="binary data")
    text = decoded.text
    lines = sum(1 for ln in text.split("\n") if ln.strip())
    if not lines:
        msg = f"{source.path}: empty file; nothing to build — paste the export again or remove the file"
        finding = Finding("read", "warning", msg, SourceRef(source.path, 0, 0))
        return ParseResult((), (finding,)), FileReport(source.path, decoded.encoding, problem="empty")
    damage: tuple[Finding, ...] = ()
    if decoded.replaced:
        msg = (
            f"{source.path}: read as {decoded.encoding}; undecodable bytes show as \ufffd — "
            "save the file again as UTF-8 from the program that made it"
        )
        damage = (Finding("read", "warning", msg, SourceRef(source.path, 0, 0)),)
    try:
        if override.format:
            fmt, score = registry.get(override.format), 1.0
        else:
            fmt, score = registry.sniff(text)
    except RegistryError as exc:
        raise BuildError(f'{CONFIG_NAME} [files."{source.path}"]: {exc}') from None
    if score < MIN_SCORE:
        msg = (
            f"{source.path}: not a format genanki-build recognises (best guess {fmt.name}, "
            f'score {score:.2f}); skipped — force one with format = "…" in {CONFIG_NAME}'
        )
        last = max(1, text.count("\n") + (not text.endswith("\n")))  # a last line break ends a line
        finding = Finding("read", "warning", msg, SourceRef(source.path, 1, last))
        report = FileReport(source.path, decoded.encoding, "", score, 0, lines, lines, "unrecognised format")
        return ParseResult((), (finding,)), report
    damage += _unread_settings(source.path, override.options, fmt)
    try:
        result = _with_identity(fmt.parse(text, source.path, parse_options(config, source.path)))
    except Exception as exc:  # a parser bug must cost one file, never the build
        msg = (
            f"{_bug(source.path, f'the {fmt.name} parser', exc)}; meanwhile force another format with "
            f'format = "…" in {CONFIG_NAME}'
        )
        finding = Finding("read", "error", msg, SourceRef(source.path, 1, max(1, text.count(chr(10)) + 1)))
        report = FileReport(source.path, decoded.encoding, fmt.name, score, 0, lines, lines, "parser failed")
        return ParseResult((), (finding,)), report
    result = _without_oversize(replace(result, findings=damage + result.findings))
    skipped = len({(f.where.file, f.where.first) for f in result.findings if f.kind == "skipped" and f.where})
    report = FileReport(
        source.path, decoded.encoding, fmt.name, round(score, 3), len(result.cards), lines, skipped
    )
    if skipped:
        # Counted line by line above; reported as runs (a dozen skipped lines, one finding).
        used = (ref for card in result.cards for ref in (card.source, *card.also_from))  # read if needed
        result = replace(result, findings=coalesce_skipped(result.findings, text, source.path, used))
    return result, report


def prepare_file(source: SourceFile, config: Config, registry: Registry, head: Head = Head()) -> FileResult:
    """:func:`parse_file`, then the ``head`` stages on the file's cards. Never raises for bad content."""
    result, report = parse_file(source, config, registry)
    context = Context(config=config, include_incomplete=head.include_incomplete)
    cards = result.cards
    findings: list[tuple[Finding, ...]] = []
    seconds: list[float] = []
    for name in head.names:
        started = time.perf_counter()
        stage_result = pipeline.stage(name)(cards, context) if cards else None
        seconds.append(time.perf_counter() - started)
        if stage_result is not None:
            cards = stage_result.cards
        findings.append(stage_result.findings if stage_result is not None else ())
    parsed = replace(result, cards=cards) if head.names else result
    summary = pipeline.SUMMARIES[head.then](cards) if head.then and cards else None
    ahead: tuple[tuple[int, Card], ...] = ()
    if head.ahead:
        started = time.perf_counter()
        made = pipeline.stage(head.ahead)(cards, context).cards if cards else ()
        ahead = tuple(
            (i, new) for i, (new, old) in enumerate(zip(made, cards, strict=True)) if new is not old
        )
        seconds.append(time.perf_counter() - started)
    return FileResult(parsed, report, tuple(findings), tuple(seconds), summary, ahead)


def parse_sources(
    sources: Sources,
    registry: Registry | None = None,
    *,
    cache_in: Path | None = None,
    progress: Progress | None = None,
    head: Head = Head(),
) -> ParsedSources:
    """Parse every file of ``sources`` and run the ``head`` stages on each; with ``cache_in`` (the
    output folder), reuse and keep results in its ``.cache`` and parse misses on all cores (see
    :mod:`genanki_build.cache`)."""
    custom = registry is not None
    registry = registry or default_registry()
    cache = ParseCache(cache_in, sources.config, registry.names(), head) if cache_in is not None else None
    cards: list[Card] = []
    findings: list[Finding] = list(sources.findings)
    reports: list[FileReport] = []
    by_stage: list[list[Finding]] = [[] for _ in head.names]
    seconds = [0.0] * len(head.timed)
    summaries: dict[str, object] = {}
    ahead: dict[int, Card] = {}
    unreadable: set[str] = set()
    done = parse_all(
        sources.files,
        sources.config,
        registry,
        cache=cache,
        progress=progress,
        pool=False if custom else None,
        head=head,
    )
    for file in done:
        ahead.update((len(cards) + i, card) for i, card in file.ahead)
        cards.extend(file.parsed.cards)
        findings.extend(file.parsed.findings)
        reports.append(file.report)
        unreadable.update(file.parsed.unreadable_media)
        if file.summary is not None:
            summaries[file.report.path] = file.summary
        for k, stage_findings in enumerate(file.findings):
            by_stage[k].extend(stage_findings)
        for k, stage_seconds in enumerate(file.seconds):
            seconds[k] += stage_seconds
    head_findings = tuple(f for stage_findings in by_stage for f in stage_findings)
    all_cards = tuple(cards)
    worked = pipeline.Ahead(head.ahead, all_cards, ahead) if head.ahead else None
    return ParsedSources(
        all_cards,
        tuple(findings),
        tuple(reports),
        head,
        head_findings,
        tuple(seconds),
        summaries,
        worked,
        frozenset(unreadable),
    )
