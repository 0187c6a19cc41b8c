"""Writes are atomic: a killed build leaves the previous outputs whole; one build per output folder."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from genanki_build.build import build
from genanki_build.lock import LockError, Staged, output_lock, recover
from tests.conftest import ROOT, write_tree

EPOCH = "1700000000"
DECK = '[collection]\nname = "Big"\nnamespace = "test/big"\n'
OUTPUTS = ("Big.apkg", "cards.jsonl", "report.json", "report.html")


def _tree(root: Path, files: int, cards: int, version: str) -> Path:
    contents: dict[str, str | bytes] = {}
    for f in range(files):
        lines = [f"Lecture {f} topic {f % 7} Flashcards"]
        for c in range(cards):
            lines += [f"What is term {f}-{c} in {version}?", f"Definition {c} of term {f} ({version})."]
        contents[f"l{f:03d}.txt"] = "\n".join(lines) + "\n"
    return write_tree(root, contents, DECK)


def _snapshot(out: Path, src: Path) -> dict[str, bytes]:
    snap = {name: (out / name).read_bytes() for name in OUTPUTS}
    ledger = src / "cards.lock"
    if ledger.exists():
        snap["cards.lock"] = ledger.read_bytes()
    return snap


def _cli(src: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.Popen(
        [sys.executable, "-m", "genanki_build", "build", str(src), "--out", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _state(out: Path, src: Path) -> dict[str, bytes]:
    state = {}
    for name in OUTPUTS:
        if (out / name).exists():
            state[name] = (out / name).read_bytes()
    if (src / "cards.lock").exists():
        state["cards.lock"] = (src / "cards.lock").read_bytes()
    return state


def _assert_old_or_new(name: str, data: bytes, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    if data == old[name]:
        return
    if name.startswith("report."):
        # The report holds timings, so the next build's report has no fixed bytes: it must be whole.
        if name.endswith(".json"):
            assert json.loads(data)
        else:
            assert data.endswith(new[name][-200:]) and abs(len(data) - len(new[name])) < 200
        return
    assert data == new[name], f"{name} is neither the previous nor the next version"


def _assert_whole_package(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert "collection.anki2" in zf.namelist()


def test_build__sigkill_at_any_moment_leaves_previous_or_next_outputs_whole(tmp_path: Path) -> None:
    """Kill a real build process (SIGKILL) at several moments; every output is the old or the new one."""
    base = tmp_path / "base"
    _tree(base / "src", 30, 20, "v1")
    build(base / "src", base / "out", timestamp=int(EPOCH))
    _tree(base / "src", 30, 20, "v2")  # every card changes, so old and new outputs differ
    old = _snapshot(base / "out", base / "src")
    # The next build, run to completion, gives the "new" bytes (builds are reproducible).
    ref = tmp_path / "ref"
    shutil.copytree(base, ref)
    started = time.monotonic()
    proc = _cli(ref / "src", ref / "out")
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    duration = time.monotonic() - started
    new = _snapshot(ref / "out", ref / "src")
    assert all(new[name] != old[name] for name in OUTPUTS)
    outcomes = []
    for fraction in (0.3, 0.7, 0.95):
        run = tmp_path / f"kill{fraction}"
        shutil.copytree(base, run)
        proc = _cli(run / "src", run / "out")
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        state = _state(run / "out", run / "src")
        for name, data in state.items():
            _assert_old_or_new(name, data, old, new)
        assert set(state) == set(old), "an output vanished"
        _assert_whole_package(run / "out" / "Big.apkg")
        visible = {p.name for p in (run / "out").iterdir() if not p.name.startswith(".")}
        assert visible == set(OUTPUTS), f"stray files: {visible - set(OUTPUTS)}"
        # The next build's start finishes an interrupted commit and sweeps stale temporaries.
        with output_lock(run / "out", wait=0):
            recover(run / "out")
        state = _state(run / "out", run / "src")
        # The ledger is part of the same commit: it always describes the package beside it.
        outputs_new = [state[n] != old[n] for n in (*OUTPUTS, "cards.lock")]
        assert all(outputs_new) or not any(outputs_new), "outputs (or ledger) from two different builds"
        assert not [p for p in (run / "out").iterdir() if p.name.endswith(".tmp")]
        outcomes.append("new" if all(outputs_new) else "old")
    assert "old" in outcomes, f"no kill landed before the commit; outcomes {outcomes}"
    print(f"build took {duration:.2f} s; kills gave {outcomes}")


def test_staged__commit_interrupted_midway_is_finished_by_recover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kill between two renames must not leave outputs of two builds side by side for good."""
    out = tmp_path / "out"
    for name in ("a.txt", "b.txt", "c.txt"):
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text("old")
    staged = Staged(out)
    for name in ("a.txt", "b.txt", "c.txt"):
        staged.write_text(out / name, "new")
    real_replace = os.replace
    calls = []

    def dying_replace(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 3:  # journal, a.txt, then "killed" before b.txt
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        staged.commit()
    monkeypatch.setattr(os, "replace", real_replace)
    assert [(out / n).read_text() for n in ("a.txt", "b.txt", "c.txt")] == ["new", "old", "old"]
    recover(out)
    assert [(out / n).read_text() for n in ("a.txt", "b.txt", "c.txt")] == ["new", "new", "new"]
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt", "c.txt"]


def test_build__failed_build_leaves_previous_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _tree(tmp_path / "src", 2, 3, "v1")
    build(src, tmp_path / "out", timestamp=int(EPOCH))
    before = _snapshot(tmp_path / "out", src)
    _tree(src, 2, 3, "v2")

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr("genanki_build.report_html.to_html", broken)
    with pytest.raises(RuntimeError):
        build(src, tmp_path / "out", timestamp=int(EPOCH))
    assert _snapshot(tmp_path / "out", src) == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")) == []


def test_build__stale_temporaries_are_swept(tmp_path: Path) -> None:
    src = _tree(tmp_path / "src", 1, 2, "v1")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".Big.apkg.x1y2.tmp").write_bytes(b"half a zip")
    (out / "keep.tmp").write_text("not ours: not hidden")
    build(src, out, timestamp=int(EPOCH))
    assert not (out / ".Big.apkg.x1y2.tmp").exists()
    assert (out / "keep.tmp").exists()


def test_build__second_build_on_a_locked_folder_fails_clearly(tmp_path: Path) -> None:
    src = _tree(tmp_path / "src", 1, 2, "v1")
    out = tmp_path / "out"
    with output_lock(out), pytest.raises(LockError) as err:
        build(src, out, lock_wait=0.2)
    assert (
        str(err.value) == f"another build is writing {out} (waited 0.2 s); wait for it or use another --out"
    )
    assert not (out / "Big.apkg").exists()


def test_build__two_processes_at_once_both_finish_whole(tmp_path: Path) -> None:
    """Two builds started together on one output folder: the second waits; outputs stay whole."""
    src = _tree(tmp_path / "src", 20, 10, "v1")
    ref = tmp_path / "ref"
    shutil.copytree(src, ref / "src")
    build(ref / "src", ref / "out", timestamp=int(EPOCH))
    out = tmp_path / "out"
    first, second = _cli(src, out), _cli(src, out)
    assert first.wait(timeout=120) == 0
    assert second.wait(timeout=120) == 0
    _assert_whole_package(out / "Big.apkg")
    for name in ("Big.apkg", "cards.jsonl"):
        assert (out / name).read_bytes() == (ref / "out" / name).read_bytes()
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_build__ledger_lands_in_the_same_commit_as_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger used to be written after the outputs' commit, so a kill between the two left a
    new package beside the old ledger until the next build."""
    src, out = tmp_path / "src", tmp_path / "out"
    _tree(src, 2, 3, "v1")
    build(src, out, timestamp=int(EPOCH))
    old = _snapshot(out, src)
    _tree(src, 2, 3, "v2")
    real_replace = os.replace
    moved: list[str] = []

    def killed_midway(a: str, b: str) -> None:
        if (out / ".commit.json").exists():  # the commit is under way
            moved.append(str(b))
            if len(moved) == 2:
                raise KeyboardInterrupt("killed between two renames of the commit")
        real_replace(a, b)

    monkeypatch.setattr(os, "replace", killed_midway)
    with pytest.raises(KeyboardInterrupt):
        build(src, out, timestamp=int(EPOCH))
    monkeypatch.undo()
    with output_lock(out, wait=0):
        recover(out)
    state = _snapshot(out, src)
    changed = {name: state[name] != old[name] for name in ("Big.apkg", "cards.jsonl", "cards.lock")}
    assert all(changed.values()), changed


def test_build__package_thread_fails__error_raised_and_previous_outputs_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package is written on a second thread beside the reports: its failure must still stop
    the build, with nothing committed and no temporary left."""
    src, out = tmp_path / "src", tmp_path / "out"
    _tree(src, 2, 3, "v1")
    build(src, out, timestamp=int(EPOCH))
    old = _snapshot(out, src)
    _tree(src, 2, 3, "v2")

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("genanki_build.package.write_package", disk_full)
    with pytest.raises(OSError, match="No space left"):
        build(src, out, timestamp=int(EPOCH))
    assert _snapshot(out, src) == old
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert not [p.name for p in src.iterdir() if p.name.endswith(".tmp")]


def test_output_lock__a_forked_child_does_not_hold_it(tmp_path: Path) -> None:
    """The lock went with the open file into every forked child (parse workers, the package
    writer): a build killed while a child ran kept its output folder locked until the child ended."""
    import multiprocessing

    out = tmp_path / "out"
    started, release = (
        multiprocessing.get_context("fork").Event(),
        multiprocessing.get_context("fork").Event(),
    )

    def child() -> None:
        started.set()
        release.wait(10)

    with output_lock(out):
        proc = multiprocessing.get_context("fork").Process(target=child)
        proc.start()
        assert started.wait(10)
    try:
        with output_lock(out, wait=0):  # free as soon as the parent lets go, the child still running
            pass
    finally:
        release.set()
        proc.join(10)


def test_write_text__an_error_names_the_file_asked_for() -> None:
    """`export --out /proc/x.csv` said "/proc/.x.csv.9kmzto7h.tmp: No such file": a name the user never gave."""
    from genanki_build import atomic

    target = Path("/proc/genanki-build-test.csv")  # a folder that holds no new files
    if not Path("/proc").is_dir():
        pytest.skip("needs Linux's /proc")
    with pytest.raises(OSError) as raised:
        atomic.write_text(target, "text")
    assert raised.value.filename == str(target)
