"""Fuzz the format detector and every parser with Hypothesis at high example counts.

Not collected by pytest (the name does not start with ``test_``). Run from the project root::

    .venv/bin/python -m tests.fuzz.fuzz_formats --n 100000

Each input is bytes: an export-shaped text (a format's header, then random lines full of the
characters formats give meaning to) in a random encoding, or raw random bytes. Each is decoded as the
build decodes files, sniffed by the registry, and parsed by *every* format (not only the detected
one), and every parse must account for each non-blank line. Failures are recorded, not raised, so
one run finds every distinct crash: they are grouped by format, exception and the line that raised,
and printed with the shortest input that showed each.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from genanki_build.decode import decode
from genanki_build.formats import default_registry
from genanki_build.formats.base import ParseOptions
from tests.accounting import unaccounted_lines
from tests.test_properties import encoded

REGISTRY = default_registry()
OPTIONS = ParseOptions()


@dataclass
class Tally:
    """What the run saw."""

    inputs: int = 0
    parses: int = 0
    failures: dict[tuple[str, str, str], tuple[int, bytes]] = field(default_factory=dict)
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def fail(self, key: tuple[str, str, str], data: bytes) -> None:
        self.counts[key] += 1
        shortest = self.failures.get(key)
        if shortest is None or len(data) < shortest[0]:
            self.failures[key] = (len(data), data)


TALLY = Tally()


def _where(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "genanki_build" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{frame.filename.split('genanki_build/')[-1]}:{frame.lineno}"


class OutOfTime(Exception):
    """The run's time budget is spent."""


DEADLINE = [float("inf")]


def check(data: bytes) -> None:
    """Decode, sniff and parse ``data`` with every format; record anything wrong."""
    if time.monotonic() > DEADLINE[0]:
        raise OutOfTime
    TALLY.inputs += 1
    if TALLY.inputs % 5000 == 0:
        print(f"  … {TALLY.inputs} inputs, {len(TALLY.failures)} problem(s)", flush=True)
    try:
        text = decode(data).text
        REGISTRY.sniff(text)
    except Exception as exc:
        TALLY.fail(("decode/sniff", type(exc).__name__, _where(exc)), data)
        return
    for fmt in REGISTRY:
        TALLY.parses += 1
        try:
            score = fmt.detect(text)
            if not 0.0 <= score <= 1.0:
                TALLY.fail((fmt.name, "score out of range", str(score)), data)
            result = fmt.parse(text, "f.txt", OPTIONS)
        except Exception as exc:
            TALLY.fail((fmt.name, type(exc).__name__, _where(exc)), data)
            continue
        if unaccounted_lines(text, "f.txt", result):
            TALLY.fail((fmt.name, "line not accounted for", ""), data)


def run(n: int, seed: int) -> None:
    inputs = st.one_of(encoded(), encoded(), encoded(), st.binary(max_size=400))

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=inputs)
    def fuzz(data: bytes) -> None:
        check(data)

    with contextlib.suppress(OutOfTime):
        hypothesis_seed(seed)(fuzz)()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="inputs to try (default 100000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: no limit)")
    args = parser.parse_args(argv)
    if args.seconds:
        DEADLINE[0] = time.monotonic() + args.seconds
    started = time.perf_counter()
    run(args.n, args.seed)
    seconds = time.perf_counter() - started
    print(
        f"tried {TALLY.inputs} inputs ({TALLY.parses} detect+parse calls over {len(REGISTRY.names())} formats) "
        f"in {seconds:.0f} s; {len(TALLY.failures)} distinct problem(s)"
    )
    for key, count in TALLY.counts.most_common():
        _, data = TALLY.failures[key]
        print(f"  {count:6d}x  {' | '.join(k for k in key if k)}  shortest input: {data[:120]!r}")
    return 1 if TALLY.failures else 0


if __name__ == "__main__":
    sys.exit(main())
