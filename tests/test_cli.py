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
