"""How fast is the dedupe stage on a large collection, and does its blocking keep it near linear?

Makes ``n`` synthetic cards (questions of 6 and answers of 12 words drawn from a Zipf-like
vocabulary, so common words are common and rare ones rare), then adds copies of a tenth of them:
re-cased, with punctuation and bullets changed, list items reordered, or one typo. It times
:func:`genanki_build.dedupe.merge_duplicates` and checks every copy merged. Not a test: it prints
figures and exits 0.

Usage::

    python -m benchmarks.dedupe               # 10,000 and 100,000 cards
    python -m benchmarks.dedupe --n 20000     # 2,000 and 20,000 cards
"""

from __future__ import annotations

import argparse
import itertools
import random
import time

from genanki_build.dedupe import merge_duplicates
from genanki_build.model import Card, SourceRef
from genanki_build.stage import Context


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 11))) for _ in range(size)]


def _copy(card: Card, rng: random.Random, i: int) -> Card:
    front, back = card.front, card.back
    how = i % 4
    if how == 0:
        front, back = front.upper(), back.lower()
    elif how == 1:
        back = back.replace("· ", "- ").replace("\n", ".\n") + "!"
    elif how == 2:
        lines = back.split("\n")
        rng.shuffle(lines)
        back = "\n".join(lines)
    else:
        words = back.split(" ")
        k = max(range(len(words)), key=lambda n: len(words[n]))
        w = words[k]
        words[k] = w[:2] + w[3] + w[2] + w[4:]  # swap two letters: a typo
        back = " ".join(words)
    return Card(front, back, SourceRef("copy.txt", i + 1, i + 1), "anki-text")


def cards(n: int, seed: int = 1) -> tuple[tuple[Card, ...], int]:
    """``n`` distinct cards plus copies of a tenth of them, shuffled; and the number of originals."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, 20_000)
    cum: list[float] = list(itertools.accumulate(1 / (r + 1) for r in range(len(vocab))))
    originals = []
    for i in range(n):
        q = " ".join(rng.choices(vocab, cum_weights=cum, k=6)) + "?"
        items = [" ".join(rng.choices(vocab, cum_weights=cum, k=3)) for _ in range(4)]
        originals.append(
            Card(q, "\n".join(f"· {x}" for x in items), SourceRef("set.txt", i + 1, i + 1), "quizlet-page")
        )
    copies = [_copy(c, rng, i) for i, c in enumerate(rng.sample(originals, n // 10))]
    everything = originals + copies
    rng.shuffle(everything)
    return tuple(everything), n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=100_000, help="cards in the large run (the small one has a tenth)"
    )
    args = parser.parse_args()
    for n in (args.n // 10, args.n):
        batch, originals = cards(n)
        started = time.perf_counter()
        result = merge_duplicates(batch, Context())
        took = time.perf_counter() - started
        merges = sum(1 for f in result.findings if f.kind == "merge")
        conflicts = sum(1 for f in result.findings if f.kind == "conflict")
        print(
            f"{len(batch):>7} cards -> {len(result.cards):>7} notes (expected {originals}) "
            f"in {took:6.2f} s; {merges} merges, {conflicts} conflicts"
        )


if __name__ == "__main__":
    main()
