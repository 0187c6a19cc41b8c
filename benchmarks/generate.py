"""Write a synthetic source tree of N flashcards in the layouts students really paste.

The tree mixes three layouts, spread over many files and lectures:

- Quizlet page copy: a title line ``L<k>: <topic> Flashcards``, then term and definition on
  alternating lines (a few definitions are short bullet lists spanning several lines);
- Brainscape page copy: the same title, then numbered ``Q``/``A`` blocks, each followed by the
  rating widget (``How well did you know this?``, ``1``, ``Not at all``, ``2`` … ``5``,
  ``Perfectly``); some answers span several lines;
- Anki "Notes in Plain Text" export with ``#separator:tab`` and ``#html:false`` headers, one note per
  line, in a file named after its lecture.

About 3% of the cards are copies of a card from another file (often another layout), a third of
them with a small difference in case or punctuation, and about 1% of the longer words are misspelt
by swapping two adjacent letters or dropping one. Everything is drawn from a seeded
:class:`random.Random`, so the same ``n`` and ``seed`` give the same bytes.

The vocabulary is the most frequent plain words of pyspellchecker's English dictionary (no text
from any real deck is used).

Usage::

    python -m benchmarks.generate OUT_DIR --n 10000 [--seed 7]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

#: Share of cards that are copies of an earlier card placed in another file.
DUPLICATE_RATE = 0.03
#: Share of words (five letters or more) that get a typo.
TYPO_RATE = 0.01
#: Share of Quizlet definitions / Brainscape answers written over several lines.
MULTILINE_RATE = 0.03
#: Cards per file: drawn uniformly from this range.
CARDS_PER_FILE = (60, 340)
#: Layouts and how often each is picked for a file.
LAYOUTS: tuple[tuple[str, float], ...] = (("quizlet", 0.4), ("brainscape", 0.35), ("anki", 0.25))

_QUESTION_OPENERS = (
    "What is",
    "What does",
    "Why is",
    "Why do",
    "How does",
    "How can",
    "Which",
    "When should",
    "Define",
    "Explain",
    "Name the",
)


#: Word stems left out of the vocabulary: the dictionary comes from film subtitles.
_BLOCKED = (
    "fuck",
    "shit",
    "bitch",
    "cunt",
    "dick",
    "cock",
    "pussy",
    "whore",
    "slut",
    "bastard",
    "nigg",
    "fag",
)


@dataclass(frozen=True, slots=True)
class Note:
    """One card as written to the tree."""

    front: str
    back: str


@dataclass(slots=True)
class Stats:
    """What :func:`generate` wrote."""

    files: int = 0
    cards: int = 0
    duplicates: int = 0
    typos: int = 0
    lectures: int = 0
    layouts: dict[str, int] = field(default_factory=dict)


@lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """Plain lower-case English words, most frequent first, from pyspellchecker's dictionary."""
    from spellchecker import SpellChecker

    freq = SpellChecker().word_frequency.dictionary
    ranked = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))
    words = [
        w
        for w, _ in ranked
        if w.isascii() and w.isalpha() and 3 <= len(w) <= 12 and not any(b in w for b in _BLOCKED)
    ]
    # Skip the very top (function words) so sentences carry some content.
    return tuple(words[60:6060])


class _Writer:
    """Draws words, sentences and typos from one seeded generator."""

    def __init__(self, rng: random.Random, words: Sequence[str]) -> None:
        self.rng = rng
        self.words = words
        self.typos = 0

    def word(self) -> str:
        # Favour frequent words, as real text does: square a uniform draw.
        w = self.words[int(self.rng.random() ** 2 * len(self.words))]
        if len(w) >= 5 and self.rng.random() < TYPO_RATE:
            self.typos += 1
            return self._misspell(w)
        return w

    def _misspell(self, w: str) -> str:
        i = self.rng.randrange(1, len(w) - 1)
        if self.rng.random() < 0.5 and w[i] != w[i + 1]:
            return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        return w[:i] + w[i + 1 :]

    def words_(self, lo: int, hi: int) -> str:
        return " ".join(self.word() for _ in range(self.rng.randint(lo, hi)))

    def topic(self) -> str:
        return " ".join(self.word().capitalize() for _ in range(self.rng.randint(2, 4)))

    def question(self) -> str:
        opener = self.rng.choice(_QUESTION_OPENERS)
        if opener in {"Define", "Explain"}:
            return f"{opener} {self.words_(2, 5)}"
        return f"{opener} {self.words_(3, 9)}?"

    def sentence(self) -> str:
        text = self.words_(5, 22)
        return text[0].upper() + text[1:] + "."

    def answer_lines(self) -> list[str]:
        if self.rng.random() < MULTILINE_RATE:
            return [self.words_(2, 5).capitalize() + ":"] + [
                f"- {self.words_(1, 4)}" for _ in range(self.rng.randint(2, 4))
            ]
        return [self.sentence()]

    def note(self) -> Note:
        return Note(self.question(), "\n".join(self.answer_lines()))


def _variant(note: Note, rng: random.Random) -> Note:
    """The same card as a student might paste it again: case or punctuation slightly off."""
    pick = rng.randrange(3)
    if pick == 0:
        return Note(note.front.rstrip("?") + " ?", note.back)
    if pick == 1:
        return Note(note.front, note.back.rstrip("."))
    return Note(note.front.lower(), note.back)


def _quizlet(title: str, notes: Sequence[Note]) -> str:
    lines = [title]
    for note in notes:
        lines.append(note.front)
        lines.extend(note.back.split("\n"))
    return "\n".join(lines) + "\n"


def _brainscape(title: str, notes: Sequence[Note]) -> str:
    lines = [title, ""]
    for i, note in enumerate(notes, start=1):
        lines += [str(i), "Q", "", note.front, "", "A", "", *note.back.split("\n"), ""]
        lines += ["How well did you know this?", "1", "Not at all", "2", "3", "4", "5", "Perfectly"]
    return "\n".join(lines) + "\n"


def _anki(notes: Sequence[Note]) -> str:
    lines = ["#separator:tab", "#html:false"]
    for note in notes:
        # One note per line: a multi-line answer is joined, as an export without HTML would do.
        lines.append(f"{note.front}\t{'; '.join(note.back.split(chr(10)))}")
    return "\n".join(lines) + "\n"


def _layout(rng: random.Random) -> str:
    roll = rng.random()
    for name, share in LAYOUTS:
        if roll < share:
            return name
        roll -= share
    return LAYOUTS[-1][0]


def generate(out: Path, n: int, seed: int = 7) -> Stats:
    """Write about ``n`` cards (duplicates included) under ``out``; return what was written."""
    rng = random.Random(seed)
    writer = _Writer(rng, vocabulary())
    stats = Stats()
    out.mkdir(parents=True, exist_ok=True)
    (out / "deck.toml").write_text(
        '[collection]\nname = "Benchmark"\nnamespace = "genanki-build/benchmark"\n', encoding="utf-8"
    )
    # About four files per lecture; at least a handful of lectures even for tiny trees.
    mean_per_file = sum(CARDS_PER_FILE) / 2
    n_lectures = max(3, round(n / mean_per_file / 4))
    topics = [writer.topic() for _ in range(n_lectures)]
    stats.lectures = n_lectures
    written: list[Note] = []
    file_no = 0
    while stats.cards < n:
        size = min(rng.randint(*CARDS_PER_FILE), n - stats.cards)
        notes: list[Note] = []
        for _ in range(size):
            if written and rng.random() < DUPLICATE_RATE:
                copy = written[rng.randrange(len(written))]
                notes.append(_variant(copy, rng) if rng.random() < 1 / 3 else copy)
                stats.duplicates += 1
            else:
                notes.append(writer.note())
        written.extend(notes)
        lecture = rng.randrange(n_lectures)
        title = f"L{lecture + 1}: {topics[lecture]} Flashcards"
        layout = _layout(rng)
        folder = out / f"part-{file_no // 40:03d}"
        folder.mkdir(exist_ok=True)
        if layout == "quizlet":
            path, text = folder / f"quizlet-{file_no:05d}.txt", _quizlet(title, notes)
        elif layout == "brainscape":
            path, text = folder / f"brainscape-{file_no:05d}.txt", _brainscape(title, notes)
        else:
            # No title line in an export: the lecture comes from the file name, so each export
            # sits in a folder of its own under its lecture's name.
            stem = f"L{lecture + 1} {topics[lecture]}".replace(" ", "_")
            (folder / f"anki-{file_no:05d}").mkdir(exist_ok=True)
            path, text = folder / f"anki-{file_no:05d}" / f"{stem}.txt", _anki(notes)
        path.write_text(text, encoding="utf-8")
        stats.layouts[layout] = stats.layouts.get(layout, 0) + 1
        stats.cards += size
        stats.files += 1
        file_no += 1
    stats.typos = writer.typos
    return stats


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", type=Path, help="folder to write the source tree into")
    parser.add_argument("--n", type=int, default=10_000, help="number of cards (default 10000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    stats = generate(args.out, args.n, args.seed)
    print(
        f"{args.out}: {stats.cards} cards ({stats.duplicates} duplicates, {stats.typos} typos) "
        f"in {stats.files} files over {stats.lectures} lectures; layouts {stats.layouts}"
    )


if __name__ == "__main__":
    main()
