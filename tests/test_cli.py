"""The command line, in-process with click's CliRunner."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from genanki_build import __version__
from genanki_build.cli import main
from tests.conftest import ROOT, SOURCE


def test_cli__version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_cli__every_command_has_help_and_is_in_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help, name
        assert re.search(rf"genanki-build {name}\b", readme), f"README does not show `genanki-build {name}`"


def test_cli__missing_folder_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"Error: {tmp_path / 'nope'}: no such folder; pass the folder that holds your exports"
    )
    assert "Traceback" not in result.output


def test_cli__unknown_option_is_usage_error() -> None:
    result = CliRunner().invoke(main, ["build", "--frobnicate"])
    assert result.exit_code == 2
    assert "No such option '--frobnicate'" in result.output


def test_cli__unknown_stage_is_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(SOURCE), "--out", str(tmp_path), "--skip-stage", "nope"])
    assert result.exit_code == 2
    assert "cannot skip unknown stage(s) nope" in result.output


def test_cli__build_then_check(tmp_path: Path) -> None:
    runner = CliRunner()
    src = tmp_path / "source"  # a copy: a build writes cards.lock beside its sources
    shutil.copytree(SOURCE, src)
    built = runner.invoke(main, ["build", str(src), "--out", str(tmp_path)])
    assert built.exit_code == 0, built.output
    assert "Marketing:" in built.output and "report:" in built.output
    checked = runner.invoke(main, ["check", str(tmp_path / "Marketing.apkg")])
    assert checked.exit_code == 0, checked.output
    assert "Marketing::L8 Customer Engagement" in checked.output
    assert checked.output.rstrip().endswith("ok")


def test_cli__check_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path / "x.apkg")])
    assert result.exit_code == 1
    assert "no such file" in result.output


def test_readme__pipeline_diagram_lists_every_stage_in_order() -> None:
    from genanki_build.pipeline import stage_names

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    diagram = readme[readme.index("## How it works") :]
    positions = [diagram.index(f"--{name}") for name in stage_names()]
    assert positions == sorted(positions)


def test_cli__a_required_stage_cannot_be_skipped(tmp_path: Path) -> None:
    """`--skip-stage ids` built a package of notes with empty GUIDs and wiped the ledger."""
    src = tmp_path / "source"
    shutil.copytree(SOURCE, src)
    ledger = (src / "cards.lock").read_bytes()
    result = CliRunner().invoke(
        main, ["build", str(src), "--out", str(tmp_path / "o"), "--skip-stage", "ids"]
    )
    assert result.exit_code == 2
    assert "the ids stage cannot be skipped: it gives every note its GUID" in result.output
    assert "stages you may skip: clean, incomplete, lectures, typos, cloze, dedupe" in result.output
    assert not (tmp_path / "o").exists()
    assert (src / "cards.lock").read_bytes() == ledger


def test_cli__a_build_without_a_stage_is_a_trial_that_leaves_the_ledger(tmp_path: Path) -> None:
    """A build with --skip-stage typos dated the notes it changed as edited in the ledger, so the
    next full build dated them again: students' copies were replaced for nothing."""
    src = tmp_path / "source"
    shutil.copytree(SOURCE, src)
    ledger = (src / "cards.lock").read_bytes()
    result = CliRunner().invoke(
        main, ["build", str(src), "--out", str(tmp_path / "o"), "--skip-stage", "typos"]
    )
    assert result.exit_code == 0, result.output
    assert f"trial build without typos: {src / 'cards.lock'} left as it was" in result.output
    assert (src / "cards.lock").read_bytes() == ledger
    assert (tmp_path / "o" / "Marketing.apkg").exists()


def test_cli__an_output_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    """An --out that is a file, or a path that cannot be made, ended in a traceback."""
    src = tmp_path / "source"
    shutil.copytree(SOURCE, src)
    file = tmp_path / "file"
    file.write_text("x")
    result = CliRunner().invoke(main, ["build", str(src), "--out", str(file)])
    assert result.exit_code == 1
    assert result.output == f"Error: {file}: not a folder; pass --out a folder (it is made when missing)\n"
    # A path through a file stands for any folder the system will not make or write (read-only, no
    # permission): what it says, and where, on one line.
    for args in (
        ["build", str(src), "--out", str(file / "o")],
        ["export", str(src), "--out", str(file / "x.csv")],
        ["diff", str(ROOT / "tests" / "fixtures" / "nope.apkg"), "--out", str(file / "x.md")],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, args
        assert "Traceback" not in result.output and result.output.count("\n") == 1, result.output
        if args[0] != "diff":
            assert result.output.startswith(f"Error: {file}"), result.output
            assert result.output.endswith(" — check the path and its permissions\n")


def test_cli__check_goes_on_past_a_package_it_cannot_read(tmp_path: Path) -> None:
    """A missing package stopped `check` before the others; a folder was "no such file"; and the
    problem count went to stdout while the problems went to stderr."""
    runner = CliRunner()
    src = tmp_path / "source"
    shutil.copytree(SOURCE, src)
    assert runner.invoke(main, ["build", str(src), "--out", str(tmp_path / "o")]).exit_code == 0
    good = tmp_path / "o" / "Marketing.apkg"
    result = runner.invoke(main, ["check", str(tmp_path / "nope.apkg"), str(tmp_path / "o"), str(good)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path / 'nope.apkg'}: no such file; build first with `genanki-build build`",
        f"Error: {tmp_path / 'o'}: a folder; pass the packages in it (for example {tmp_path / 'o' / '*.apkg'})",
    ]
    assert result.stdout.startswith(f"{good}: 77 notes") and result.stdout.rstrip().endswith("ok")


def test_cli__export_shows_the_warnings_a_build_would(tmp_path: Path) -> None:
    """`export` of a folder with a broken file printed only "77 notes written"."""
    src = tmp_path / "source"
    shutil.copytree(SOURCE, src)
    (src / "broken.txt").write_bytes(b"\x00\x01\x02\x03 not text")
    result = CliRunner().invoke(
        main, ["export", str(src), "--format", "csv", "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 0
    assert "warning: broken.txt: binary data, not text; skipped" in result.stderr
    assert result.stderr.rstrip().endswith(f"77 notes written to {tmp_path / 'x.csv'}")


def test_cli__two_sources_of_one_name_are_refused(tmp_path: Path) -> None:
    """`build x/s y/s` built both into --out/s: the second overwrote the first's reports."""
    for parent in ("x", "y"):
        shutil.copytree(SOURCE, tmp_path / parent / "s")
    result = CliRunner().invoke(
        main, ["build", str(tmp_path / "x" / "s"), str(tmp_path / "y" / "s"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "several source folders are named s: each builds into --out/<its name>" in result.output
    assert not (tmp_path / "o").exists()


def test_cli__history_line_counts_restored_cards_apart(tmp_path: Path) -> None:
    """A card back in the sources was counted as an edited note that kept its GUID."""
    from tests.conftest import write_tree

    rows = "front,back\nWhat is a cell?,The unit of life\nWhat is ATP?,Energy currency\n"
    src = write_tree(tmp_path / "src", {"a.csv": rows, "b.csv": "front,back\nWhat is DNA?,The code\n"})
    runner = CliRunner()
    out = ["--out", str(tmp_path / "o")]
    assert runner.invoke(main, ["build", str(src), *out]).exit_code == 0
    (src / "a.csv").write_text("front,back\nWhat is a cell?,The unit of life\n", encoding="utf-8")
    gone = runner.invoke(main, ["build", str(src), *out])
    assert "history: 0 edited note(s) kept their GUID, 1 removed (see" in gone.output
    (src / "a.csv").write_text(rows, encoding="utf-8")
    back = runner.invoke(main, ["build", str(src), *out])
    assert "history: 0 edited note(s) kept their GUID, 0 removed, 1 back with their GUID (see" in back.output
