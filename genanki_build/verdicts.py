"""Verdicts: what to do with one word, given the collection's vocabulary (:class:`Checker`).

The rules are the typos stage's (:mod:`genanki_build.typos` explains them); the dictionary's part
is :mod:`genanki_build.spelling`. A verdict is about a word, whatever card holds it: the one rule
that looks at the card (a confusable is corrected only in a card that uses the meant word,
:attr:`Verdict.confusable`) is the stage's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from genanki_build import spelling

#: A word the collection uses this often is its own vocabulary, not a typo.
MIN_USES = 3
#: How much more often the collection must use the meant word than a confusable real word.
RATIO = 5
#: The collection *knows* a word it uses at least this often, anywhere: a correction into a word it
#: knows may be any slip of the fingers (:func:`spelling.slip`). A correction into a word it never
#: uses rests on the dictionary alone and must restore what was typed (:func:`spelling.restores`): a
#: deleted or replaced letter is as often meant (stdout, upsert, mmap, tokio, raison) as slipped.
KNOWN_USES = 1
#: By the dictionary alone, a left-out letter is put back only in a word at least this long: short
#: unknown words are where abbreviations and identifiers live (stdio is no studio).
MIN_LENGTH_LEFT_OUT = 6
#: Distance-2 corrections need at least this many letters.
MIN_LENGTH_DISTANCE_2 = 6
#: The collection's vocabulary settles a choice between candidates only for words this long.
MIN_LENGTH_TO_SETTLE = 6
#: Linking words that may be glued to a neighbour inside a hyphenated compound.
LINKING = frozenset({"of", "in", "to", "on", "at", "by", "the", "and", "for", "or", "up", "off"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one lower-case word."""

    kind: str
    """``ok``, ``fix`` or ``suspect``."""
    target: str = ""
    """The correction (lower case), for ``fix``."""
    reason: str = ""
    """Why, for the report."""
    domain: bool = False
    """True when the correction is a word the collection itself uses at least :data:`MIN_USES` times."""
    distance: int = 0
    """The edit distance of the correction, when it comes from the dictionary or the vocabulary."""
    confusable: bool = False
    """True for a real word of the confusables list: it is corrected only in a card that uses the
    meant word too (see :mod:`genanki_build.typos`)."""


OK = Verdict("ok")


def by_dictionary_alone(word: str, target: str) -> bool:
    """True when ``word`` may be corrected into ``target`` though the collection never uses it: the
    correction restores what was typed (:func:`spelling.restores`), and a letter is put back only in
    a word of at least :data:`MIN_LENGTH_LEFT_OUT` letters."""
    return spelling.restores(word, target) and (len(word) == len(target) or len(word) >= MIN_LENGTH_LEFT_OUT)


class Checker:
    """Verdicts for one run: the collection's vocabulary, counted once; every word decided once."""

    def __init__(
        self,
        vocabulary: Counter[str],
        fix: Mapping[str, str],
        keep: frozenset[str],
        neighbours: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self._near = neighbours or {}
        """Words' :func:`spelling.neighbours` worked out already
        (:attr:`vocabulary.FileSurvey.neighbours`)."""
        self.fix = fix
        self.keep = keep
        self.words = spelling.dictionary()
        self.domain = frozenset(w for w, n in vocabulary.items() if n >= MIN_USES)
        self._by_length: dict[int, list[str]] = {}
        for w in sorted(self.domain):
            self._by_length.setdefault(len(w), []).append(w)
        self._similar: dict[int, list[str]] = {}
        self._unlisted = spelling.DropIndex(w for w in self.domain if w not in self.words)
        """The collection's own terms the dictionary does not list."""
        self._cache: dict[str, Verdict] = {}
        self.ok: set[str] = set()
        """Words whose verdict is ``ok``, for the fast path."""

    def known(self, word: str) -> bool:
        """In the dictionary or the collection's own terms, directly, spelled the British way, or
        made from a known word with a common prefix or ending."""
        if word in self.domain or spelling.known_to_dictionary(word):
            return True
        if not self.domain.isdisjoint(spelling.stems(word) - {word}):
            return True
        return any(not self.domain.isdisjoint(spelling.stems(rest)) for rest in spelling.unprefixed(word))

    def neighbours(self, word: str) -> set[str]:
        """The words of the dictionary and of the collection's terms one edit from ``word``
        (:func:`spelling.edits1`)."""
        known = self._near.get(word)
        return self._unlisted.neighbours(word) | (spelling.neighbours(word) if known is None else known)

    def similar(self, length: int) -> list[str]:
        """The collection's terms at most two letters longer or shorter than ``length``."""
        found = self._similar.get(length)
        if found is None:
            found = self._similar[length] = [
                w for n in range(length - 2, length + 3) for w in self._by_length.get(n, ())
            ]
        return found

    def doubtful(self, words: set[str]) -> set[str]:
        """Those of ``words`` that fail the typos stage's quick test: confusables, and words neither
        known to be fine (:attr:`ok`) nor with the verdict ``ok``."""
        # In alphabetical order: neighbouring words look up neighbouring parts of the word lists.
        return {
            w
            for w in sorted(words)
            if w in spelling.confusables() or (w not in self.ok and self.verdict(w) is not OK)
        }

    def decided(self, word: str) -> Verdict | None:
        """The verdict on ``word`` if it has been asked for."""
        return self._cache.get(word)

    def uses(self, word: str) -> int:
        return self.vocabulary.get(word, 0)

    def verdict(self, word: str) -> Verdict:
        found = self._cache.get(word)
        if found is None:
            found = self._cache[word] = self._decide(word)
            if found is OK:
                self.ok.add(word)
        return found

    def _decide(self, word: str) -> Verdict:
        if word in self.keep:
            return OK
        if word in self.fix:
            return Verdict("fix", self.fix[word], "deck.toml [typos] fix", domain=True)
        if self.known(word):
            return self._confusable(word)
        stems = spelling.stems(word)
        candidates = {c for c in self.neighbours(word) if stems.isdisjoint(spelling.stems(c))}
        if candidates:
            return self._pick(word, candidates, "edit distance 1")
        if len(word) >= MIN_LENGTH_DISTANCE_2:
            close = process.extract(
                word, self.similar(len(word)), scorer=DamerauLevenshtein.distance, score_cutoff=2, limit=None
            )
            near = sorted(
                w
                for w, _, _ in close
                if spelling.rearranged(word, w)
                and spelling.slip(word, w)
                and not spelling.inflection(word, w)
            )
            if len(near) == 1:
                return Verdict(
                    "fix",
                    near[0],
                    f"edit distance 2, the only close word in this collection, used {self.uses(near[0])}×",
                    domain=True,
                    distance=2,
                )
            if near:
                return Verdict("suspect", reason=f"several close words: {', '.join(sorted(near))}")
        return Verdict("suspect", reason="not in the dictionary, and no close word")

    def _confusable(self, word: str) -> Verdict:
        meant = spelling.confusables().get(word)
        if meant is None:
            return OK
        uses, meant_uses = self.uses(word), self.uses(meant)
        if meant_uses >= MIN_USES and meant_uses >= RATIO * max(uses, 1):
            reason = (
                f"“{word}” is a word, but a common slip for “{meant}”, which this collection uses "
                f"{meant_uses}× against {uses}×"
            )
            return Verdict("fix", meant, reason, domain=True, confusable=True)
        return OK

    def _pick(self, word: str, candidates: set[str], distance: str) -> Verdict:
        if len(candidates) > 1:
            used = {c for c in candidates if c in self.domain}
            if len(used) != 1 or len(word) < MIN_LENGTH_TO_SETTLE:
                listed = ", ".join(sorted(candidates)[:6])
                return Verdict("suspect", reason=f"{distance}, several candidates: {listed}")
            target = next(iter(used))
            reason = f"{distance}, the only candidate this collection uses, {self.uses(target)}×"
            verdict = Verdict("fix", target, reason, domain=True, distance=1)
        else:
            target = next(iter(candidates))
            domain = target in self.domain
            if not domain and self.words.get(target, 0) < spelling.MIN_FREQUENCY:
                return Verdict("suspect", reason=f"{distance}, only a rare candidate: {target}")
            uses = self.uses(target)
            known = f", used {uses}× in this collection" if uses >= KNOWN_USES else ""
            reason = f"dictionary: {distance}, unique candidate{known}"
            verdict = Verdict("fix", target, reason, domain=domain, distance=1)
        if not spelling.slip(word, target):
            return Verdict("suspect", reason=f"{distance}, but “{target}” is an unlikely slip")
        if self.uses(target) < KNOWN_USES and not by_dictionary_alone(word, target):
            why = (
                f"in a word under {MIN_LENGTH_LEFT_OUT} letters it puts back no letter"
                if spelling.restores(word, target)
                else "it only puts back a left-out letter or two swapped ones"
            )
            reason = f"{distance}: maybe “{target}”, a word this collection never uses; by the dictionary alone, {why}"
            return Verdict("suspect", reason=reason)
        return verdict

    def glued(self, word: str) -> str:
        """``word`` split into two common words, one a linking word (``wordof`` → ``word-of``), or ``""``."""
        splits = [
            (word[:i], word[i:])
            for i in range(2, len(word) - 1)
            if (word[:i] in LINKING or word[i:] in LINKING)
            and self.words.get(word[:i], 0) >= spelling.MIN_FREQUENCY * 50
            and self.words.get(word[i:], 0) >= spelling.MIN_FREQUENCY * 50
        ]
        return "-".join(splits[0]) if len(splits) == 1 else ""
