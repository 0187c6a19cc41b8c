"""The command line. The only module that prints.

Library errors (:class:`~genanki_build.errors.BuildError`) become one-line messages with exit
code 1; usage mistakes exit 2 (click's own handling). No traceback for a user's mistake.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from genanki_build import __version__
from genanki_build.errors import BuildError
from genanki_build.model import Finding

if TYPE_CHECKING:
    from genanki_build.build import BuildResult

HELP = """Turn flashcard exports (Quizlet, Brainscape, Anki, CSV, Markdown) into clean Anki packages.

\b
Typical use:
  genanki-build build            # source/ -> output/*.apkg, cards.jsonl, report.html
  genanki-build check output/*.apkg
"""


class _Commands(click.Group):
    """The commands; an OS error that escapes one (an output folder on a read-only disk, a file
    without write permission, a full disk) becomes one line: the path, what the system said, and
    what to check. Never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # the reader of our output went away (`| head`): nothing to tell it
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            reason = exc.strerror or str(exc)
            raise click.ClickException(f"{where}{reason} — check the path and its permissions") from None


@click.group(cls=_Commands, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="genanki-build")
def main() -> None:
    """Entry point."""


def _fail(exc: BuildError) -> click.ClickException:
    return click.ClickException(str(exc))


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder to write the package, cards.jsonl and the report to.",
)
@click.option(
    "--include-incomplete",
    is_flag=True,
    help='Also package cards whose answer only says "see picture", tagged needs::image.',
)
@click.option(
    "--skip-stage",
    "skip",
    multiple=True,
    metavar="NAME",
    help="Leave out a pipeline stage by name (repeatable); see `genanki-build stages`. A trial: "
    "cards.lock is not written.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) when the build has any warning.")
@click.option(
    "--against",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="PREVIOUS.apkg",
    help="The previous release's package: write the notes added, changed and removed to --out/CHANGES.md.",
)
@click.option(
    "--allow-field-change",
    is_flag=True,
    help="Let a note type's fields change (refused by default: it forks the note type for students).",
)
def build(
    sources: tuple[Path, ...],
    out_dir: Path,
    include_incomplete: bool,
    skip: tuple[str, ...],
    strict: bool,
    against: Path | None,
    allow_field_change: bool,
) -> None:
    """Build every export under SOURCES (default: source/) into --out (default: output/).

    Each source folder's cards.lock is read and, when the build succeeds, rewritten: commit it.
    """
    from genanki_build.build import StrictFailure
    from genanki_build.build import build as run_build
    from genanki_build.pipeline import PipelineError

    folders = sources or (Path("source"),)
    names = [f.resolve().name for f in folders]
    twice = sorted({n for n in names if names.count(n) > 1})
    if len(folders) > 1 and twice:
        raise click.UsageError(
            f"several source folders are named {', '.join(twice)}: each builds into --out/<its name>, "
            "so they would overwrite each other; build them one at a time, each with its own --out"
        )
    if against is not None and len(folders) > 1:
        raise click.UsageError("--against compares one package: build one source folder at a time")
    failed = False
    for folder in folders:
        out = out_dir if len(folders) == 1 else out_dir / folder.resolve().name
        bar = ProgressLine()
        try:
            result = run_build(
                folder,
                out,
                include_incomplete=include_incomplete,
                skip=skip,
                against=against,
                allow_field_change=allow_field_change,
                progress=bar,
                # A build without some stages is a trial: its notes' times must not enter the
                # ledger, or the next full build would date every note it changed back as edited.
                write_ledger=not skip,
                strict=strict,
            )
        except PipelineError as exc:
            raise click.UsageError(str(exc)) from None
        except StrictFailure as exc:
            _summary(exc.result)  # its warnings, each with its file:line
            click.echo(f"--strict: {exc}", err=True)
            failed = True
            continue
        except BuildError as exc:
            raise _fail(exc) from None
        finally:
            bar.close()
        _summary(result)
        if skip:
            click.echo(
                f"  trial build without {', '.join(skip)}: {folder / 'cards.lock'} left as it was; "
                "release only what a build without --skip-stage makes"
            )
    if failed:
        raise click.exceptions.Exit(1)


class ProgressLine:
    """A one-line progress bar on stderr for a build's ``progress`` callback.

    It shows only when stderr is a terminal and the build has run for :attr:`delay` seconds, so
    short builds, pipes and CI logs never see it; :meth:`close` erases it.
    """

    delay = 2.0
    """Seconds before the bar first appears."""
    width = 30
    """Characters in the bar."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()
        self.shown = False
        self._last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        # Redraw at most ten times a second, but always at the end of a phase.
        if now - self.started < self.delay or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        filled = round(self.width * done / total) if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{phase:<14.14} [{bar}] {done}/{total}\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """Erase the bar, if it was shown."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def _located(finding: Finding) -> str:
    """The finding's message, led by its ``file:line`` unless the message already names the file."""
    where = finding.where
    if where is None or finding.message.startswith(f"{where.file}:"):
        return finding.message
    return f"{where if where.first else where.file}: {finding.message}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _summary(result: BuildResult) -> None:
    per_deck = Counter(c.deck for c in result.cards)
    notes, decks = _count(len(result.cards), "note", "notes"), _count(len(per_deck), "deck", "decks")
    click.echo(f"{result.config.name}: {notes} in {decks}")
    for deck, n in sorted(per_deck.items()):
        click.echo(f"  {n:5d}  {deck}")
    kinds = Counter(f.kind for f in result.findings)
    parts = [
        _count(kinds.get("typo", 0), "typo fix", "typo fixes"),
        _count(kinds.get("fix", 0), "repair", "repairs"),
        _count(kinds.get("merge", 0), "merge", "merges"),
        _count(kinds.get("conflict", 0), "conflict", "conflicts"),
        f"{len(result.excluded)} left out",
        _count(kinds.get("warning", 0) + kinds.get("error", 0), "warning", "warnings"),
    ]
    click.echo("  " + ", ".join(parts))
    from genanki_build.ids import EDITED, REMOVED, RESTORED

    history = [f.message for f in result.findings if f.kind == "ledger" and f.stage == "ids"]
    if history:
        edited, removed, restored = (
            sum(1 for m in history if m.startswith(p)) for p in (EDITED, REMOVED, RESTORED)
        )
        back = f", {restored} back with their GUID" if restored else ""
        click.echo(
            f"  history: {edited} edited note(s) kept their GUID, {removed} removed{back} "
            "(see the report's 'Identity and history')"
        )
    for finding in result.findings:
        if finding.kind in {"warning", "error"}:
            click.echo(f"  {finding.kind}: {_located(finding)}", err=True)
    paths = {p.suffix: p for p in result.outputs}
    if ".apkg" in paths:
        click.echo(f"  package: {paths['.apkg']}")
    if ".html" in paths:
        click.echo(f"  report:  {paths['.html']}")
    if ".md" in paths:
        click.echo(f"  changes: {paths['.md']}")
    for path in result.stale:
        click.echo(f"  removed: {path} (the last build's; this one does not make it)")


@main.command()
@click.argument("packages", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(packages: tuple[Path, ...]) -> None:
    """Import each PACKAGE into a throw-away collection with Anki's own backend and report what it sees."""
    from genanki_build.check import check_package

    bad = False
    for apkg in packages:
        try:
            result = check_package(apkg)
        except BuildError as exc:
            # One package that cannot be checked is its own failure; the others are still checked.
            click.echo(f"Error: {exc}", err=True)
            bad = True
            continue
        click.echo(f"{result.path}: {result.notes} notes, {result.cards} cards")
        for name, count in result.decks:
            click.echo(f"  deck       {name} ({count} cards)")
        for name, fields, uses in result.note_types:
            click.echo(f"  note type  {name} [{', '.join(fields)}] ({uses} notes)")
        for problem in result.problems:
            click.echo(f"  problem: {problem}", err=True)
        bad = bad or bool(result.problems)
        click.echo(
            "  ok" if not result.problems else f"  {len(result.problems)} problem(s)",
            err=bool(result.problems),
        )
    if bad:
        raise click.exceptions.Exit(1)


@main.command()
def formats() -> None:
    """List the input formats genanki-build detects."""
    from genanki_build.formats import anki_package, default_registry

    for fmt in default_registry():
        click.echo(f"{fmt.name:22} {fmt.description}")
    click.echo(f"{anki_package.NAME:22} {anki_package.DESCRIPTION}")


@main.command()
def stages() -> None:
    """List the pipeline's stages, in order."""
    from genanki_build.pipeline import stage_names

    for name in stage_names():
        click.echo(name)


@main.command()
@click.argument("packages", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the Markdown here instead of printing it.",
)
def diff(packages: tuple[Path, ...], out_file: Path | None) -> None:
    """Release notes: the notes added, changed and removed from OLD.apkg to NEW.apkg, as Markdown.

    \b
    genanki-build diff OLD.apkg NEW.apkg   # matched by GUID, changes field by field
    genanki-build diff NEW.apkg            # a first release: every note is new
    """
    from genanki_build import atomic
    from genanki_build.diff import compare, read_package, to_markdown

    if len(packages) > 2:
        raise click.UsageError("give OLD.apkg NEW.apkg, or NEW.apkg alone for a first release")
    try:
        old = read_package(packages[0]) if len(packages) == 2 else None
        new = read_package(packages[-1])
    except BuildError as exc:
        raise _fail(exc) from None
    text = to_markdown(compare(old, new))
    if out_file is None:
        click.echo(text, nl=False)
    else:
        atomic.write_text(out_file, text)
        click.echo(f"wrote {out_file}")


@main.command()
@click.argument("source", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "tsv", "jsonl", "md"]),
    default="csv",
    show_default=True,
    help="csv/tsv carry Anki's import headers (GUID, note type, deck, tags columns).",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the export here instead of printing it.",
)
def export(source: Path | None, fmt: str, out_file: Path | None) -> None:
    """Export the cards built from SOURCE (default: source/) as CSV, TSV, JSON lines or Markdown.

    Builds in a temporary folder with the same GUIDs as the package (cards.lock is read, not
    written), so importing the CSV or TSV with Anki's text importer updates notes, never duplicates.
    """
    import tempfile

    from genanki_build import atomic
    from genanki_build.build import build as run_build
    from genanki_build.export import export_cards
    from genanki_build.notetypes import note_types

    folder = source or Path("source")
    try:
        with tempfile.TemporaryDirectory(prefix="genanki-export-") as tmp:
            result = run_build(folder, Path(tmp), write_ledger=False)
    except BuildError as exc:
        raise _fail(exc) from None
    for finding in result.warnings:  # what a build would say: the export holds the same cards
        click.echo(f"{finding.kind}: {_located(finding)}", err=True)
    names = {key: spec.name for key, spec in note_types(result.config.name).items()}
    text = export_cards(result.cards, fmt, collection=result.config.name, note_type_names=names)
    if out_file is None:
        click.echo(text, nl=False)
    else:
        atomic.write_text(out_file, text)
        click.echo(f"{len(result.cards)} notes written to {out_file}", err=True)
