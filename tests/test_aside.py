"""Work beside the main thread: a forked child where the platform forks, a thread elsewhere."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from genanki_build.aside import aside, can_fork
from genanki_build.errors import BuildError

MODES = [pytest.param(False, id="thread")] + ([pytest.param(True, id="fork")] if can_fork() else [])


@pytest.mark.parametrize("fork", MODES)
def test_aside__returns_what_the_work_returns(fork: bool, tmp_path: Path) -> None:
    """The work sees this process's memory as it was (nothing is sent to it) and its files land."""
    cards = [f"card {i}" for i in range(1000)]

    def work() -> int:
        (tmp_path / "out.txt").write_text("\n".join(cards), encoding="utf-8")
        return len(cards)

    with aside(work, name="writer", fork=fork) as pending:
        assert pending.result() == 1000
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").count("\n") == 999


@pytest.mark.parametrize("fork", MODES)
def test_aside__raises_what_the_work_raises(fork: bool) -> None:
    def work() -> None:
        raise OSError(28, "No space left on device")

    with aside(work, name="writer", fork=fork) as pending, pytest.raises(OSError, match="No space left"):
        pending.result()


@pytest.mark.skipif(not can_fork(), reason="forks only on Linux")
def test_aside__a_child_that_dies_is_a_clear_error() -> None:
    def work() -> None:
        os._exit(9)

    with aside(work, name="package writer", fork=True) as pending, pytest.raises(BuildError) as err:
        pending.result()
    assert "package writer process stopped without an answer (exit code 9)" in str(err.value)


@pytest.mark.skipif(not can_fork(), reason="forks only on Linux")
def test_aside__leaving_early_stops_the_child(tmp_path: Path) -> None:
    """An error in the block (the report failed) must not leave the child writing on its own."""
    marker = tmp_path / "late.txt"

    def work() -> None:
        time.sleep(5)
        marker.write_text("written after the build gave up", encoding="utf-8")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="report failed"), aside(work, name="writer", fork=True):
        raise RuntimeError("report failed")
    assert time.monotonic() - started < 4
    time.sleep(0.2)
    assert not marker.exists()


@pytest.mark.skipif(not can_fork(), reason="forks only on Linux")
def test_aside__an_unpicklable_answer_is_reported_by_name() -> None:
    with (
        aside(lambda: lambda: None, name="writer", fork=True) as pending,
        pytest.raises(RuntimeError, match="function"),
    ):
        pending.result()


@pytest.mark.skipif(not can_fork(), reason="forks only on Linux")
def test_aside__the_child_dies_with_a_killed_parent(tmp_path: Path) -> None:
    """A build killed while its package writer ran left the writer behind, holding the output
    folder's lock: the next build's `--wait 0` failed. The writer now dies with the build."""
    import subprocess
    import sys

    marker = tmp_path / "late.txt"
    script = (
        "import os, signal, time\n"
        "from pathlib import Path\n"
        "from genanki_build.aside import aside\n"
        "def work():\n"
        "    time.sleep(1.5)\n"
        f"    Path({str(marker)!r}).write_text('the writer outlived the build')\n"
        "with aside(work, name='writer', fork=True):\n"
        "    time.sleep(0.3)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], check=False, timeout=30)
    assert proc.returncode == -9
    time.sleep(2.0)
    assert not marker.exists()


@pytest.mark.skipif(not can_fork(), reason="forks only on Linux")
def test_aside__a_stopped_child_cleans_up_after_itself(tmp_path: Path) -> None:
    """The report failing while the package was written left the writer's temporary file behind:
    the child was stopped before its own clean-up ran. A stopped child's work now ends as by an
    exception, so the package writer's ``except`` removes its temporary."""
    temporary = tmp_path / ".package.tmp"
    ready = tmp_path / "ready"

    def work() -> None:
        temporary.write_text("half a package")
        try:
            ready.touch()
            time.sleep(5)
        except BaseException:
            temporary.unlink()
            raise

    with pytest.raises(RuntimeError, match="report failed"), aside(work, name="writer", fork=True):
        while not ready.exists():
            time.sleep(0.01)
        raise RuntimeError("report failed")
    assert not temporary.exists()
