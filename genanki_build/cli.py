"""The command line. The only module that prints.

Library errors (:class:`~genanki_build.errors.BuildError`) become one-line messages with exit
code 1; usage mistakes exit 2 (click's own handling). No traceback for a user's mistake.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from genanki_build import __version__
from genanki_build.errors import BuildError

HELP = """Turn flashcard exports (Quizlet, Brainscape, Anki, CSV, Markdown) into clean Anki packages.

\b
Typical use:
  genanki-build build            # source/ -> output/*.apkg, cards.jsonl, report.html
  genanki-build check output/*.apkg
"""


@click.group(help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
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
    help="Leave out a pipeline stage by name (repeatable); see `genanki-build stages`.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) when the build has any warning.")
def build(
    sources: tuple[Path, ...], out_dir: Path, include_incomplete: bool, skip: tuple[str, ...], strict: bool
) -> None:
    """Build every export under SOURCES (default: source/) into --out (default: output/)."""
    from genanki_build.build import build as run_build
    from genanki_build.pipeline import PipelineError

    folders = sources or (Path("source"),)
    failed = False
    for folder in folders:
        out = out_dir if len(folders) == 1 else out_dir / folder.name
        try:
            result = run_build(folder, out, include_incomplete=include_incomplete, skip=skip)
        except PipelineError as exc:
            raise click.UsageError(str(exc)) from None
        except BuildError as exc:
            raise _fail(exc) from None
        _summary(result)
        if strict and result.warnings:
            failed = True
            click.echo(f"--strict: {len(result.warnings)} warning(s):", err=True)
            for finding in result.warnings:
                where = f"{finding.where}: " if finding.where else ""
                click.echo(f"  {where}{finding.message}", err=True)
    if failed:
        raise click.exceptions.Exit(1)


def _summary(result) -> None:  # type: ignore[no-untyped-def]
    per_deck = Counter(c.deck for c in result.cards)
    click.echo(f"{result.config.name}: {len(result.cards)} notes in {len(per_deck)} decks")
    for deck, n in sorted(per_deck.items()):
        click.echo(f"  {n:5d}  {deck}")
    kinds = Counter(f.kind for f in result.findings)
    parts = [
        f"{kinds.get('typo', 0)} typo fixes",
        f"{kinds.get('fix', 0)} repairs",
        f"{kinds.get('merge', 0)} merges",
        f"{kinds.get('conflict', 0)} conflicts",
        f"{len(result.excluded)} left out",
        f"{kinds.get('warning', 0) + kinds.get('error', 0)} warnings",
    ]
    click.echo("  " + ", ".join(parts))
    for finding in result.findings:
        if finding.kind in {"warning", "error"}:
            click.echo(f"  warning: {finding.message}", err=True)
    paths = {p.suffix: p for p in result.outputs}
    if ".apkg" in paths:
        click.echo(f"  package: {paths['.apkg']}")
    if ".html" in paths:
        click.echo(f"  report:  {paths['.html']}")


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
            raise _fail(exc) from None
        click.echo(f"{result.path}: {result.notes} notes, {result.cards} cards")
        for name, count in result.decks:
            click.echo(f"  deck       {name} ({count} cards)")
        for name, fields, uses in result.note_types:
            click.echo(f"  note type  {name} [{', '.join(fields)}] ({uses} notes)")
        for problem in result.problems:
            click.echo(f"  problem: {problem}", err=True)
        bad = bad or bool(result.problems)
        click.echo("  ok" if not result.problems else f"  {len(result.problems)} problem(s)")
    if bad:
        raise click.exceptions.Exit(1)


@main.command()
def formats() -> None:
    """List the input formats genanki-build detects."""
    from genanki_build.formats import default_registry

    for fmt in default_registry():
        click.echo(f"{fmt.name:22} {fmt.description}")


@main.command()
def stages() -> None:
    """List the pipeline's stages, in order."""
    from genanki_build.pipeline import stage_names

    for name in stage_names():
        click.echo(name)
