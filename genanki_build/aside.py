"""Work done beside the main thread: in a forked child process where the platform forks, else on a
thread.

A build writes the package while it writes the reports. Both are CPU work; on a thread, the two
share one interpreter lock and SQLite's row binding waits for it, so they run little faster
together than one after the other. A child made by ``fork`` has every card already in memory
(copy-on-write, nothing pickled) and its own interpreter, so the two really run at once on two
cores. Only the result (or the exception) comes back, pickled through a pipe.

``fork`` is used on Linux only: macOS's system libraries are not safe to use in a forked child of a
process that has used them, and Windows cannot fork. Elsewhere the work runs on a thread, with the
same results.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from genanki_build.errors import BuildError

_T = TypeVar("_T")


def can_fork() -> bool:
    """True where :func:`aside` runs work in a forked child process."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class Pending(Generic[_T]):
    """Work started by :func:`aside`; :meth:`result` waits for it."""

    def __init__(self, result: Callable[[], _T]) -> None:
        self._result = result

    def result(self) -> _T:
        """What the work returned; raises what it raised."""
        return self._result()


#: Linux's ``prctl`` option that has the kernel signal a process when its parent dies.
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """In the child: be killed when ``parent`` dies. A killed build must not leave a writer behind,
    still writing a temporary file into the output folder."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl: the writer ends on its own, moments later
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(1)


def _send(conn: Any, work: Callable[[], Any], parent: int) -> None:
    """In the child: run ``work`` and send ``("ok", value)`` or ``("error", exception)``. Asked to
    stop (SIGTERM), the work ends as by an exception, so it removes its temporary files."""
    signal.signal(signal.SIGTERM, _stop)
    _die_with(parent)
    try:
        message: tuple[str, Any] = ("ok", work())
    except BaseException as exc:  # everything goes back to the parent, which decides
        message = ("error", exc)
    try:
        conn.send(message)
    except Exception:  # the value or the exception does not pickle: say what it was
        conn.send(("error", RuntimeError(f"{type(message[1]).__name__}: {message[1]}")))
    finally:
        conn.close()


@contextmanager
def aside(work: Callable[[], _T], *, name: str, fork: bool | None = None) -> Iterator[Pending[_T]]:
    """Start ``work`` beside this thread; within the ``with`` block, ``.result()`` waits for it.

    With ``fork`` (by default :func:`can_fork`), ``work`` runs in a forked child process and must
    return something that pickles; otherwise on a thread. Leaving the block without asking for the
    result (an error in the block) stops the child (its work ends as by an exception, cleaning up
    after itself) and waits for it, or waits for the thread."""
    if not (can_fork() if fork is None else fork):
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["value"] = work()
            except BaseException as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()

        def joined() -> _T:
            thread.join()
            if "error" in outcome:
                raise outcome["error"]
            value: _T = outcome["value"]
            return value

        try:
            yield Pending(joined)
        finally:
            thread.join()
        return
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_send, args=(send, work, os.getpid()), name=name, daemon=True)
    child.start()
    send.close()  # the child holds its own copy; the parent's would keep the pipe open

    def received() -> _T:
        try:
            kind, value = receive.recv()
        except EOFError:
            child.join()
            raise BuildError(
                f"the {name} process stopped without an answer (exit code {child.exitcode}); "
                "the build stopped and kept the previous outputs — run it again, and report it "
                "if it happens again"
            ) from None
        child.join()
        if kind == "error":
            raise value
        result: _T = value
        return result

    try:
        yield Pending(received)
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receive.close()
