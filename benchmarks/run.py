"""How far is a build from the floor: genanki alone writing the same notes?

For a small and a large tree (10,000 and 100,000 cards by default) it generates a source tree
(:mod:`benchmarks.generate`), then, each in a fresh Python process so memory and caches start cold:

1. builds the tree with genanki-build (``genanki_build.build.build``), the parse cache deleted first;
2. writes the same notes (the built fronts, backs, decks, GUIDs and tags read back from
   ``cards.jsonl``) with plain ``genanki.Model``/``Deck``/``Note``/``Package.write_to_file``:
   the floor;
3. for the large tree only: rebuilds with nothing changed, then after changing one line of one
   source file (the incremental rebuild the parse cache is for).

It prints the ratio build/floor, the time each stage takes, the peak RSS of the build process
(and of its parse workers, if any) and the ratio of the large tree's build time to the small one's.
It is not a test: it prints figures and exits 0.

Usage::

    python -m benchmarks.run                 # 10,000 and 100,000 cards (several minutes)
    python -m benchmarks.run --quick         # 2,000 and 20,000 cards
    python -m benchmarks.run --n 50000       # 5,000 and 50,000 cards
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Fixed build time, so every run writes the same bytes.
TIMESTAMP = 1_700_000_000


def _peak_rss_mib() -> dict[str, float]:
    """Peak resident memory of this process and of its largest finished child, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # Linux reports KiB, macOS bytes.
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024
    return {"rss_mib": own * scale, "workers_rss_mib": kids * scale}


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and its finished children (parse workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _pss_kib(pid: int | str) -> int:
    """The proportional set size of process ``pid`` (Linux): its private pages plus its share of
    the pages it shares, so the figures of processes that share pages add up to the memory used."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def _children(pid: int | str) -> list[str]:
    found: list[str] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                found += fh.read().split()
    except OSError:
        pass
    return found


class _PssSampler(threading.Thread):
    """Samples the memory of this process and its children (parse workers, the package writer)
    together, every 20 ms: the peak is the most memory the build held at once."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.02):
            pids = ["self", *_children("self")]
            pids += [grandchild for pid in pids[1:] for grandchild in _children(pid)]
            self.peak_kib = max(self.peak_kib, sum(map(_pss_kib, pids)))

    def stop(self) -> float | None:
        """Stop; the peak in MiB, or None where /proc cannot tell."""
        self._done.set()
        self.join()
        return self.peak_kib / 1024 if self.peak_kib else None


def child_build(source: Path, out: Path) -> dict[str, Any]:
    """Build ``source`` into ``out`` in this process; what it took."""
    from genanki_build.build import build

    sampler = _PssSampler()
    sampler.start()
    cpu = _cpu_seconds()
    started = time.perf_counter()
    result = build(source, out, timestamp=TIMESTAMP)
    seconds = time.perf_counter() - started
    return {
        "total_pss_mib": sampler.stop(),
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "timings": result.timings,
        "notes": len(result.cards),
        "excluded": len(result.excluded),
        "findings": len(result.findings),
        **_peak_rss_mib(),
    }


def child_floor(jsonl: Path, apkg: Path) -> dict[str, Any]:
    """Write the notes of ``jsonl`` with genanki alone; how long the writing took."""
    import genanki

    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    cpu = _cpu_seconds()
    started = time.perf_counter()
    model = genanki.Model(
        1_607_392_319,
        "Floor Basic",
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
    )
    decks: dict[str, genanki.Deck] = {}
    for i, record in enumerate(records):
        name = record["deck"]
        deck = decks.get(name)
        if deck is None:
            deck = decks[name] = genanki.Deck(2_000_000_000 + len(decks), name)
        front, back = list(record["fields"].values())[:2]
        deck.add_note(
            genanki.Note(
                model=model, fields=[front, back], guid=record["guid"] or str(i), tags=record["tags"]
            )
        )
    genanki.Package(list(decks.values())).write_to_file(str(apkg), timestamp=TIMESTAMP)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cpu_seconds": _cpu_seconds() - cpu, "notes": len(records), **_peak_rss_mib()}


def _child(*args: str) -> dict[str, Any]:
    """Run this module with ``--child ARGS`` in a fresh interpreter; its JSON answer."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--child", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child {' '.join(args)} failed:\n{proc.stderr}")
    answer: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    answer["process_seconds"] = time.perf_counter() - started
    return answer


def _touch_one_file(source: Path) -> Path:
    """Change one line of one source file (the middle one, by path): an edit a maintainer makes."""
    files = sorted(p for p in source.rglob("*.txt"))
    path = files[len(files) // 2]
    lines = path.read_text(encoding="utf-8").split("\n")
    i = next(i for i, line in enumerate(lines) if line.endswith("."))
    lines[i] = lines[i][:-1] + " and revised."
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _stage_table(timings: dict[str, float], total: float) -> list[str]:
    from genanki_build.pipeline import head

    per_file = set(head())
    rows = []
    for name, seconds in timings.items():
        # The per-file stages run inside the parse step, in its workers: their figures are a part of
        # it (added up over the files, so over the workers), not time of their own.
        note = "  (within parse, summed over files)" if name in per_file else ""
        rows.append(f"    {name:<14} {seconds:8.3f} s  {100 * seconds / total:5.1f}%{note}")
    return rows


def _row(label: str, run: dict[str, Any], floor: dict[str, Any], note: str) -> None:
    wall = run["seconds"] / floor["seconds"]
    cpu = run["cpu_seconds"] / floor["cpu_seconds"]
    print(
        f"  {label:<28}{run['seconds']:8.2f}s{run['cpu_seconds']:8.2f}s{wall:11.2f}x{cpu:10.2f}x  {note}",
        flush=True,
    )


def _measure(work: Path, n: int, *, incremental: bool) -> dict[str, Any]:
    from benchmarks.generate import generate

    source, out = work / f"source-{n}", work / f"output-{n}"
    shutil.rmtree(source, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    stats = generate(source, n)
    print(
        f"\n== {n:,} cards: {stats.files} files, {stats.lectures} lectures, {stats.duplicates} duplicates, "
        f"{stats.typos} typos (generated in {time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    cold = _child("build", str(source), str(out))
    floor = _child("floor", str(out / "cards.jsonl"), str(work / f"floor-{n}.apkg"))
    print(f"  {'':28}{'wall':>9}{'cpu':>9}{'wall/floor':>12}{'cpu/floor':>11}")
    _row("genanki floor", floor, floor, f"{floor['notes']:,} notes")
    _row("cold build", cold, floor, f"{cold['notes']:,} notes; target <= 3x")
    print(
        f"  peak RSS {cold['rss_mib']:.0f} MiB (build process), {cold['workers_rss_mib']:.0f} MiB (largest "
        "child: a parse worker, or the package writer, which shares most of its pages with the build)"
    )
    if cold.get("total_pss_mib"):
        print(
            f"  peak memory of the build and its children together (PSS, sampled every 20 ms): "
            f"{cold['total_pss_mib']:.0f} MiB; target < 1024 MiB"
        )
    print("  stages of the cold build (wall):")
    for row in _stage_table(cold["timings"], cold["seconds"]):
        print(row)
    result = {"n": n, "cold": cold, "floor": floor}
    if incremental:
        warm = _child("build", str(source), str(out))
        changed = _touch_one_file(source)
        incr = _child("build", str(source), str(out))
        result |= {"warm": warm, "incremental": incr}
        _row("rebuild, nothing changed", warm, floor, "")
        _row("rebuild, one file changed", incr, floor, f"target <= 1.5x; {changed.relative_to(source)}")
        print("  stages of the one-file rebuild (wall):")
        for row in _stage_table(incr["timings"], incr["seconds"]):
            print(row)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time genanki-build against genanki's own write time.")
    parser.add_argument("--n", type=int, default=100_000, help="cards in the large tree (default 100000)")
    parser.add_argument("--quick", action="store_true", help="small run: 2,000 and 20,000 cards")
    parser.add_argument(
        "--work", type=Path, default=None, help="folder for the trees (default: a temporary one)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        answer = (
            child_build(Path(rest[0]), Path(rest[1]))
            if kind == "build"
            else child_floor(Path(rest[0]), Path(rest[1]))
        )
        print(json.dumps(answer))
        return
    large = 20_000 if args.quick else args.n
    small = max(100, large // 10)
    print(f"genanki-build benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="genanki-build-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        small_result = _measure(work, small, incremental=False)
        large_result = _measure(work, large, incremental=True)
    growth = large_result["cold"]["seconds"] / small_result["cold"]["seconds"]
    cpu_growth = large_result["cold"]["cpu_seconds"] / small_result["cold"]["cpu_seconds"]
    print(
        f"\n{large:,} cards took {growth:.2f}x the wall time of {small:,} ({cpu_growth:.2f}x the CPU time); "
        "target <= 11x"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"small": small_result, "large": large_result}, indent=2), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
