"""The build: read ``source/``, parse every file, run the pipeline, write ``output/``.

I/O lives here and in the writers it calls; parsing and every pipeline stage are pure.
"""

from __future__ import annotations

import gc
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from genanki_build import lock, pipeline
from genanki_build.aside import aside
from genanki_build.cache import ParseCache, Progress, parse_all
from genanki_build.config import CONFIG_NAME, Config, load_config
from genanki_build.decode import decode
from genanki_build.errors import BuildError
from genanki_build.formats import ParseOptions, Registry, default_registry
from genanki_build.formats.base import DEFAULT_NOISE, RegistryError
from genanki_build.model import Card, Finding, ParseResult, SourceRef, coalesce_skipped, evolve
from genanki_build.stage import Context

#: Files in the source tree that are never parsed as card sources.
NOT_SOURCES = frozenset({CONFIG_NAME, "cards.lock", "typos.toml", "README.md", ".gitkeep"})
#: Extensions of media files; they are available to cards, not parsed.
MEDIA_SUFFIXES = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".svg",
        ".webp",
        ".bmp",
        ".tif",
        ".tiff",
        ".mp3",
        ".ogg",
        ".wav",
        ".m4a",
        ".mp4",
        ".webm",
    ]
)
#: Below this score no format is trusted; the file is reported as unrecognised.
MIN_SCORE = 0.2
#: A card longer than this (front and back, in characters) is not a flashcard but a parse gone
#: wrong or a pasted document; it is reported instead of packaged, and kept out of every stage.
MAX_CARD_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file read from the source tree."""

    path: str
    """Path relative to the source folder, forward slashes."""
    data: bytes
    """Its bytes."""


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
class Sources:
    """Everything read from a source folder."""

    root: Path
    """The folder."""
    config: Config
    """Its ``deck.toml``."""
    files: tuple[SourceFile, ...]
    """Card source files, sorted by path."""
    media: tuple[str, ...]
    """Media files present, relative paths."""
    findings: tuple[Finding, ...] = ()
    """Files that could not be read."""


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


@dataclass(frozen=True, slots=True)
class BuildResult:
    """The outcome of a build, for the report and the CLI."""

    config: Config
    """The collection's config."""
    cards: tuple[Card, ...]
    """Cards that went into the package."""
    excluded: tuple[Card, ...]
    """Cards kept out of the package (e.g. incomplete ones)."""
    findings: tuple[Finding, ...]
    """Everything found, parse and stage findings alike."""
    files: tuple[FileReport, ...]
    """Per-file summaries."""
    outputs: tuple[Path, ...] = ()
    """Files written."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage."""
    ledger: str = ""
    """The new ``cards.lock`` text; :func:`build` writes it beside the sources once all else is written."""

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings that ``--strict`` turns into a failure."""
        return tuple(f for f in self.findings if f.is_warning)


def _is_media(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in MEDIA_SUFFIXES


def read_sources(root: Path) -> Sources:
    """Read every card source below ``root``; unreadable files become findings, never errors."""
    if not root.exists():
        raise BuildError(f"{root}: no such folder; pass the folder that holds your exports")
    if not root.is_dir():
        raise BuildError(f"{root}: not a folder; pass the folder that holds your exports")
    config = load_config(root)
    files: list[SourceFile] = []
    media: list[str] = []
    findings: list[Finding] = []
    seen_dirs: set[tuple[int, int]] = set()
    root_real = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen_dirs:
            dirnames[:] = []
            rel = Path(dirpath).relative_to(root).as_posix()
            findings.append(
                Finding("read", "warning", f"{rel}: folder seen before (a symlink loop); skipped")
            )
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        # Real folders before links to them, so a file is known by its real path when both lead to it.
        dirnames[:] = sorted(
            (d for d in dirnames if not d.startswith(".")),
            key=lambda d: (os.path.islink(os.path.join(dirpath, d)), d),
        )
        for name in sorted(filenames):
            if name.startswith(".") or name in NOT_SOURCES:
                continue
            full = Path(dirpath) / name
            rel = full.relative_to(root).as_posix()
            if not full.is_file():
                # A FIFO would block the read for ever; a broken link has nothing to read.
                msg = f"{rel}: not a regular file (a broken link, a pipe or a device); skipped"
                findings.append(Finding("read", "warning", msg, SourceRef(rel, 0, 0)))
                continue
            if _is_media(name):
                if not full.resolve().is_relative_to(root_real):
                    msg = f"{rel}: links outside the source folder; media is read only from inside it"
                    findings.append(Finding("read", "warning", msg, SourceRef(rel, 0, 0)))
                    continue
                media.append(rel)
                continue
            try:
                data = full.read_bytes()
            except OSError as exc:
                reason = exc.strerror or str(exc)
                findings.append(
                    Finding(
                        "read",
                        "warning",
                        f"{rel}: cannot read ({reason}); skipped — check its permissions",
                        SourceRef(rel, 0, 0),
                    )
                )
                continue
            files.append(SourceFile(rel, data))
    files.sort(key=lambda f: f.path)
    return Sources(root, config, tuple(files), tuple(sorted(media)), tuple(findings))


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


def parse_file(source: SourceFile, config: Config, registry: Registry) -> tuple[ParseResult, FileReport]:
    """Decode and parse one file. Never raises for bad content: problems become findings."""
    override = config.override(source.path)
    if override.skip:
        finding = Finding("read", "info", "skipped by deck.toml", SourceRef(source.path, 0, 0))
        return ParseResult((), (finding,)), FileReport(source.path, problem="skipped by deck.toml")
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
        finding = Finding("read", "warning", msg, SourceRef(source.path, 1, max(1, text.count(chr(10)) + 1)))
        report = FileReport(source.path, decoded.encoding, "", score, 0, lines, lines, "unrecognised format")
        return ParseResult((), (finding,)), report
    try:
        result = _with_identity(fmt.parse(text, source.path, parse_options(config, source.path)))
    except Exception as exc:  # a parser bug must cost one file, never the build
        detail = f"{type(exc).__name__}: {exc}"[:200]
        msg = (
            f"{source.path}: the {fmt.name} parser failed ({detail}); skipped — please report this "
            f'bug; meanwhile force another format with format = "…" in {CONFIG_NAME}'
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
        all_cards, tuple(findings), tuple(reports), head, head_findings, tuple(seconds), summaries, worked
    )


def build_time() -> int:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        if not re.fullmatch(r"\d+", raw):
            raise BuildError(
                f"SOURCE_DATE_EPOCH={raw!r} is not a whole number of seconds; unset it or fix it"
            )
        return int(raw)
    return int(time.time())


def package_name(config: Config) -> str:
    """The ``.apkg`` file name for a collection: its name, made file-system safe."""
    slug = re.sub(r"[^\w.-]+", "-", config.name).strip("-.") or "deck"
    return f"{slug}.apkg"


def compile_cards(
    parsed: ParsedSources,
    context: Context,
    *,
    skip: tuple[str, ...] = (),
    timings: dict[str, float] | None = None,
    progress: Progress | None = None,
) -> tuple[tuple[Card, ...], tuple[Card, ...], tuple[Finding, ...]]:
    """Run the pipeline (but the stages ``parsed`` has run already, file by file); return
    (packaged cards, excluded cards, stage findings)."""
    if timings is not None:
        # The time spent on the head stages while parsing, in the order the stages run.
        for name, seconds in zip(parsed.head.names, parsed.head_seconds, strict=False):
            timings[name] = timings.get(name, 0.0) + seconds
    skip = (*skip, *parsed.head.names)
    result = pipeline.run(
        parsed.cards, context, skip=skip, timings=timings, progress=progress, ahead=parsed.ahead
    )
    if timings is not None and parsed.head.ahead and parsed.head.ahead in timings:
        timings[parsed.head.ahead] += sum(parsed.head_seconds[len(parsed.head.names) :])
    kept = tuple(c for c in result.cards if "excluded" not in c.flags)
    excluded = tuple(c for c in result.cards if "excluded" in c.flags)
    return kept, excluded, parsed.head_findings + result.findings


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector. Cards hold no reference cycles and are freed by
    reference counting; the collector's passes over hundreds of thousands of live cards only cost
    time (a 20,000-card build took twice as long with it on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build(
    source_dir: Path,
    out_dir: Path,
    *,
    include_incomplete: bool = False,
    skip: tuple[str, ...] = (),
    timestamp: int | None = None,
    lock_wait: float | None = None,
    allow_field_change: bool = False,
    against: Path | None = None,
    write_ledger: bool = True,
    progress: Progress | None = None,
) -> BuildResult:
    """Build ``source_dir`` into ``out_dir``: the package, ``cards.jsonl`` and the report.

    One build at a time per ``out_dir`` (a second waits up to ``lock_wait`` seconds, then fails);
    every output is staged and renamed into place together, so a killed build leaves the previous
    outputs whole (see :mod:`genanki_build.lock`).

    The ledger ``<source_dir>/cards.lock`` is read first and, when ``write_ledger``, rewritten in
    the same journalled commit as the outputs, so a package and the ledger that describes it land
    together. ``allow_field_change`` lets a note type's
    fields change (refused otherwise); ``against`` names the previous release's package, and the
    notes added, changed and removed since then go to ``CHANGES.md``.

    Parse results are kept in ``<out_dir>/.cache`` (safe to delete). ``progress(phase, done,
    total)`` is called as the build advances (phases: ``parse``, each stage's name, ``package``,
    ``report``), for a progress bar; the library itself never prints.
    """
    wait = lock.WAIT_SECONDS if lock_wait is None else lock_wait
    with _collector_paused(), lock.output_lock(out_dir, wait=wait):
        lock.recover(out_dir)
        staged = lock.Staged(out_dir)
        try:
            result = _build(
                source_dir,
                out_dir,
                staged,
                include_incomplete=include_incomplete,
                skip=skip,
                timestamp=timestamp,
                allow_field_change=allow_field_change,
                against=against,
                progress=progress,
            )
            if write_ledger:
                from genanki_build.ledger import LEDGER_NAME

                path = source_dir / LEDGER_NAME
                if not path.exists() or path.read_text(encoding="utf-8") != result.ledger:
                    # Staged with the outputs, so one journalled commit moves the ledger and the
                    # package it describes into place together (a kill midway is finished later).
                    staged.write_text(path, result.ledger)
        except BaseException:
            staged.discard()
            raise
        staged.commit()
        return result


def _build(
    source_dir: Path,
    out_dir: Path,
    staged: lock.Staged,
    *,
    include_incomplete: bool = False,
    skip: tuple[str, ...] = (),
    timestamp: int | None = None,
    allow_field_change: bool = False,
    against: Path | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    from genanki_build import diff, export, ledger, report
    from genanki_build.media import flat_name
    from genanki_build.notetypes import note_types
    from genanki_build.package import write_package

    timings: dict[str, float] = {}
    started = time.perf_counter()
    sources = read_sources(source_dir)
    timings["read"] = time.perf_counter() - started
    started = time.perf_counter()
    config = sources.config
    include_incomplete = include_incomplete or config.include_incomplete
    head = Head(pipeline.head(skip), include_incomplete, pipeline.summarized(skip), pipeline.ahead(skip))
    parsed = parse_sources(sources, cache_in=out_dir, progress=progress, head=head)
    # Parsing and the head stages: their own figures are the time each took, added over the files.
    timings["parse"] = time.perf_counter() - started
    now = build_time() if timestamp is None else timestamp
    previous_release = diff.read_package(against) if against is not None else None
    started = time.perf_counter()
    previous = ledger.read(source_dir / ledger.LEDGER_NAME)
    reading_ledger = time.perf_counter() - started
    context = Context(
        config=config,
        build_time=now,
        ledger=previous.by_guid(),
        include_incomplete=include_incomplete,
        media=frozenset(sources.media),
        summaries=MappingProxyType(parsed.summaries),
    )
    kept, excluded, stage_findings = compile_cards(
        parsed, context, skip=skip, timings=timings, progress=progress
    )
    started = time.perf_counter()
    stamped = ledger.update(
        kept,
        previous,
        note_types(config.name),
        build_time=now,
        reverse=config.reverse,
        allow_field_change=allow_field_change,
    )
    kept, stage_findings = stamped.cards, stage_findings + stamped.findings
    ledger_text = ledger.dumps(stamped.ledger)
    # Reading the old ledger, matching, stamping and writing the new one: one figure.
    timings["ledger"] = reading_ledger + time.perf_counter() - started
    if progress is not None:
        progress("package", 0, 1)
    # The package's own dates follow the content, so a rebuild with no change gives the same bytes.
    content_time = max([c.mtime for c in kept] + list(stamped.notetype_mtimes.values()), default=now)
    apkg = out_dir / package_name(config)
    media = {flat_name(name): source_dir / name for name in sorted({m for c in kept for m in c.media})}
    apkg_staged = staged.reserve(apkg)

    def package() -> float:
        started = time.perf_counter()
        write_package(
            kept,
            apkg_staged,
            collection=config.name,
            namespace=config.id_namespace,
            timestamp=content_time,
            notetype_mtimes=stamped.notetype_mtimes,
            media=media,
            reverse=config.reverse,
        )
        return time.perf_counter() - started

    result = BuildResult(
        config=config,
        cards=kept,
        excluded=excluded,
        findings=parsed.findings + stage_findings,
        files=parsed.files,
        timings=timings,
        ledger=ledger_text,
    )
    jsonl, report_json, report_html = (
        out_dir / "cards.jsonl",
        out_dir / "report.json",
        out_dir / "report.html",
    )
    # The package is written beside this thread (in a forked child process where the platform
    # forks, else on a thread: see genanki_build.aside) while this one writes cards.jsonl and
    # report.html. report.json's timings, which end it, are written once both are done.
    with aside(package, name="package writer") as packaging:
        if progress is not None:
            progress("report", 0, 1)
        started = time.perf_counter()
        # Written piece by piece: at 100,000 cards, whole strings (and their bytes) cost 0.3 GB of peak memory.
        staged.write_chunks(jsonl, export.iter_jsonl(kept))
        staged.write_text(report_html, report.to_html(result))
        waited = 0.0

        def report_json_pieces() -> Iterator[str]:
            # The findings go out while the package may still be written; the step timings, which
            # end the file, once it is done (the "report" figure leaves out that wait).
            nonlocal waited
            yield from report.iter_json_head(result)
            waiting = time.perf_counter()
            timings["package"] = packaging.result()
            waited = time.perf_counter() - waiting
            timings["report"] = time.perf_counter() - started - waited
            yield report.json_tail(result)

        staged.write_chunks(report_json, report_json_pieces())
    timings["report"] = time.perf_counter() - started - waited
    outputs: tuple[Path, ...] = (apkg, jsonl, report_json, report_html)
    if previous_release is not None:
        changes = out_dir / "CHANGES.md"
        new_release = diff.read_package(apkg_staged)
        staged.write_text(changes, diff.to_markdown(diff.compare(previous_release, new_release)))
        outputs += (changes,)
    return replace(result, outputs=outputs)
