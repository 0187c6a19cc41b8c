"""The collection's words: each file's word counts, its English share and each card's *unsure*
words (those the dictionary alone does not vouch for), read once per file (:class:`FileSurvey`),
then added up over the collection (:func:`survey`). The typos stage decides only unsure words.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

from genanki_build import spelling
from genanki_build.clean import may_be_protected, protected_spans
from genanki_build.model import Card, Markup


def prose_of(text: str, markup: Markup) -> str:
    """``text`` with its code, URLs and tags blanked out (offsets kept)."""
    spans = protected_spans(text, markup)
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts += [text[last:start], " " * (end - start)]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def words_key(runs: list[str]) -> bytes:
    """A short digest of a card's :func:`letter_runs`, the same in every process: two copies of one
    card (whatever their case, punctuation or markup) have one key."""
    return hashlib.blake2b(" ".join(runs).encode(), digest_size=12).digest()


def letter_runs(card: Card) -> list[str]:
    """The runs of letters (lower-cased a–z) in the prose of both fields of ``card``: the words a
    vocabulary counts."""
    return spelling.WORD.findall(
        f"{prose_of(card.front, card.markup)}\n{prose_of(card.back, card.markup)}".lower()
    )


class Sorter:
    """Sorts words into plain and unsure ones, once each. A plain word is fine whatever the
    collection's vocabulary (unless ``deck.toml`` fixes it): shorter than
    :data:`spelling.MIN_LENGTH`, or known to the dictionary and not a confusable. Any other word is unsure."""

    def __init__(self) -> None:
        self.short: set[str] = set()
        self.unsure: set[str] = set()
        self.sorted: set[str] = set()

    def sort(self, words: Iterable[str]) -> None:
        for word in set(words).difference(self.sorted):
            if len(word) < spelling.MIN_LENGTH:
                self.short.add(word)
            elif not spelling.known_to_dictionary(word) or word in spelling.confusables():
                self.unsure.add(word)
            self.sorted.add(word)

    def unsure_of(self, runs: list[str]) -> frozenset[str]:
        """The unsure words of ``runs``."""
        self.sort(runs)
        return frozenset(self.unsure.intersection(runs))


@dataclass(frozen=True, slots=True)
class FileSurvey:
    """What the typos stage reads from one source file's cards, whatever the rest of the collection holds.
    A build works it out as it parses the file and keeps it in the parse cache
    (:data:`genanki_build.pipeline.SUMMARIES`)."""

    cards: int
    """How many cards it was taken from."""
    counts: Counter[str]
    """The file's words (runs of letters, lower-cased) and how often it uses each."""
    share: tuple[float, int]
    """Its :func:`_english_share`."""
    unsure: tuple[frozenset[str], ...]
    """Each card's unsure words (:class:`Sorter`)."""
    keys: tuple[bytes, ...] = ()
    """Each card's words, as a short digest (:func:`words_key`): copies of one card have one key."""
    neighbours: dict[str, frozenset[str]] = field(default_factory=dict)
    """:func:`spelling.neighbours` of the unsure words the dictionary does not know, when asked
    for: the costliest part of deciding a word, and the same whatever the collection holds."""


def survey_file(
    cards: tuple[Card, ...], sorter: Sorter | None = None, *, neighbours: bool = False
) -> FileSurvey:
    """The :class:`FileSurvey` of one file's ``cards``; with ``neighbours``, their dictionary
    neighbours too (worth it where the survey is kept: in the parse cache)."""
    sorter = sorter or Sorter()
    if not cards:
        return FileSurvey(0, Counter(), (1.0, 0), (), ())
    runs = _file_runs(list(cards))
    counts = Counter(chain.from_iterable(runs))
    sorter.sort(counts.keys())
    doubts = sorter.unsure.intersection(counts)
    none = frozenset[str]()
    unsure = tuple(frozenset(found) if (found := doubts.intersection(r)) else none for r in runs)
    near = (
        {w: spelling.neighbours(w) for w in sorted(doubts) if not spelling.known_to_dictionary(w)}
        if neighbours
        else {}
    )
    keys = tuple(map(words_key, runs))
    return FileSurvey(len(cards), counts, _english_share(counts, sorter), unsure, keys, near)


@lru_cache(maxsize=1)
def _shared_sorter() -> Sorter:
    """One sorter for every file a process summarizes: how a word sorts depends on the dictionary
    alone, so each word is sorted once per process, not once per file that uses it."""
    return Sorter()


def summarize_file(cards: tuple[Card, ...]) -> FileSurvey:
    """The summary a build keeps of each file for the typos stage (:data:`genanki_build.pipeline.SUMMARIES`):
    its survey, with the dictionary neighbours of its unsure words."""
    return survey_file(cards, _shared_sorter(), neighbours=True)


@dataclass(frozen=True, slots=True)
class Survey:
    """What reading every card once finds."""

    counts: dict[str, Counter[str]]
    """Each source file's words and how often it uses them."""
    vocabulary: Counter[str]
    """All those counts added up."""
    shares: dict[str, tuple[float, int]]
    """Each source file's :func:`_english_share`."""
    unsure: list[frozenset[str]]
    """Each card's unsure words (:class:`Sorter`)."""
    keys: list[bytes]
    """Each card's :attr:`FileSurvey.keys`."""
    sorter: Sorter
    """The sorter that sorted them."""
    neighbours: dict[str, frozenset[str]]
    """The :attr:`FileSurvey.neighbours` of every file."""


def survey(cards: tuple[Card, ...], known: Mapping[str, object] | None = None) -> Survey:
    """Every file's survey: from ``known`` (file → :class:`FileSurvey`) where it holds one taken
    from as many cards as the file has here, else read from the cards."""
    by_file: dict[str, list[int]] = {}
    for i, card in enumerate(cards):
        by_file.setdefault(card.source.file, []).append(i)
    sorter = Sorter()
    counts: dict[str, Counter[str]] = {}
    vocabulary: Counter[str] = Counter()
    shares: dict[str, tuple[float, int]] = {}
    unsure = [frozenset[str]()] * len(cards)
    keys = [b""] * len(cards)
    neighbours: dict[str, frozenset[str]] = {}
    for file, indices in by_file.items():
        read = (known or {}).get(file)
        if not isinstance(read, FileSurvey) or read.cards != len(indices):
            read = survey_file(tuple(cards[i] for i in indices), sorter)
        counts[file] = read.counts
        vocabulary.update(read.counts)
        shares[file] = read.share
        neighbours.update(read.neighbours)
        for i, key in zip(indices, read.keys, strict=True):
            keys[i] = key
        for i, found in zip(indices, read.unsure, strict=True):
            if found:
                unsure[i] = found
    return Survey(counts, vocabulary, shares, unsure, keys, sorter, neighbours)


def _file_runs(cards: list[Card]) -> list[list[str]]:
    """:func:`letter_runs` of each of ``cards`` (of one file); quicker when one test of all their
    text finds that none of them can hold code, a URL or a tag: their prose is their text."""
    markup = cards[0].markup
    texts = [f"{card.front}\n{card.back}" for card in cards]
    if all(card.markup is markup for card in cards) and not may_be_protected("\n".join(texts), markup):
        return [spelling.WORD.findall(text.lower()) for text in texts]
    return [letter_runs(card) for card in cards]


def _english_share(counts: Counter[str], sorter: Sorter) -> tuple[float, int]:
    """The share of a file's words (of :data:`spelling.MIN_LENGTH` letters or more) the English
    dictionary knows, and how many words that share is taken over. ``sorter`` has sorted every word
    of ``counts``."""
    total = counts.total() - sum(counts[word] for word in sorter.short.intersection(counts))
    unknown = sum(
        counts[word] for word in sorter.unsure.intersection(counts) if not spelling.known_to_dictionary(word)
    )
    return ((total - unknown) / total if total else 1.0), total
