"""The build: read ``source/`` (:mod:`genanki_build.sources`), parse every file
(:mod:`genanki_build.parsing`), run the pipeline, write ``output/``.

I/O lives here and in the writers it calls; parsing and every pipeline stage are pure.
"""

from __future__ import annotations

import gc
import json
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
from genanki_build.cache import Progress
from genanki_build.config import Config
from genanki_build.errors import BuildError
from genanki_build.model import Card, Finding, SourceRef
from genanki_build.parsing import FileReport, Head, ParsedSources, parse_sources
from genanki_build.sources import Sources, read_sources
from genanki_build.stage import Context


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
    stale: tuple[Path, ...] = ()
    """Files the last build into the same folder wrote that this one did not (a package under the
    collection's old name, a ``CHANGES.md`` of an earlier ``--against``): removed, so a release
    never ships them."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage."""
    ledger: str = ""
    """The new ``cards.lock`` text; :func:`build` writes it beside the sources once all else is written."""

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings that ``--strict`` turns into a failure."""
        return tuple(f for f in self.findings if f.is_warning)


class StrictFailure(BuildError):
    """``strict`` was asked for and the build has warnings: nothing was written."""

    def __init__(self, result: BuildResult) -> None:
        super().__init__(f"{len(result.warnings)} warning(s); nothing written and cards.lock kept")
        self.result = result


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


def _unused_media(sources: Sources, cards: tuple[Card, ...]) -> tuple[Finding, ...]:
    """An ``info`` finding for each picture or sound of the source folder no card shows (its card
    may have lost its reference): nothing in the folder goes unmentioned. Media inside an Anki
    package are the package's own business."""
    used = {m for card in cards for m in card.media}
    return tuple(
        Finding(
            "read", "info", f"{name}: a picture or sound no card shows; not packaged", SourceRef(name, 0, 0)
        )
        for name in sources.media
        if name not in used and name not in sources.packaged
    )


def _namespace_moved(path: Path, released: str, config: Config) -> str:
    """Why a build whose namespace is not the ledger's stops. Note-type and deck IDs derive from the
    namespace: under another one, Anki sees every rebuilt note as a conflict and never updates a
    student's copy again (deck.toml deleted, or the collection renamed without a namespace)."""
    how = (
        "deck.toml's namespace"
        if config.namespace
        else f"taken from the collection's name {config.name!r}, as deck.toml sets no namespace"
    )
    return (
        f"{path}: its notes were released under the namespace {released!r}, this build's is "
        f"{config.id_namespace!r} ({how}); students' notes would stop updating — set "
        f'namespace = "{released}" under [collection] in deck.toml (or delete cards.lock to start a new deck)'
    )


def _nothing_built(source_dir: Path, parsed: ParsedSources, excluded: tuple[Card, ...]) -> str:
    """Why a build made no note, in one line. An empty package helps no student, and its ledger
    would forget every note's GUID: a folder emptied by mistake, or a parser gone wrong, must not
    cost students their history at the next build."""
    files = parsed.files
    if not files:
        why = "it holds no card files"
    elif excluded:
        first = next((f for c in excluded for f in c.findings if f.kind in {"excluded", "warning"}), None)
        reason = f", the first at {first.where}: {first.message}" if first is not None and first.where else ""
        why = f"all {len(excluded)} card(s) were left out{reason}"
    else:
        problems = [f"{f.path}: {f.problem or 'no cards'}" for f in files[:3]]
        more = f" and {len(files) - 3} more" if len(files) > 3 else ""
        why = f"none of its {len(files)} file(s) gave a card ({'; '.join(problems)}{more})"
    return f"{source_dir}: no notes to package: {why}; nothing written and cards.lock kept — add or fix the exports"


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
    strict: bool = False,
) -> BuildResult:
    """Build ``source_dir`` into ``out_dir``: the package, ``cards.jsonl`` and the report.

    With ``strict``, a build with any warning writes nothing (the last build's outputs and the
    ledger stay as they were) and raises :class:`StrictFailure`, which holds the result.

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
    pipeline.check_skip(skip)
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
            if strict and result.warnings:
                raise StrictFailure(replace(result, outputs=()))
            if write_ledger:
                from genanki_build.ledger import LEDGER_NAME

                path = source_dir / LEDGER_NAME
                if not path.exists() or path.read_text(encoding="utf-8") != result.ledger:
                    # Staged with the outputs, so one journalled commit moves the ledger and the
                    # package it describes into place together (a kill midway is finished later).
                    staged.write_text(path, result.ledger)
            stale = _stale(out_dir, result.outputs)
            staged.write_text(
                out_dir / OUTPUTS_NAME, json.dumps(sorted(p.name for p in result.outputs)) + "\n"
            )
            # Before the commit: a kill between the two would otherwise leave a stale file that
            # the new .outputs.json no longer names, so no later build would remove it.
            for path in stale:
                path.unlink(missing_ok=True)
        except BaseException:
            staged.discard()
            raise
        staged.commit()
        return replace(result, stale=stale)


#: The names of the files the last build wrote into its output folder, kept there.
OUTPUTS_NAME = ".outputs.json"


def _stale(out_dir: Path, outputs: tuple[Path, ...]) -> tuple[Path, ...]:
    """The files the last build listed in :data:`OUTPUTS_NAME` that this one does not write. Only
    names this tool wrote are ever removed: a file of the user's in the folder is never one."""
    try:
        listed = json.loads((out_dir / OUTPUTS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    if not isinstance(listed, list):
        return ()
    now = {p.name for p in outputs}
    names = sorted({n for n in listed if isinstance(n, str) and n not in now and n == Path(n).name})
    return tuple(out_dir / n for n in names if not n.startswith(".") and (out_dir / n).is_file())


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
    from genanki_build.report_html import to_html

    timings: dict[str, float] = {}
    started = time.perf_counter()
    sources = read_sources(source_dir)
    timings["read"] = time.perf_counter() - started
    config = sources.config
    # The ledger first: a build under another namespace stops before it parses anything.
    started = time.perf_counter()
    previous = ledger.read(source_dir / ledger.LEDGER_NAME)
    if previous.namespace and previous.namespace != config.id_namespace:
        raise BuildError(_namespace_moved(source_dir / ledger.LEDGER_NAME, previous.namespace, config))
    reading_ledger = time.perf_counter() - started
    started = time.perf_counter()
    include_incomplete = include_incomplete or config.include_incomplete
    head = Head(pipeline.head(skip), include_incomplete, pipeline.summarized(skip), pipeline.ahead(skip))
    parsed = parse_sources(sources, cache_in=out_dir, progress=progress, head=head)
    # Parsing and the head stages: their own figures are the time each took, added over the files.
    timings["parse"] = time.perf_counter() - started
    now = build_time() if timestamp is None else timestamp
    previous_release = diff.read_package(against) if against is not None else None
    context = Context(
        config=config,
        build_time=now,
        ledger=previous.by_guid(),
        include_incomplete=include_incomplete,
        media=frozenset(sources.media),
        unreadable=parsed.unreadable_media,
        summaries=MappingProxyType(parsed.summaries),
    )
    kept, excluded, stage_findings = compile_cards(
        parsed, context, skip=skip, timings=timings, progress=progress
    )
    if not kept:
        raise BuildError(_nothing_built(source_dir, parsed, excluded))
    stage_findings += _unused_media(sources, (*kept, *excluded))
    started = time.perf_counter()
    stamped = ledger.update(
        kept,
        previous,
        note_types(config.name),
        build_time=now,
        reverse=config.reverse,
        allow_field_change=allow_field_change,
        excluded=excluded,
    )
    kept, stage_findings = stamped.cards, stage_findings + stamped.findings
    ledger_text = ledger.dumps(replace(stamped.ledger, namespace=config.id_namespace))
    # Reading the old ledger, matching, stamping and writing the new one: one figure.
    timings["ledger"] = reading_ledger + time.perf_counter() - started
    if progress is not None:
        progress("package", 0, 1)
    # The package's own dates follow the content, so a rebuild with no change gives the same bytes.
    content_time = max([c.mtime for c in kept] + list(stamped.notetype_mtimes.values()), default=now)
    apkg = out_dir / package_name(config)
    media = {flat_name(name): sources.media_file(name) for name in sorted({m for c in kept for m in c.media})}
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
        staged.write_text(report_html, to_html(result))
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
