"""How long do hostile inputs take? Prints figures; not a test, and it asserts nothing.

Each case is an input that once made a stage or detector quadratic. The tests check these inputs
give the right result; this script shows how long they take, so a regression is visible as a
number rather than as a flaky timed test.

Usage::

    python -m benchmarks.hostile
"""

from __future__ import annotations

import time
from collections.abc import Callable

from genanki_build.config import Config
from genanki_build.dedupe import merge_duplicates
from genanki_build.formats import ParseOptions, default_registry
from genanki_build.model import Card, NoteType, SourceRef
from genanki_build.stage import Context


def _sniff(text: str) -> Callable[[], object]:
    registry = default_registry()
    return lambda: registry.sniff(text)


def _parse(name: str, text: str) -> Callable[[], object]:
    fmt = default_registry().get(name)
    return lambda: fmt.parse(text, "x.txt", ParseOptions())


def _dedupe_unclosed_cloze(n: int) -> Callable[[], object]:
    card = Card("{{c1::open " * n, "", SourceRef("x.md", 1, 1), "markdown", note_type=NoteType.CLOZE)
    return lambda: merge_duplicates((card, card), Context(config=Config()))


def _outline(lines: int) -> str:
    return "\n".join(f"{'    ' * (i % 4)}- term {i} ::@:: meaning {i}" for i in range(lines))


def _page(cards: int) -> str:
    body = "\n".join(f"What is item {i}?\nItem {i} is a thing." for i in range(cards))
    return f"L1: Items Flashcards\n{body}\n"


CASES: tuple[tuple[str, Callable[[], object]], ...] = (
    ("sniff a 10 MB line of '{{c1::'", _sniff("{{c1::" * 1_700_000)),
    ("sniff a 10 MB line of 'a::'", _sniff("a::" * 3_400_000)),
    ("sniff a 10 MB line of tabs", _sniff("a\t" * 5_000_000)),
    ("sniff a 20,000-line outline", _sniff(_outline(20_000))),
    ("parse a 5,000-card Quizlet page copy", _parse("quizlet-page", _page(5_000))),
    ("dedupe a field with 10,000 unclosed clozes", _dedupe_unclosed_cloze(10_000)),
)


def main() -> None:
    """Time every case once and print one line each."""
    for label, run in CASES:
        started = time.perf_counter()
        run()
        print(f"{time.perf_counter() - started:8.3f} s  {label}")


if __name__ == "__main__":
    main()
