"""The build's progress callback and the CLI's progress line (terminal only, after two seconds)."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from genanki_build.build import build
from genanki_build.cli import ProgressLine, main
from tests.conftest import write_tree

QUIZLET = "L1: Basics Flashcards\nWhat is a term?\nA word with a fixed meaning.\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_build__calls_progress_for_parse_stages_and_package(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"q.txt": QUIZLET})
    calls: list[tuple[str, int, int]] = []
    build(src, tmp_path / "out", write_ledger=False, progress=lambda *a: calls.append(a))
    phases = [phase for phase, _, _ in calls]
    assert phases[0] == "parse" and ("parse", 1, 1) in calls
    assert phases.index("parse") < phases.index("render") < phases.index("package") < phases.index("report")


def test_progress_line__drawn_on_a_terminal_after_the_delay_then_erased() -> None:
    stream = _Terminal()
    bar = ProgressLine(stream)
    bar.delay = 0.0
    bar("parse", 5, 10)
    assert stream.getvalue() == "\rparse          [" + "#" * 15 + "-" * 15 + "] 5/10\x1b[K"
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_line__silent_for_a_short_build() -> None:
    stream = _Terminal()
    bar = ProgressLine(stream)
    bar("parse", 1, 2)
    bar.close()
    assert stream.getvalue() == ""


def test_progress_line__silent_when_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressLine(stream)
    bar.delay = 0.0
    bar("parse", 1, 2)
    bar.close()
    assert stream.getvalue() == ""


def test_cli_build__log_has_no_progress_bar(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"q.txt": QUIZLET})
    ProgressLine.delay, saved = 0.0, ProgressLine.delay
    try:
        result = CliRunner().invoke(main, ["build", str(src), "--out", str(tmp_path / "out")])
    finally:
        ProgressLine.delay = saved
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output and "\x1b[" not in result.output and "[##" not in result.output
