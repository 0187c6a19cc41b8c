"""The typos stage: conservative, domain-aware spelling correction. A wrong fix is worse than a miss.

A word is checked against pyspellchecker's English dictionary *and* the collection's own vocabulary.
It is left alone when it is

- shorter than :data:`MIN_LENGTH` letters, an acronym (all capitals, at most :data:`ACRONYM_LENGTH`
  letters), mixed case (``eBay``), or touching a digit, ``&``, ``@`` or ``_`` (``B2B``,
  ``R&D``);
- capitalized in mid-sentence (a name: ``Dijkstra``, ``Tesco``), unless the correction is a word
  this collection itself uses at least :data:`MIN_USES` times;
- in a URL, an e-mail address, a code span or an HTML tag;
- known to the dictionary, a British/Canadian spelling of a known word (:func:`american`: colour,
  centred, behaviours, organisation, analyse, catalogue, travelled, defence…), a known word with a
  common prefix or ending (:data:`PREFIXES`, :data:`SUFFIXES`: influencers, selftransformation), or
  two everyday words written as one (linewise);
- used at least :data:`MIN_USES` times across the collection: a term the course uses is not a typo;
- listed in ``deck.toml``'s ``[typos] keep``;
- in a source file that is not English (under :data:`MIN_ENGLISH_SHARE` of its words known; the
  report says so), in a card that is mostly not English (of at least three checked words, more than
  half are like no English word), or in the answer of a card the ``incomplete`` stage flagged (a
  "see picture" phrase).

It is corrected only when the correction is unambiguous:

1. ``deck.toml``'s ``[typos] fix`` always wins;
2. a real word on the shipped confusables list (``data/confusables.txt``, e.g. costumer → customer) is
   corrected when the collection uses the meant word at least :data:`MIN_USES` times and
   :data:`RATIO` times as often;
3. an unknown word with exactly one known word at Damerau–Levenshtein distance 1 (a letter added,
   dropped, changed, or two swapped), or, when several and the word has at least
   :data:`MIN_LENGTH_TO_SETTLE` letters, exactly one the collection uses; the candidate must be common
   (:data:`MIN_FREQUENCY` in the dictionary) or used by the collection, and a plausible slip
   (:func:`_slip`: two neighbours swapped, or first and last letters kept and a changed letter a
   keyboard neighbour or another vowel; so printf is no print, chown no shown, ctrol no carol);
4. failing that, a word of at least 6 letters, not all capitals, with exactly one word of the
   collection's vocabulary at distance 2 that holds the same letters but for one (letters typed out
   of order: ``Pateints`` → ``Patients``; pyruvate is no private);
5. a glued pair inside a hyphenated compound, where the word splits in exactly one way into two
   common words one of which is a linking word of :data:`LINKING` (``stateof-the-art`` →
   ``state-of-the-art``).

A correction never turns a word into its own inflection (``enzyme`` ↔ ``enzymes``). Case is
kept: ``Recieve`` → ``Receive``, ``RECIEVE`` → ``RECEIVE``. An unknown word that cannot be
corrected unambiguously is reported as a ``suspect`` and left as it is.

Only :attr:`Card.front` and :attr:`Card.back` change; :attr:`Card.identity` (and so the GUID) never.

The work is per unique word, not per occurrence: every card is read once (:func:`_survey`: each
file's word counts, and each card's *unsure* words, those the dictionary alone does not vouch for);
a pass decides each unsure word once and plans (:func:`_plan`) only the cards holding a doubtful one;
a later pass re-plans only the cards whose text or verdicts changed. A long word finds its
dictionary neighbours in sorted word lists (:func:`_neighbours`), not by trying its hundreds of edits.
The property tests in ``tests/test_typos.py`` check each of these quick paths against the plain one.
"""

from __future__ import annotations

import gzip
import json
import pkgutil
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from itertools import chain

from rapidfuzz import process
from rapidfuzz.distance import OSA, DamerauLevenshtein

from genanki_build.clean import may_be_protected, protected_spans
from genanki_build.model import Card, Finding, Markup, SourceRef
from genanki_build.stage import Context, StageResult

STAGE = "typos"

#: Words shorter than this are never checked: too many short words are one edit from another.
MIN_LENGTH = 4
#: All-capital words up to this length are acronyms (CRM, CEM, NPS).
ACRONYM_LENGTH = 5
#: A word the collection uses this often is its own vocabulary, not a typo.
MIN_USES = 3
#: How much more often the collection must use the meant word than a confusable real word.
RATIO = 5
#: The least pyspellchecker frequency a dictionary-only candidate needs (rarer entries are noise).
MIN_FREQUENCY = 200
#: Distance-2 corrections need at least this many letters.
MIN_LENGTH_DISTANCE_2 = 6
#: Words this common (pyspellchecker frequency), of at least :data:`MIN_LENGTH` letters each, make a
#: known compound when written as one word (line + wise).
COMPOUND_PART_FREQUENCY = 10_000
#: The collection's vocabulary settles a choice between candidates only for words this long.
MIN_LENGTH_TO_SETTLE = 6
#: A file is spell-checked only when at least this share of its words (of :data:`MIN_LENGTH` letters
#: or more) are known to the English dictionary, once it has :data:`LANGUAGE_SAMPLE` of them.
MIN_ENGLISH_SHARE = 0.7
LANGUAGE_SAMPLE = 20
#: Linking words that may be glued to a neighbour inside a hyphenated compound.
LINKING = frozenset({"of", "in", "to", "on", "at", "by", "the", "and", "for", "or", "up", "off"})
#: Endings of inflected and derived words. Two words with the same stem are never a correction of
#: each other (touchpoint/touchpoints, influencers/influences), and a word made of a known stem and
#: one of these endings is known (influencers, from influence).
# fmt: off
SUFFIXES = (
    "s", "es", "d", "ed", "ing", "r", "rs", "er", "ers", "ly", "ness", "ment", "ments", "able",
    "ity", "ities", "ism", "ist", "ists", "ize", "izes", "ized", "ization", "ise", "ised",
    "isation", "al", "ally", "ful", "less",
)
# fmt: on
#: Prefixes that make a known word into another known one (interstate, selfawareness).
# fmt: off
PREFIXES = (
    "anti", "co", "counter", "cross", "cyber", "de", "e", "hyper", "inter", "intra", "macro",
    "mega", "meta", "micro", "mis", "multi", "non", "omni", "over", "post", "pre", "pro", "re",
    "self", "semi", "sub", "super", "trans", "under", "un",
)
# fmt: on
_PREFIXES_BY_FIRST = {c: tuple(p for p in PREFIXES if p[0] == c) for c in {p[0] for p in PREFIXES}}
_SUFFIXES_BY_LAST = {c: tuple(s for s in SUFFIXES if s[-1] == c) for c in {s[-1] for s in SUFFIXES}}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: Words at least this long find their dictionary neighbours in sorted word lists
#: (:func:`_neighbours`); shorter ones by trying every edit (:func:`_edits1`), quicker for them.
_LIST_LENGTH = 5

#: British/Canadian → American rewrites; a word whose rewrite is known is spelled correctly.
_VARIANTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"our(?=(s|ed|ing|ite|ites|able|ably|ful|less|er|ers|ist|ists)?$)", "or"),  # colour, behaviours
        (r"([bcdgtv])re(s?)$", r"\1er\2"),  # centre, fibres, metre
        (r"([bcdgtv])r(ed|ing)$", r"\1er\2"),  # centred, centring
        (r"is(?=(e|ed|es|er|ers|ing|ation|ations|ational|able)$)", "iz"),  # organise, organisation
        (r"ys(?=(e|ed|es|er|ers|ing)$)", "yz"),  # analyse, paralysed
        (r"ogue(?=(s)?$)", "og"),  # catalogue, dialogues
        (r"mme(?=(s)?$)", "m"),  # programme
        (r"ll(?=(ed|ing|er|ers|or|ors)$)", "l"),  # travelled, modelling, counsellor
        (r"ence(?=(s)?$)", "ense"),  # defence, licence
        (r"(?<=[a-z])ae|^ae", "e"),  # paediatric, aesthetic
        (r"oe(?=[a-z])", "e"),  # manoeuvre, oestrogen
        (r"eing$", "ing"),  # ageing
    )
)

_CHUNK = re.compile(r"\S+")
_PART = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_NOT_A_WORD = re.compile(r"[\d&@_`/\\=<>#|~^*+$%]|://")
#: Punctuation and Markdown emphasis around a word, stripped before it is checked.
_EDGE = "\"'“”‘’«»()[]{}.,;:!?…*_~"
_SENTENCE_END = re.compile(r"(?:[.!?:;→⇒➔]|\n)[\s\"'“‘(\[]*$")
_LINE_START = re.compile(r"(?:^|\n)[ \t]*(?:[-*•·▪◦]|\d{1,3}[.)]|[a-z][.)])?[ \t]*[\"'“‘(\[]*$")
_WORD = re.compile(r"[a-z]+")
_POSSESSIVE = re.compile(r"['’]s$")
_LOWER_OR_APOSTROPHE = re.compile(r"[a-z']+")
#: Matches where any of :data:`_VARIANTS` does: a word it misses has no other spelling.
_ANY_VARIANT = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _VARIANTS))
_RUN = re.compile(rf"[a-z]{{{MIN_LENGTH},}}")


@lru_cache(maxsize=1)
def _dictionary() -> Mapping[str, int]:
    """pyspellchecker's English word frequencies, loaded once per process: read straight from the
    word list it ships, which is what its ``SpellChecker`` loads (lower-cased; it is already), in half
    the time; through ``SpellChecker`` should that list move or hold a capital letter."""
    raw = pkgutil.get_data("spellchecker", "resources/en.json.gz")
    if raw is not None:
        words: dict[str, int] = json.loads(gzip.decompress(raw))
        if "".join(words).islower():
            return words
    from spellchecker import SpellChecker

    return dict(SpellChecker(language="en", distance=1).word_frequency.dictionary)


@lru_cache(maxsize=1)
def confusables() -> Mapping[str, str]:
    """The shipped list of real words that are usually a slip for another (``data/confusables.txt``)."""
    text = resources.files("genanki_build").joinpath("data/confusables.txt").read_text("utf-8")
    pairs = (line.split() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {typed.lower(): meant.lower() for typed, meant in pairs}


def american(word: str) -> set[str]:
    """The American spellings a British/Canadian ``word`` may stand for (each rule, then all)."""
    out: set[str] = set()
    if not _ANY_VARIANT.search(word):
        return out  # the quick answer for most words
    combined = word
    for pattern, repl in _VARIANTS:
        new = pattern.sub(repl, word)
        if new != word:
            out.add(new)
        combined = pattern.sub(repl, combined)
    if combined != word:
        out.add(combined)
    return out


def _edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changes = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS + "'"}  # didnt: didn't
    return (deletes | swaps | changes | inserts) - {word}


def _first_difference(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _one_edit(word: str, other: str) -> bool:
    """True when ``other`` is in :func:`_edits1` of ``word``: a letter dropped, two neighbours
    swapped, a letter changed into one of :data:`_LETTERS`, or one of those or ``'`` added."""
    n = len(word)
    if len(other) == n:
        diff = [i for i in range(n) if word[i] != other[i]]
        if len(diff) == 1:
            return other[diff[0]] in _LETTERS
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and word[diff[0]] == other[diff[1]]
            and word[diff[1]] == other[diff[0]]
        )
    i = _first_difference(word, other)
    if len(other) == n - 1:  # a letter dropped
        return word[:i] + word[i + 1 :] == other
    if len(other) == n + 1:  # a letter added
        return other[i] in _LETTERS + "'" and other[:i] + other[i + 1 :] == word
    return False


@lru_cache(maxsize=1)
def _word_set() -> frozenset[str]:
    return frozenset(_dictionary())


@lru_cache(maxsize=1)
def _by_length() -> Mapping[int, list[str]]:
    """The dictionary's words by length, each list sorted."""
    words = sorted(sorted(_dictionary()), key=len)
    lengths = list(map(len, words))
    return {n: words[bisect_left(lengths, n) : bisect_right(lengths, n)] for n in set(lengths)}


@lru_cache(maxsize=64)
def _backwards(length: int) -> list[str]:
    """The dictionary's words of ``length`` letters spelled backwards, sorted."""
    return sorted(word[::-1] for word in _by_length().get(length, ()))


def _starting(words: list[str], prefix: str) -> list[str]:
    """The words of the sorted list ``words`` that start with ``prefix``."""
    start = bisect_left(words, prefix)
    return words[start : bisect_left(words, prefix + "\U0010ffff", start)]


def _within_one(word: str, pool: list[str]) -> list[str]:
    """The words of ``pool`` at most one edit (of any character) from ``word``."""
    if not pool:
        return []
    return [w for w, _, _ in process.extract(word, pool, scorer=OSA.distance, score_cutoff=1, limit=None)]


@lru_cache(maxsize=200_000)
def _neighbours(word: str) -> frozenset[str]:
    """The dictionary's words in :func:`_edits1` of ``word``. Cached: they depend on the dictionary
    only.

    A long word does not try its hundreds of edits: a letter changed or added in the second half of
    ``word`` keeps its first half, so the candidate is among the dictionary's words that start with
    that half; in the first half, it keeps the second half, and the candidate is among the words
    that end with it. Dropped and swapped letters are tried directly."""
    if len(word) < _LIST_LENGTH or not _WORD.fullmatch(word):
        return frozenset(_edits1(word) & _word_set())
    n, half, drow, lists = len(word), len(word) // 2, word[::-1], _by_length()
    ahead = [*_starting(lists.get(n, []), word[:half]), *_starting(lists.get(n + 1, []), word[:half])]
    behind = [*_starting(_backwards(n), drow[: n - half]), *_starting(_backwards(n + 1), drow[: n - half])]
    changed = {*_within_one(word, ahead), *(c[::-1] for c in _within_one(drow, behind))}
    edits = [word[:i] + word[i + 1 :] for i in range(n)]
    edits += [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(n - 1)]
    # One edit of any character away: a change or an addition :func:`_edits1` makes when the new
    # letter is one of a–z (or ' when added).
    others = (c for c in changed if (_WORD if len(c) == n else _LOWER_OR_APOSTROPHE).fullmatch(c))
    return _word_set().intersection(edits).union(others) - {word}


def _drops(word: str) -> set[str]:
    """``word`` with one letter dropped, each way."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class _DropIndex:
    """A few words, filed under each way of dropping one of their letters: two words one edit apart
    (:func:`_edits1`) become the same word when one letter is dropped from one or both."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(words)
        self._by_drop: dict[str, list[str]] = {}
        for word in self.words:
            for short in _drops(word):
                self._by_drop.setdefault(short, []).append(word)

    def neighbours(self, word: str) -> set[str]:
        """The words in :func:`_edits1` of ``word``."""
        if not self.words:
            return set()
        drops = _drops(word)
        found = {w for w in drops if w in self.words}
        found.update(self._by_drop.get(word, ()))
        for short in drops:
            found.update(self._by_drop.get(short, ()))
        return {c for c in found if c != word and _one_edit(word, c)}


def _common(word: str) -> bool:
    return _dictionary().get(word, 0) >= MIN_FREQUENCY


@lru_cache(maxsize=200_000)
def _known_to_dictionary(word: str) -> bool:
    """Known from the dictionary alone: directly, spelled the British way, or derived from a common
    word by a prefix or an ending. Cached across runs: it depends on the dictionary only."""
    words = _dictionary()
    if word in words or any(v in words for v in american(word)):
        return True
    if any(_common(stem) for stem in _stems(word) - {word}):
        return True
    if any(
        word.startswith(prefix)
        and len(word) - len(prefix) >= MIN_LENGTH
        and any(_common(stem) for stem in _stems(word[len(prefix) :]))
        for prefix in _PREFIXES_BY_FIRST.get(word[:1], ())
    ):
        return True
    # Two everyday words written as one (linewise, facebased): a term, not a slip. A letter doubled at
    # the seam (relations|ship) is a slip, not a compound.
    return any(
        word[i - 1] != word[i]
        and words.get(word[:i], 0) >= COMPOUND_PART_FREQUENCY
        and words.get(word[i:], 0) >= COMPOUND_PART_FREQUENCY
        for i in range(MIN_LENGTH, len(word) - MIN_LENGTH + 1)
    )


_KEYS = {
    c: (x + 0.5 * row, float(row))
    for row, keys in enumerate(("qwertyuiop", "asdfghjkl", "zxcvbnm"))
    for x, c in enumerate(keys)
}


def _near_keys(a: str, b: str) -> bool:
    """Neighbours on a QWERTY keyboard, or two vowels (a spelling slip: benifits)."""
    if a in "aeiouy" and b in "aeiouy":
        return True
    (ax, ay), (bx, by) = _KEYS.get(a, (99.0, 99.0)), _KEYS.get(b, (-99.0, -99.0))
    return abs(ay - by) <= 1 and abs(ax - bx) <= 1


def _rearranged(word: str, candidate: str) -> bool:
    """True when ``candidate`` has ``word``'s letters but for one added or dropped: a distance-2 slip
    must be letters typed out of order (Pateints: Patients), not letters replaced (pyruvate is no
    private)."""
    a, b = Counter(word), Counter(candidate)
    return (sum((a - b).values()) + sum((b - a).values())) <= 1


def _slip(word: str, candidate: str) -> bool:
    """True when ``word`` reads as a slip for ``candidate``: two neighbouring letters swapped, or a
    change that keeps the first and last letters, where a changed letter is a keyboard neighbour or
    another vowel. A different first or last letter is more often a different word (printf/print,
    chown/shown, undef/under) than a typo, and so is a far-fetched letter (ctrol/carol)."""
    if len(word) == len(candidate):
        diff = [i for i, (a, b) in enumerate(zip(word, candidate, strict=True)) if a != b]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == candidate[diff[1]]:
            return word[diff[1]] == candidate[diff[0]]
        if any(not _near_keys(word[i], candidate[i]) for i in diff):
            return False
    return word[0] == candidate[0] and word[-1] == candidate[-1]


@lru_cache(maxsize=200_000)
def _stems(word: str) -> frozenset[str]:
    """``word`` and what it may be built on: ``influencers`` → ``influence``, ``centred`` → …
    Cached: a word's stems are asked for again for every word one edit from it."""
    out = {word}
    for suffix in _SUFFIXES_BY_LAST.get(word[-1:], ()):
        if not word.endswith(suffix) or len(word) - len(suffix) < 3:
            continue
        stem = word[: -len(suffix)]
        if suffix[0] in "aeiou":
            out.update((stem, stem + "e"))  # engag-ing, engage
        elif suffix[0] in "dr":
            if stem.endswith("e"):
                out.add(stem)  # influence-rs, perceive-d
        else:
            out.add(stem)
    return frozenset(out)


def _inflection(a: str, b: str) -> bool:
    return not _stems(a).isdisjoint(_stems(b))


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


_OK = Verdict("ok")


class _Checker:
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
        """Words' :func:`_neighbours` worked out already (:attr:`FileSurvey.neighbours`)."""
        self.fix = fix
        self.keep = keep
        self.words = _dictionary()
        self.domain = frozenset(w for w, n in vocabulary.items() if n >= MIN_USES)
        self._by_length: dict[int, list[str]] = {}
        for w in sorted(self.domain):
            self._by_length.setdefault(len(w), []).append(w)
        self._similar: dict[int, list[str]] = {}
        self._unlisted = _DropIndex(w for w in self.domain if w not in self.words)
        """The collection's own terms the dictionary does not list."""
        self._cache: dict[str, Verdict] = {}
        self.ok: set[str] = set()
        """Words whose verdict is ``ok``, for the fast path."""

    def known(self, word: str) -> bool:
        """In the dictionary or the collection's own terms, directly, spelled the British way, or
        made from a known word with a common prefix or ending."""
        if word in self.domain or _known_to_dictionary(word):
            return True
        if not self.domain.isdisjoint(_stems(word) - {word}):
            return True
        return any(
            word.startswith(prefix)
            and len(word) - len(prefix) >= MIN_LENGTH
            and not self.domain.isdisjoint(_stems(word[len(prefix) :]))
            for prefix in _PREFIXES_BY_FIRST.get(word[:1], ())
        )

    def neighbours(self, word: str) -> set[str]:
        """The words of the dictionary and of the collection's terms in :func:`_edits1` of ``word``."""
        known = self._near.get(word)
        return self._unlisted.neighbours(word) | (_neighbours(word) if known is None else known)

    def similar(self, length: int) -> list[str]:
        """The collection's terms at most two letters longer or shorter than ``length``."""
        found = self._similar.get(length)
        if found is None:
            found = self._similar[length] = [
                w for n in range(length - 2, length + 3) for w in self._by_length.get(n, ())
            ]
        return found

    def doubtful(self, words: set[str]) -> set[str]:
        """Those of ``words`` that fail :func:`_plan`'s quick test: confusables, and words neither
        known to be fine (:attr:`ok`) nor with the verdict ``ok``."""
        # In alphabetical order: neighbouring words look up neighbouring parts of the word lists.
        return {
            w
            for w in sorted(words)
            if w in confusables() or (w not in self.ok and self.verdict(w) is not _OK)
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
            if found is _OK:
                self.ok.add(word)
        return found

    def _decide(self, word: str) -> Verdict:
        if word in self.keep:
            return _OK
        if word in self.fix:
            return Verdict("fix", self.fix[word], "deck.toml [typos] fix", domain=True)
        if self.known(word):
            return self._confusable(word)
        stems = _stems(word)
        candidates = {c for c in self.neighbours(word) if stems.isdisjoint(_stems(c))}
        if candidates:
            return self._pick(word, candidates, "edit distance 1")
        if len(word) >= MIN_LENGTH_DISTANCE_2:
            close = process.extract(
                word, self.similar(len(word)), scorer=DamerauLevenshtein.distance, score_cutoff=2, limit=None
            )
            near = sorted(
                w for w, _, _ in close if _rearranged(word, w) and _slip(word, w) and not _inflection(word, w)
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
        meant = confusables().get(word)
        if meant is None:
            return _OK
        uses, meant_uses = self.uses(word), self.uses(meant)
        if meant_uses >= MIN_USES and meant_uses >= RATIO * max(uses, 1):
            reason = (
                f"“{word}” is a word, but a common slip for “{meant}”, which this collection uses "
                f"{meant_uses}× against {uses}×"
            )
            return Verdict("fix", meant, reason, domain=True)
        return _OK

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
            if not domain and self.words.get(target, 0) < MIN_FREQUENCY:
                return Verdict("suspect", reason=f"{distance}, only a rare candidate: {target}")
            reason = f"dictionary: {distance}, unique candidate"
            verdict = Verdict("fix", target, reason, domain=domain, distance=1)
        if not _slip(word, target):
            return Verdict("suspect", reason=f"{distance}, but “{target}” is an unlikely slip")
        return verdict

    def glued(self, word: str) -> str:
        """``word`` split into two common words, one a linking word (``wordof`` → ``word-of``), or ``""``."""
        splits = [
            (word[:i], word[i:])
            for i in range(2, len(word) - 1)
            if (word[:i] in LINKING or word[i:] in LINKING)
            and self.words.get(word[:i], 0) >= MIN_FREQUENCY * 50
            and self.words.get(word[i:], 0) >= MIN_FREQUENCY * 50
        ]
        return "-".join(splits[0]) if len(splits) == 1 else ""


def _match_case(original: str, target: str) -> str:
    if original.isupper():
        return target.upper()
    if original[0].isupper():
        return target[0].upper() + target[1:]
    return target


def _prose(text: str, markup: Markup) -> str:
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


def _words(prose: str) -> Iterable[tuple[int, str, bool]]:
    """``(offset, word, in_compound)`` for each checkable word of ``prose`` (see :func:`_prose`)."""
    for chunk in _CHUNK.finditer(prose):
        start = chunk.start()
        raw = chunk.group(0)
        core = raw.strip(_EDGE)
        if core.isascii() and core.isalpha():
            yield start + raw.index(core), core, False  # the common case: one plain word
            continue
        if not core or _NOT_A_WORD.search(core):
            continue
        offset = start + raw.index(core)
        parts = list(_PART.finditer(core))
        if not parts or "".join(p.group(0) for p in parts) != core.replace("-", "").replace("–", ""):
            continue
        compound = len(parts) > 1
        for part in parts:
            word = _POSSESSIVE.sub("", part.group(0))
            if "'" in word or "’" in word:
                continue
            yield offset + part.start(), word, compound


def _sentence_start(text: str, offset: int) -> bool:
    before = text[max(0, offset - 80) : offset]
    if offset <= 80 and not text[:offset].strip(" \t\"'“‘([-*•·"):
        return True
    return bool(_SENTENCE_END.search(before) or _LINE_START.search(before))


def _letter_runs(card: Card) -> list[str]:
    """The runs of letters (lower-cased a–z) in the prose of both fields of ``card``: the words a
    vocabulary counts."""
    return _WORD.findall(f"{_prose(card.front, card.markup)}\n{_prose(card.back, card.markup)}".lower())


class _Sorter:
    """Sorts words into plain and unsure ones, once each. A plain word is fine whatever the
    collection's vocabulary (unless ``deck.toml`` fixes it): shorter than :data:`MIN_LENGTH`, or
    known to the dictionary and not a confusable. Any other word is unsure."""

    def __init__(self) -> None:
        self.short: set[str] = set()
        self.unsure: set[str] = set()
        self.sorted: set[str] = set()

    def sort(self, words: Iterable[str]) -> None:
        for word in set(words).difference(self.sorted):
            if len(word) < MIN_LENGTH:
                self.short.add(word)
            elif not _known_to_dictionary(word) or word in confusables():
                self.unsure.add(word)
            self.sorted.add(word)

    def unsure_of(self, runs: list[str]) -> frozenset[str]:
        """The unsure words of ``runs``."""
        self.sort(runs)
        return frozenset(self.unsure.intersection(runs))


@dataclass(frozen=True, slots=True)
class FileSurvey:
    """What the stage reads from one source file's cards, whatever the rest of the collection holds.
    A build works it out as it parses the file and keeps it in the parse cache
    (:data:`genanki_build.pipeline.SUMMARIES`)."""

    cards: int
    """How many cards it was taken from."""
    counts: Counter[str]
    """The file's words (runs of letters, lower-cased) and how often it uses each."""
    share: tuple[float, int]
    """Its :func:`_english_share`."""
    unsure: tuple[frozenset[str], ...]
    """Each card's unsure words (:class:`_Sorter`)."""
    neighbours: dict[str, frozenset[str]] = field(default_factory=dict)
    """:func:`_neighbours` of the unsure words the dictionary does not know, when asked for: the
    costliest part of deciding a word, and the same whatever the collection holds."""


def survey_file(
    cards: tuple[Card, ...], sorter: _Sorter | None = None, *, neighbours: bool = False
) -> FileSurvey:
    """The :class:`FileSurvey` of one file's ``cards``; with ``neighbours``, their dictionary
    neighbours too (worth it where the survey is kept: in the parse cache)."""
    sorter = sorter or _Sorter()
    if not cards:
        return FileSurvey(0, Counter(), (1.0, 0), ())
    runs = _file_runs(list(cards))
    counts = Counter(chain.from_iterable(runs))
    sorter.sort(counts.keys())
    doubts = sorter.unsure.intersection(counts)
    none = frozenset[str]()
    unsure = tuple(frozenset(found) if (found := doubts.intersection(r)) else none for r in runs)
    near = {w: _neighbours(w) for w in sorted(doubts) if not _known_to_dictionary(w)} if neighbours else {}
    return FileSurvey(len(cards), counts, _english_share(counts, sorter), unsure, near)


@lru_cache(maxsize=1)
def _shared_sorter() -> _Sorter:
    """One sorter for every file a process summarizes: how a word sorts depends on the dictionary
    alone, so each word is sorted once per process, not once per file that uses it."""
    return _Sorter()


def summarize_file(cards: tuple[Card, ...]) -> FileSurvey:
    """The summary a build keeps of each file for this stage (:data:`genanki_build.pipeline.SUMMARIES`):
    its survey, with the dictionary neighbours of its unsure words."""
    return survey_file(cards, _shared_sorter(), neighbours=True)


@dataclass(frozen=True, slots=True)
class _Survey:
    """What reading every card once finds."""

    counts: dict[str, Counter[str]]
    """Each source file's words and how often it uses them."""
    vocabulary: Counter[str]
    """All those counts added up."""
    shares: dict[str, tuple[float, int]]
    """Each source file's :func:`_english_share`."""
    unsure: list[frozenset[str]]
    """Each card's unsure words (:class:`_Sorter`)."""
    sorter: _Sorter
    """The sorter that sorted them."""
    neighbours: dict[str, frozenset[str]]
    """The :attr:`FileSurvey.neighbours` of every file."""


def _survey(cards: tuple[Card, ...], known: Mapping[str, object] | None = None) -> _Survey:
    """Every file's survey: from ``known`` (file → :class:`FileSurvey`) where it holds one taken
    from as many cards as the file has here, else read from the cards."""
    by_file: dict[str, list[int]] = {}
    for i, card in enumerate(cards):
        by_file.setdefault(card.source.file, []).append(i)
    sorter = _Sorter()
    counts: dict[str, Counter[str]] = {}
    vocabulary: Counter[str] = Counter()
    shares: dict[str, tuple[float, int]] = {}
    unsure = [frozenset[str]()] * len(cards)
    neighbours: dict[str, frozenset[str]] = {}
    for file, indices in by_file.items():
        survey = (known or {}).get(file)
        if not isinstance(survey, FileSurvey) or survey.cards != len(indices):
            survey = survey_file(tuple(cards[i] for i in indices), sorter)
        counts[file] = survey.counts
        vocabulary.update(survey.counts)
        shares[file] = survey.share
        neighbours.update(survey.neighbours)
        for i, found in zip(indices, survey.unsure, strict=True):
            if found:
                unsure[i] = found
    return _Survey(counts, vocabulary, shares, unsure, sorter, neighbours)


def _file_runs(cards: list[Card]) -> list[list[str]]:
    """:func:`_letter_runs` of each of ``cards`` (of one file); quicker when one test of all their
    text finds that none of them can hold code, a URL or a tag: their prose is their text."""
    markup = cards[0].markup
    texts = [f"{card.front}\n{card.back}" for card in cards]
    if all(card.markup is markup for card in cards) and not may_be_protected("\n".join(texts), markup):
        return [_WORD.findall(text.lower()) for text in texts]
    return [_letter_runs(card) for card in cards]


def _english_share(counts: Counter[str], sorter: _Sorter) -> tuple[float, int]:
    """The share of a file's words (of :data:`MIN_LENGTH` letters or more) the English dictionary
    knows, and how many words that share is taken over. ``sorter`` has sorted every word of ``counts``."""
    total = counts.total() - sum(counts[word] for word in sorter.short.intersection(counts))
    unknown = sum(
        counts[word] for word in sorter.unsure.intersection(counts) if not _known_to_dictionary(word)
    )
    return ((total - unknown) / total if total else 1.0), total


_Plan = list[tuple[int, str, bool, Verdict, bool]]
"""Per word: offset, word, inside a hyphenated compound, verdict, may be corrected like a common word."""

#: A card with at least this many checked words, more than half of them suspects (like no English
#: word), is not English.
_FOREIGN_MIN_WORDS = 3


def _plan(text: str, markup: Markup, checker: _Checker) -> tuple[_Plan, int, int, bool]:
    """The verdict on each checkable word of ``text``; how many were checked and how many known; and
    whether the text is settled: every word fine, none a confusable whose verdict a recount may change.
    """
    prose = _prose(text, markup)
    if not checker.fix:
        # The fast path: when every run of letters long enough to check is fine, so is the text.
        runs = set(_RUN.findall(prose.lower()))
        if all(checker.verdict(w) is _OK for w in runs - checker.ok):
            return [], len(runs), len(runs), runs.isdisjoint(confusables())
    checked = known = 0
    plan: _Plan = []
    for offset, word, compound in _words(prose):
        if checker.fix and word.lower() in checker.fix:
            plan.append((offset, word, compound, checker.verdict(word.lower()), True))
            continue
        if len(word) < MIN_LENGTH or not word.isascii():
            continue
        if word.isupper():
            if len(word) <= ACRONYM_LENGTH:
                continue
        elif not word[1:].islower():  # mixed case (eBay); the word is letters only
            continue
        verdict = checker.verdict(word.lower())
        checked += 1
        known += verdict.kind != "suspect"  # a word one sure edit from English is English too
        if verdict.kind == "ok":
            continue  # nothing to fix or report
        name_like = word[0].isupper() and not word.isupper() and not _sentence_start(text, offset)
        plan.append((offset, word, compound, verdict, not name_like))
    return plan, checked, known, False


def _apply(
    text: str, plan: _Plan, checker: _Checker
) -> tuple[str, list[tuple[str, str, str]], list[tuple[str, str]]]:
    """``text`` with the planned fixes made; the fixes as (before, after, why), suspects as (word, why)."""
    edits: list[tuple[int, str, str, str]] = []
    suspects: list[tuple[str, str]] = []
    for offset, word, compound, verdict, common in plan:
        # A capitalized word is fixed only into a word this collection uses: it may be a name.
        if verdict.kind == "fix" and word.isupper() and verdict.distance > 1:
            # Capitals are names and constants more often than slips (SIGINT is no SIGMET).
            suspects.append((word, f"maybe {verdict.target}: {verdict.reason}"))
            continue
        if verdict.kind == "fix" and (verdict.domain or (common and not word[0].isupper())):
            edits.append((offset, word, _match_case(word, verdict.target), verdict.reason))
            continue
        split = checker.glued(word.lower()) if compound and verdict.kind == "suspect" else ""
        if split:
            edits.append((offset, word, _match_case(word, split), "glued words in a hyphenated compound"))
            continue
        if verdict.kind != "ok" and common:
            reason = (
                verdict.reason if verdict.kind == "suspect" else f"maybe {verdict.target}: {verdict.reason}"
            )
            suspects.append((word, reason))
    for offset, before, after, _why in sorted(edits, reverse=True):
        text = text[:offset] + after + text[offset + len(before) :]
    return text, [(before, after, why) for _, before, after, why in sorted(edits)], suspects


def _recount(vocabulary: Counter[str], fixes: Iterable[Finding]) -> Counter[str]:
    """``vocabulary`` after ``fixes``: each replaced a whole run of letters."""
    after = vocabulary.copy()
    for fix in fixes:
        after[fix.before.lower()] -= 1
        after.update(_WORD.findall(fix.after.lower()))
    return +after


def _verdicts_may_change(before: Counter[str], after: Counter[str], checker: _Checker) -> bool:
    """True when a count the verdicts depend on moved: a word crossed :data:`MIN_USES`, or a word of
    the confusables list (or the word it stands for) is used more or less often."""
    sensitive = set(confusables()) | set(confusables().values())
    for word in set(before) ^ set(after) | {w for w in after if after[w] != before[w]}:
        if (before[word] >= MIN_USES) != (after[word] >= MIN_USES) or word in sensitive:
            return True
    return False


#: Passes at most. A pass's corrections change the vocabulary the next pass counts; when that can
#: change a verdict, the stage runs again, until nothing changes. That makes it idempotent.
_MAX_PASSES = 3


def _check_card(card: Card, checker: _Checker) -> tuple[str, str, list[Finding], list[Finding], bool]:
    # An incomplete card's answer is a placeholder phrase (often not English), not text to correct.
    sides = (("front", card.front), ("back", "" if "incomplete" in card.flags else card.back))
    plans = [_plan(text, card.markup, checker) for _, text in sides]
    if not plans[0][0] and not plans[1][0]:
        return card.front, card.back, [], [], plans[0][3] and plans[1][3]  # nothing to fix or report
    checked = sum(p[1] for p in plans)
    known = sum(p[2] for p in plans)
    foreign = checked >= _FOREIGN_MIN_WORDS and known * 2 < checked
    fields: list[str] = []
    fixes: list[Finding] = []
    suspects: list[Finding] = []
    for (side, text), (plan, _, _, _) in zip(sides, plans, strict=True):
        if foreign:
            # Mostly unknown words: another language, or a list of names. Correcting into English
            # would be wrong more often than right; only the maintainer's own fixes apply.
            plan = [p for p in plan if p[1].lower() in checker.fix]
        fixed, changes, doubts = _apply(text, plan, checker)
        fields.append(fixed)
        for before, after, why in changes:
            message = f"{side}: {before} → {after} ({why})"
            fixes.append(Finding(STAGE, "typo", message, card.source, before, after))
        for word, why in dict(reversed(doubts)).items():
            message = f"{side}: “{word}” left as it is ({why})"
            suspects.append(Finding(STAGE, "suspect", message, card.source, word))
    back = card.back if "incomplete" in card.flags else fields[1]
    return fields[0], back, fixes, suspects, all(p[3] for p in plans)


def fix_typos(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Every card with unambiguous typos corrected (``typo`` findings) and doubtful words reported
    (``suspect`` findings). Never changes :attr:`Card.identity`."""
    config = context.config
    current = list(cards)
    fixes: list[list[Finding]] = [[] for _ in cards]
    suspects: list[list[Finding]] = [[] for _ in cards]
    survey = _survey(cards, context.summaries)
    # A file in another language is not spell-checked, and its words are not the course's English.
    vocabulary = survey.vocabulary
    notes: list[Finding] = []
    for file, counts in survey.counts.items():
        share, sample = survey.shares[file]
        if sample >= LANGUAGE_SAMPLE and share < MIN_ENGLISH_SHARE:
            message = (
                f"{file}: not spell-checked: only {share:.0%} of its words are English ones the "
                f"dictionary knows (at least {MIN_ENGLISH_SHARE:.0%} needed)"
            )
            notes.append(Finding(STAGE, "info", message, SourceRef(file, 0, 0)))
            vocabulary.subtract(counts)
    vocabulary = +vocabulary  # without the words of foreign files
    foreign = {note.where.file for note in notes if note.where}
    # The cards still to check. A settled card stays settled when the vocabulary is recounted: a word
    # that is fine stays fine (a word the collection uses is never corrected away), unless it is a
    # confusable.
    pending = [i for i, card in enumerate(cards) if card.source.file not in foreign]
    unsure = survey.unsure
    fine: set[str] = set()
    last: _Checker | None = None
    rewritten: set[int] = set()
    for _ in range(_MAX_PASSES):
        checker = _Checker(vocabulary, config.typo_fix, config.typo_keep, survey.neighbours)
        checker.ok.update(fine)
        words = set().union(*(unsure[i] for i in pending))
        # The quick test (as in :func:`_plan`): a card none of whose unsure words is doubtful has
        # every word fine and no confusable; it has nothing to fix or report and is settled.
        quick = not checker.fix
        doubtful = checker.doubtful(words) if quick else set()
        # A card the last pass left as it was, none of whose unsure words has a new verdict, would
        # be checked as it was then (its plain words are fine in every pass).
        changed = {w for w in words if last is None or last.decided(w) != checker.verdict(w)}
        made: list[Finding] = []
        unsettled: list[int] = []
        changes: set[int] = set()
        for i in pending:
            if quick and doubtful.isdisjoint(unsure[i]):
                suspects[i] = []
                continue
            if last is not None and i not in rewritten and changed.isdisjoint(unsure[i]):
                unsettled.append(i)  # the same findings as in the last pass
                continue
            card = current[i]
            front, back, card_fixes, suspects[i], settled = _check_card(card, checker)
            if card_fixes:
                made.extend(card_fixes)
                fixes[i].extend(card_fixes)
                current[i] = card = replace(card, front=front, back=back)
                unsure[i] = survey.sorter.unsure_of(_letter_runs(card))
                changes.add(i)
            if not settled:
                unsettled.append(i)
        pending = unsettled
        last, rewritten = checker, changes
        if not made:
            break
        after = _recount(vocabulary, made)
        if not _verdicts_may_change(vocabulary, after, checker):
            break
        vocabulary = after
        fine = checker.ok - set(confusables())
    out: list[Card] = []
    findings: list[Finding] = notes
    for card, card_fixes, card_suspects in zip(current, fixes, suspects, strict=True):
        if not card_fixes and not card_suspects:
            out.append(card)  # most cards: nothing found
            continue
        new = [f for f in (*card_fixes, *card_suspects) if f not in card.findings]
        if new:
            findings.extend(new)
            card = replace(card, findings=(*card.findings, *new))
        out.append(card)
    return StageResult(tuple(out), tuple(findings))
