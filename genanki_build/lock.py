"""One build at a time per output folder, and outputs that land whole.

- :func:`output_lock` takes an exclusive ``flock`` on ``<out>/.lock``. A second build on the same
  folder waits up to a timeout, then fails with a :class:`LockError` saying what to do. The lock
  goes with the process: a killed build never leaves a stale lock behind. A child process the build
  forks (a parse worker, the package writer) closes its copy of the lock's file at once, so the lock
  never outlives the build that took it.
- :class:`Staged` writes every output of a build to hidden temporary files beside their targets, then
  renames them into place in one short commit. A journal (``<out>/.commit.json``) lists the renames
  while they happen; :func:`recover` (run at the start of the next build) finishes a commit a kill
  interrupted and deletes stale temporaries, so readers see the previous build or the next one,
  never half a file and never a mix after recovery.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from genanki_build.errors import BuildError

LOCK_NAME = ".lock"
JOURNAL_NAME = ".commit.json"
#: Seconds a build waits for another build on the same output folder before giving up.
WAIT_SECONDS = 120.0


class LockError(BuildError):
    """Another build holds the output folder."""


#: The lock files this process holds open.
_HELD: set[int] = set()


def _close_held_in_child() -> None:
    # An flock belongs to the open file, which a forked child shares: were the child to keep its
    # copy, the lock would last until the child ended, even after the build itself was killed.
    # Closing the child's copy leaves the parent's lock as it is.
    for fd in _HELD:
        with suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_held_in_child)


@contextmanager
def output_lock(out_dir: Path, *, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold the exclusive lock on ``out_dir`` for the ``with`` block; wait up to ``wait`` seconds."""
    if out_dir.exists() and not out_dir.is_dir():
        raise BuildError(f"{out_dir}: not a folder; pass --out a folder (it is made when missing)")
    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    _HELD.add(fd)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockError(
                        f"another build is writing {out_dir} (waited {wait:g} s); "
                        "wait for it or use another --out"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        _HELD.discard(fd)
        os.close(fd)


def _is_temp(name: str) -> bool:
    return name.startswith(".") and name.endswith(".tmp")


def recover(out_dir: Path) -> list[str]:
    """Finish an interrupted commit in ``out_dir`` and remove stale temporaries; call under the lock.

    Returns the names of the files it moved into place or deleted.
    """
    touched: list[str] = []
    journal = out_dir / JOURNAL_NAME
    if journal.is_file():
        try:
            renames = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            renames = []
        for tmp, final in renames if isinstance(renames, list) else []:
            if os.path.exists(tmp):
                os.replace(tmp, final)
                touched.append(os.path.basename(final))
        journal.unlink(missing_ok=True)
    if out_dir.is_dir():
        for entry in sorted(os.scandir(out_dir), key=lambda e: e.name):
            if _is_temp(entry.name) and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                touched.append(entry.name)
    return touched


class Staged:
    """Outputs written to hidden temporary files first, renamed into place by :meth:`commit`."""

    def __init__(self, out_dir: Path) -> None:
        self._out_dir = out_dir
        self._renames: list[tuple[str, str]] = []

    def reserve(self, final: Path) -> Path:
        """A fresh hidden temporary path beside ``final``; :meth:`commit` renames it to ``final``."""
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
        os.close(fd)
        self._renames.append((tmp, str(final)))
        return Path(tmp)

    def write_bytes(self, final: Path, data: bytes) -> None:
        """Stage ``data`` for ``final``."""
        tmp = self.reserve(final)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    def write_text(self, final: Path, text: str) -> None:
        """Stage UTF-8 ``text`` for ``final``."""
        self.write_bytes(final, text.encode("utf-8"))

    def write_chunks(self, final: Path, chunks: Iterable[str]) -> None:
        """Stage UTF-8 text given piece by piece for ``final``, never holding it whole in memory."""
        tmp = self.reserve(final)
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.writelines(chunks)
            fh.flush()
            os.fsync(fh.fileno())

    def commit(self) -> None:
        """Rename every staged file into place, journalled so a kill midway is finished later."""
        from genanki_build import atomic

        for tmp, _ in self._renames:
            os.chmod(tmp, 0o644)
        journal = self._out_dir / JOURNAL_NAME
        atomic.write_text(journal, json.dumps(self._renames))
        for tmp, final in self._renames:
            os.replace(tmp, final)
        journal.unlink()
        self._renames = []

    def discard(self) -> None:
        """Delete every staged file; the previous outputs stay as they were."""
        for tmp, _ in self._renames:
            Path(tmp).unlink(missing_ok=True)
        self._renames = []
