"""What the English dictionary alone says about a word, whatever the collection holds.

pyspellchecker's word list (with its frequencies), British and Canadian spellings (by rule, and the
shipped list of those the rules miss: :func:`british`), common prefixes and endings, two everyday
words written as one, the words one edit away, whether a change reads as a slip of the keyboard
(:func:`slip`) and whether it only restores what was typed (:func:`restores`). Every answer depends
on the word and the shipped data only, so the costly ones are cached for the process. The typos
stage (:mod:`genanki_build.typos`) builds on these.
"""

from __future__ import annotations

import gzip
import json
import pkgutil
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources

from rapidfuzz import process
from rapidfuzz.distance import OSA

#: Words shorter than this are never checked: too many short words are one edit from another.
MIN_LENGTH = 4
#: The least pyspellchecker frequency a dictionary-only candidate needs (rarer entries are noise).
MIN_FREQUENCY = 200
#: Words this common (pyspellchecker frequency), of at least :data:`MIN_LENGTH` letters each, make a
#: known compound when written as one word (line + wise).
COMPOUND_PART_FREQUENCY = 10_000
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
#: (:func:`neighbours`); shorter ones by trying every edit (:func:`edits1`), quicker for them.
_LIST_LENGTH = 5

#: British/Canadian → American rewrites; a word whose rewrite is known is spelled correctly.
_VARIANTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        # colour, behaviours, neighbourhood, behavioural, favouritism
        (
            r"our(?=(s|ed|ing|ite|ites|itism|able|ably|ful|fully|less|er|ers|ist|ists|al|ally|ly|hood|hoods)?$)",
            "or",
        ),
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

#: A word as the spelling checks and the collection's vocabulary count it: a run of letters a–z
#: (lower-cased first).
WORD = re.compile(r"[a-z]+")
_LOWER_OR_APOSTROPHE = re.compile(r"[a-z']+")
#: Matches where any of :data:`_VARIANTS` does: a word it misses has no other spelling.
_ANY_VARIANT = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _VARIANTS))


@lru_cache(maxsize=1)
def dictionary() -> Mapping[str, int]:
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
def british() -> frozenset[str]:
    """The shipped list of British spellings the dictionary lacks (``data/british.txt``: aluminium,
    pyjamas, jewellery, cheque), made from SCOWL's word lists by ``tools/british_words.py``."""
    text = resources.files("genanki_build").joinpath("data/british.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


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


def edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changes = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS + "'"}  # didnt: didn't
    return (deletes | swaps | changes | inserts) - {word}


def _first_difference(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def one_edit(word: str, other: str) -> bool:
    """True when ``other`` is in :func:`edits1` of ``word``: a letter dropped, two neighbours
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
def word_set() -> frozenset[str]:
    return frozenset(dictionary())


@lru_cache(maxsize=1)
def _by_length() -> Mapping[int, list[str]]:
    """The dictionary's words by length, each list sorted."""
    words = sorted(sorted(dictionary()), key=len)
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
def neighbours(word: str) -> frozenset[str]:
    """The dictionary's words in :func:`edits1` of ``word``. Cached: they depend on the dictionary
    only.

    A long word does not try its hundreds of edits: a letter changed or added in the second half of
    ``word`` keeps its first half, so the candidate is among the dictionary's words that start with
    that half; in the first half, it keeps the second half, and the candidate is among the words
    that end with it. Dropped and swapped letters are tried directly."""
    if len(word) < _LIST_LENGTH or not WORD.fullmatch(word):
        return frozenset(edits1(word) & word_set())
    n, half, drow, lists = len(word), len(word) // 2, word[::-1], _by_length()
    ahead = [*_starting(lists.get(n, []), word[:half]), *_starting(lists.get(n + 1, []), word[:half])]
    behind = [*_starting(_backwards(n), drow[: n - half]), *_starting(_backwards(n + 1), drow[: n - half])]
    changed = {*_within_one(word, ahead), *(c[::-1] for c in _within_one(drow, behind))}
    edits = [word[:i] + word[i + 1 :] for i in range(n)]
    edits += [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(n - 1)]
    # One edit of any character away: a change or an addition :func:`edits1` makes when the new
    # letter is one of a–z (or ' when added).
    others = (c for c in changed if (WORD if len(c) == n else _LOWER_OR_APOSTROPHE).fullmatch(c))
    return word_set().intersection(edits).union(others) - {word}


def _drops(word: str) -> set[str]:
    """``word`` with one letter dropped, each way."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class DropIndex:
    """A few words, filed under each way of dropping one of their letters: two words one edit apart
    (:func:`edits1`) become the same word when one letter is dropped from one or both."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(words)
        self._by_drop: dict[str, list[str]] = {}
        for word in self.words:
            for short in _drops(word):
                self._by_drop.setdefault(short, []).append(word)

    def neighbours(self, word: str) -> set[str]:
        """The words in :func:`edits1` of ``word``."""
        if not self.words:
            return set()
        drops = _drops(word)
        found = {w for w in drops if w in self.words}
        found.update(self._by_drop.get(word, ()))
        for short in drops:
            found.update(self._by_drop.get(short, ()))
        return {c for c in found if c != word and one_edit(word, c)}


def common(word: str) -> bool:
    return dictionary().get(word, 0) >= MIN_FREQUENCY


def unprefixed(word: str) -> list[str]:
    """``word`` without each of :data:`PREFIXES` it starts with, where at least :data:`MIN_LENGTH`
    letters are left (``selfawareness`` → ``awareness``)."""
    return [
        word[len(prefix) :]
        for prefix in _PREFIXES_BY_FIRST.get(word[:1], ())
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_LENGTH
    ]


@lru_cache(maxsize=200_000)
def known_to_dictionary(word: str) -> bool:
    """Known from the dictionary alone: directly, spelled the British way, or derived from a common
    word by a prefix or an ending. Cached across runs: it depends on the dictionary only."""
    words = dictionary()
    if word in words or word in british() or any(v in words for v in american(word)):
        return True
    if any(common(stem) for stem in stems(word) - {word}):
        return True
    if any(common(stem) for rest in unprefixed(word) for stem in stems(rest)):
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


def rearranged(word: str, candidate: str) -> bool:
    """True when ``candidate`` has ``word``'s letters but for one added or dropped: a distance-2 slip
    must be letters typed out of order (Pateints: Patients), not letters replaced (pyruvate is no
    private)."""
    a, b = Counter(word), Counter(candidate)
    return (sum((a - b).values()) + sum((b - a).values())) <= 1


def slip(word: str, candidate: str) -> bool:
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


def restores(word: str, candidate: str) -> bool:
    """True when ``candidate`` is ``word`` with a left-out letter put back (framwork: framework) or two
    swapped neighbours put back in order (percieved: perceived): a correction that adds to or
    reorders what was typed, and takes nothing typed away or replaces it.

    A letter typed too many or typed differently is as often meant as slipped: identifiers and
    jargon are English words with a letter added (stdout: stout, upsert: upset, mmap: map), and other
    spellings and languages change a vowel (tokio: tokyo, pyjamas: pajamas, raison: raisin)."""
    if len(candidate) == len(word) + 1:
        i = _first_difference(word, candidate)
        return candidate[:i] + candidate[i + 1 :] == word
    if len(candidate) != len(word):
        return False
    diff = [i for i, (a, b) in enumerate(zip(word, candidate, strict=True)) if a != b]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and word[diff[0]] == candidate[diff[1]]
        and word[diff[1]] == candidate[diff[0]]
    )


@lru_cache(maxsize=200_000)
def stems(word: str) -> frozenset[str]:
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


def inflection(a: str, b: str) -> bool:
    return not stems(a).isdisjoint(stems(b))
