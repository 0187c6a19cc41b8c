"""The dedupe stage: the same card exported twice becomes one note; a changed answer is a conflict.

Two cards are *the same card* when their question's words and their answer's words match after
normalization: HTML tags, cloze markup, bullets, punctuation, case and whitespace are dropped, and
each side's words are compared as a sorted bag, so a list given in another order, or a Basic copy
of a card that another copy holds as a cloze (its question the text around the deletions, its
answer the deletions), still matches. The same words split otherwise between question and answer
make another card ("pairs with T?"/"A" is not "pairs with A?"/"T").

Every word counts, single letters and single characters included ("pairs with T?" is not "pairs
with G?", "あ" is not "い"). Only two kinds of noise are dropped (:data:`_NOISE`): a list label at
the start of a line ("a.", "b)", "(c)", after any bullet) and a possessive "'s", unless nothing else
is left (the answer "A." is the word "a"). A side with no words at all (only symbols: "+", "→") is
compared as written, so cards of symbols never match each other by an empty bag.

Cards whose words differ only by typos match too (:meth:`_Key.near`). The texts must be close: a few
edits, relative to their length (:data:`TYPO_CHARS_PER_EDIT`), with the same numbers (digits, and
Roman numerals written in capitals: "Henry VII" is not "Henry VIII"). And on each side the words
that differ must pair up one to one as slips of the keyboard (:func:`_slip`): both words at least
:data:`MIN_SLIP_LENGTH` characters, one edit apart, the edit two neighbouring letters swapped, a
letter doubled or undoubled, a letter replaced by or added next to a neighbouring key on a QWERTY
keyboard (:data:`KEYBOARD_ROWS`), or any one letter dropped from a word of
:data:`MIN_DROP_LENGTH` characters or more; and not both words known to the dictionary
(:func:`genanki_build.spelling.known_to_dictionary`), since two real words are two wordings
("dysphagia"/"dysphasia", "ileum"/"ilium", "agonist"/"antagonist"). Anything else is two cards: a
short word is too often another word one keystroke away ("HbS"/"HbC").

Matching never compares all pairs. Cards with equal bags are grouped in one pass (a dictionary).
For typos, each group is filed under every pair of its few rarest words, question and answer
together (:data:`BLOCK_WORDS`, rarest across the build, ties broken alphabetically); only groups
that share a pair are compared, and a block holding more than :data:`MAX_BLOCK` groups is too common
to be useful and is skipped. Matches are joined transitively. Every choice depends on the set of
cards only, so the notes made do not depend on the input order — except which copy is kept: the
first in input order, with its text, GUID and identity. The kept note gets the union of every
copy's tags and flags, and ``also_from`` lists every other copy's source. A ``merge`` finding names
every source.

The same question with a different answer is a *conflict*, not a duplicate: both cards are kept,
flagged ``conflict`` and reported (Basic notes only: a cloze note has no question apart from its
deletions). Cards flagged ``excluded`` are left out of both.
"""

from __future__ import annotations

import gc
import html
import re
import unicodedata
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate, chain, combinations, compress, count, islice, repeat
from operator import add, eq, itemgetter, lt, ne, not_

from rapidfuzz.distance import OSA

from genanki_build.model import Card, Finding, Markup, NoteType, SourceRef, evolve
from genanki_build.spelling import known_to_dictionary
from genanki_build.stage import Context, StageResult

STAGE = "dedupe"
#: How many of a card's rarest words it is filed under for typo matching.
BLOCK_WORDS = 4
#: Blocks larger than this are too common a word to block on; they are not compared.
MAX_BLOCK = 300
#: One edit (insertion, deletion, substitution or swap of neighbours) allowed per this many characters.
TYPO_CHARS_PER_EDIT = 15
#: A word that differs between two cards is a typo only when both spellings have at least this many
#: characters: shorter words are too often another word one keystroke away (HbS/HbC, ion/ions).
MIN_SLIP_LENGTH = 5
#: Any one letter dropped from a word this long is a slip (acetylcholinesterase/acetylcholinesterse);
#: from a shorter word, only a doubled letter or a neighbouring key. (While :data:`MIN_SLIP_LENGTH`
#: is 5, every dropped letter between two slip-length words is from a word this long.)
MIN_DROP_LENGTH = 6
#: The rows of a QWERTY keyboard; a slip replaces a letter by a neighbouring key, or adds one next to
#: a key it neighbours. Each row sits half a key right of the one above.
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")

# A deletion's text never spans another "{{" or "}}", so an unclosed opener costs one short scan,
# not a scan to the end of the text for every opener (which made 10,000 openers quadratic).
_CLOZE = re.compile(r"\{\{c\d+::((?:[^{}:]|:(?!:)|\{(?!\{)|\}(?!\}))*)(?:::[^{}]*)?\}\}")
_BREAK_TAGS = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?ul|/?ol|/?tr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_TOKEN = re.compile(r"\w+")
#: A run of digits: a number in a card's words.
_NUMBER = re.compile(r"\d+")
# For ASCII text, _TOKEN's words are the runs of letters and digits, lower-cased: every other byte
# becomes a space, and str.split finds the runs.
_ASCII_FOLD = bytes(
    b + 32 if 65 <= b <= 90 else b if 97 <= b <= 122 or 48 <= b <= 57 else 32 for b in range(256)
)
# A word of one of these among a folded ASCII text's words may be what noise (_NOISE) leaves.
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
#: What matching drops from a text: a possessive "'s", and a list label ("a.", "b)", "(c)") at the
#: start of a line, after any bullet. (The possessive comes first, its look-behind last: the search
#: then skips ahead to the next apostrophe or line, twice as fast.)
_NOISE = re.compile(
    r"['’][sS]\b(?<=\w['’][sS])|^[^\S\n]*(?:[-*+•·▪◦‣][^\S\n]*)?(?:\([^\W\d_]\)|[^\W\d_][.)])(?=\s|$)",
    re.MULTILINE,
)
#: A run of capitals that may be a Roman numeral; :data:`_ROMAN` says whether it is one. (The
#: pronoun "I" is one too: two copies both have it, and a card without it is another wording.)
_CAPITALS = re.compile(r"\b[IVXLCDM]+\b")
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
# Each key's place, in half keys: the row's offset plus two per key.
_KEY_AT = {key: (row + 2 * x, row) for row, keys in enumerate(KEYBOARD_ROWS) for x, key in enumerate(keys)}
_NEXT_KEYS = frozenset(
    (a, b)
    for a, (ax, ay) in _KEY_AT.items()
    for b, (bx, by) in _KEY_AT.items()
    if a != b and abs(ay - by) <= 1 and abs(ax - bx) <= 2
)


@dataclass(frozen=True, slots=True)
class _Key:
    question: str
    """The question's words, sorted and joined."""
    answer: str
    """The answer's words, sorted and joined."""
    bag: str
    """Every word of the card, sorted and joined."""
    question_seq: str
    """The question's words in their order (a typo can move a word in the sorted form)."""
    answer_seq: str
    """The answer's words in their order."""
    numbers: str
    """The numbers in the card's words and its Roman numerals in capitals, sorted and joined."""
    question_words: tuple[str, ...]
    """The question's words, sorted (:attr:`question` as a tuple: a side written in symbols is one
    word, which may hold a space)."""
    answer_words: tuple[str, ...]
    """The answer's words, sorted."""

    def near(self, other: _Key) -> bool:
        """The same numbers, question and answer each within typo distance, in sorted or in written
        order, and the words that differ on each side paired up one to one as slips (:func:`_slip`).
        A number that differs is never a typo: "WW1"/"WW2", "pH 7"/"pH 8", "B1"/"B12" and
        "Henry VII"/"Henry VIII" are other cards, though one keystroke apart."""
        return (
            self.numbers == other.numbers
            and (_near(self.question, other.question) or _near(self.question_seq, other.question_seq))
            and (_near(self.answer, other.answer) or _near(self.answer_seq, other.answer_seq))
            and _slips(self.question_words, other.question_words)
            and _slips(self.answer_words, other.answer_words)
        )


def _plain(text: str, markup: Markup) -> str:
    if markup is Markup.HTML:
        text = html.unescape(_TAG.sub(" ", _BREAK_TAGS.sub("\n", text)))
    return text


def _found(text: str) -> list[str]:
    """The runs of word characters in ``text`` (NFKC already applied), case-folded, "_" a space."""
    if text.isascii():
        # The same words as _TOKEN finds, by splitting the folded text (:func:`_split` does this for
        # many texts at once): casefold is lower for ASCII, and only 0-9 are digits.
        return text.encode().translate(_ASCII_FOLD).decode().split()
    return _TOKEN.findall(text.casefold().replace("_", " "))


def _spoken(text: str) -> list[str]:
    """The words of ``text`` (NFKC already applied) without :data:`_NOISE`, unless that leaves none:
    the answer "A." is the word "a", not a label."""
    words = _found(text)
    if 1 in map(len, words) and _marked(text):
        return _found(_NOISE.sub(" ", text)) or words
    return words


def _marked(text: str) -> bool:
    """Whether ``text`` holds a mark :data:`_NOISE` needs (noise also leaves a single letter among
    the words): a text without both is never searched. Four scans in C, quicker than one search."""
    return "'" in text or "." in text or ")" in text or "’" in text


def _written(text: str) -> list[str]:
    """A text without words (only symbols: "+", "→") as its one word: itself, spaces collapsed."""
    return [" ".join(text.split())] if text and not text.isspace() else []


def _tokens(text: str) -> list[str]:
    """The words that matching compares: :func:`_spoken`, or a text of symbols as written."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _spoken(text) or _written(text)


def _words(card: Card) -> tuple[list[str], list[str]]:
    """The question's and the answer's words, in written order."""
    front, back = card.front, card.back
    if card.markup is Markup.HTML:
        front, back = _plain(front, Markup.HTML), _plain(back, Markup.HTML)
    if card.note_type is NoteType.CLOZE:
        deleted = [m.group(1) for m in _CLOZE.finditer(front)]
        return _tokens(_CLOZE.sub(" ", front)), _tokens(" ".join([*deleted, back]))
    return _tokens(front), _tokens(back)


def _romans(card: Card) -> list[str]:
    """The Roman numerals written in capitals on the card (II, IV, VII, XII): numbers, which case
    folding would hide among the words."""
    text = f"{_plain(card.front, card.markup)}\n{_plain(card.back, card.markup)}"
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # Ⅶ is VII
    return [run for run in _CAPITALS.findall(text) if _ROMAN.fullmatch(run)]


def _key(question_words: list[str], answer_words: list[str], romans: list[str]) -> _Key:
    question, answer = sorted(question_words), sorted(answer_words)
    return _Key(
        " ".join(question),
        " ".join(answer),
        " ".join(sorted(question_words + answer_words)),
        " ".join(question_words),
        " ".join(answer_words),
        " ".join(sorted(_NUMBER.findall(" ".join(question_words + answer_words)) + romans)),
        tuple(question),
        tuple(answer),
    )


def card_key(card: Card) -> _Key:
    """The normalized question, answer and whole-card word bag that matching compares."""
    return _key(*_words(card), _romans(card))


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def roots(self) -> list[int]:
        """Every element's root (the least element of its set), found for all at once: each
        element's parent becomes its grandparent until nothing changes."""
        parent = self.parent
        while True:
            higher = list(map(parent.__getitem__, parent))
            if higher == parent:
                return parent
            parent = higher


def conflict_key(card: Card) -> str:
    """The question as conflict detection compares it: stricter than duplicate matching.

    Two cards only conflict when their questions are the same words in the same order, single
    letters included ("git checkout -b x" is not "git checkout x"). A question of one or two words
    is compared as written (line by line), case and symbols kept, because there the symbols are the
    question (":w file" and ":e file", "BEGIN" and "begin", "ctrl+R" and "ctrl+z").

    Equal conflict keys mean equal question words (:func:`_words`): matching uses that as a cheap
    first test. So the words are the ones matching compares (:func:`_spoken`: no list label, no
    possessive "'s"), and a key written as is keeps its lines, where a label may start.
    """
    text = _plain(card.front, card.markup)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    words = _spoken(text)
    if len(words) <= 2:
        return "\n".join(" ".join(line.split()) for line in text.split("\n") if line and not line.isspace())
    return " ".join(words)


def _near(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by no more edits than typos explain."""
    if a == b:
        return True
    allowed = min(len(a), len(b)) // TYPO_CHARS_PER_EDIT
    if not allowed or abs(len(a) - len(b)) > allowed:
        return False
    return OSA.distance(a, b, score_cutoff=allowed) <= allowed


def _near_length(a: int, b: int) -> bool:
    return a == b or abs(a - b) <= min(a, b) // TYPO_CHARS_PER_EDIT


def _slips(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when the words only one of the bags ``a`` and ``b`` holds pair up one to one, each
    pair a slip (:func:`_slip`). The pairing is a bipartite matching (augmenting paths): a word may
    be one slip from several."""
    a_count, b_count = Counter(a), Counter(b)
    ours, theirs = sorted((a_count - b_count).elements()), sorted((b_count - a_count).elements())
    if len(ours) != len(theirs):
        return False
    slip = [[_slip(x, y) for y in theirs] for x in ours]
    partner: dict[int, int] = {}  # a word of theirs -> the word of ours it pairs with

    def pair(x: int, tried: set[int]) -> bool:
        for y in range(len(theirs)):
            if slip[x][y] and y not in tried:
                tried.add(y)
                if y not in partner or pair(partner[y], tried):
                    partner[y] = x
                    return True
        return False

    return all(pair(x, set()) for x in range(len(ours)))


def _slip(a: str, b: str) -> bool:
    """True when words ``a`` and ``b`` read as one word typed twice, once with a slip of the
    keyboard: both at least :data:`MIN_SLIP_LENGTH` characters, one edit apart as :func:`_one_slip`
    allows, and not both known to the dictionary (two real words are two wordings)."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) < MIN_SLIP_LENGTH or not (_TOKEN.fullmatch(a) and _TOKEN.fullmatch(b)):
        return False  # short, or a side written in symbols
    return _one_slip(a, b) and not (known_to_dictionary(a) and known_to_dictionary(b))


def _one_slip(short: str, long: str) -> bool:
    """True when ``long`` (no shorter than ``short``) is ``short`` with two neighbouring letters
    swapped, a letter replaced by a neighbouring key, or one letter added that doubles a neighbour
    or neighbours one on the keyboard; or ``long`` has :data:`MIN_DROP_LENGTH` characters and lost
    one of them, whichever, in ``short``."""
    i = next((i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    if len(short) == len(long):
        if short[i + 1 :] == long[i + 1 :]:
            return (short[i], long[i]) in _NEXT_KEYS
        return short[i] == long[i + 1] and short[i + 1] == long[i] and short[i + 2 :] == long[i + 2 :]
    if len(long) != len(short) + 1 or short[i:] != long[i + 1 :]:
        return False
    if len(long) >= MIN_DROP_LENGTH:
        return True
    # The added letter is long[i]; where it joins a run of its own letter, i is that run's end.
    added, beside = long[i], long[i - 1 : i] + long[i + 1 : i + 2]
    return any(added == c or (added, c) in _NEXT_KEYS for c in beside)


def _blocks(bags: list[tuple[int, ...]], words: list[str]) -> list[list[int]]:
    """Groups of indexes into ``bags`` (sorted word numbers: indexes into ``words``; a word may
    repeat) that share a pair of their rarest words.

    A typo makes a new, rarest word, so a copy with typos in up to ``BLOCK_WORDS - 2`` words still
    shares with the original the pair of its rarest words the typos left alone.
    """
    # How many bags hold each word: a bag is sorted, so a word it repeats follows its twin (where
    # one bag ends and the next begins, equal neighbours are two bags). Cheaper than a set a bag.
    flat = list(chain.from_iterable(bags))
    df = Counter(flat)
    ends = list(accumulate(map(len, bags)))
    starts = {0, *ends}
    repeats = [p for p in compress(count(1), map(eq, islice(flat, 1, None), flat)) if p not in starts]
    df.subtract(map(flat.__getitem__, repeats))
    # Every word's place in (document frequency, word) order, worked out once: rarest first. Words
    # under three letters count only when a card has no longer one: they are ranked after every
    # longer word, so a card's first ranks are its rarest long words when it has any. A block is
    # named by its words' ranks, which stand for the words one for one.
    short = len(words)
    top = 2 * short  # every rank is below
    # A rank r is written r * width + r * r: the same order, and the sum of two ranks' codes names
    # their pair (its quotient by width is a + b, its remainder a * a + b * b: the two ranks).
    width = 2 * top * top
    code = [r * width + r * r for r in range(top + 1)]
    rank = [0] * short
    for r, w in enumerate(sorted(range(short), key=lambda w: (df[w], words[w]))):
        rank[w] = code[r] if len(words[w]) >= 3 else code[short + r]
    # Each bag's rarest ranks and their pairs, for all bags at once (each step one C call over the
    # list); the few bags with short words, or only one, are seen to one by one. A bag with one
    # usable word is named by it alone (-1 - its code); the one empty bag has no block to share.
    rarests = list(map(itemgetter(slice(BLOCK_WORDS)), map(sorted, map(map, repeat(rank.__getitem__), bags))))
    for i in set(map(bisect_right, repeat(ends), repeats)):  # bags that repeat a word
        if len(set(rarests[i])) < len(rarests[i]):  # one of their rarest
            rarests[i] = sorted(set(map(rank.__getitem__, bags[i])))[:BLOCK_WORDS]
    long_words = code[short]  # codes of short words are at least this
    singles: list[int] = []
    for i, rarest in enumerate(rarests):
        if len(rarest) < 2 or rarest[-1] >= long_words:
            if rarest and rarest[0] < long_words <= rarest[-1]:
                rarest = rarests[i] = [r for r in rarest if r < long_words]
            if len(rarest) == 1:
                singles.append(i)
    pairs = [n * (n - 1) // 2 for n in range(BLOCK_WORDS + 1)]  # how many pairs n ranks make
    every = list(map(sum, chain.from_iterable(map(combinations, rarests, repeat(2)))))
    every += [-1 - rarests[i][0] for i in singles]
    owner = list(chain.from_iterable(map(repeat, count(), map(pairs.__getitem__, map(len, rarests)))))
    owner += singles
    sizes = Counter(every)
    useful = set(compress(sizes, map(range(2, MAX_BLOCK + 1).__contains__, sizes.values())))
    blocks: defaultdict[int, list[int]] = defaultdict(list)
    for name, i in compress(zip(every, owner, strict=True), map(useful.__contains__, every)):
        blocks[name].append(i)
    return list(blocks.values())


def _split(texts: list[str]) -> list[list[str]]:
    """The runs of letters and digits in each of the ASCII ``texts``, lower-cased (:func:`_found`),
    each step one C call over the list."""
    return list(
        map(str.split, map(bytes.decode, map(bytes.translate, map(str.encode, texts), repeat(_ASCII_FOLD))))
    )


def _numbered(texts: list[str], number: Callable[[str], int]) -> list[tuple[int, ...]]:
    """Each text's words (:func:`_tokens`) as word numbers. ASCII texts are done all at once, each
    step one C call over the list (but for the texts left without words); the rest one by one."""
    ascii = list(map(str.isascii, texts))
    plain = list(compress(texts, ascii))
    words = _split(plain)
    # Noise (:func:`_spoken`) is searched for only in texts with a single letter among their words
    # and a mark it needs (:func:`_marked`); texts left without words are taken as written.
    single = list(compress(count(), map(not_, map(_LETTERS.isdisjoint, words))))
    noisy = list(compress(single, map(_marked, map(plain.__getitem__, single))))
    cleaned = _split(list(map(_NOISE.sub, repeat(" "), map(plain.__getitem__, noisy))))
    for i, found in zip(noisy, cleaned, strict=True):
        if found:  # else it was all label: the answer "A." is the word "a"
            words[i] = found
    for i in compress(count(), map(not_, words)):
        words[i] = _written(plain[i])
    numbered = map(tuple, map(map, repeat(number), words))
    if all(ascii):
        return list(numbered)
    return [
        next(numbered) if a else tuple(map(number, _tokens(t))) for t, a in zip(texts, ascii, strict=True)
    ]


def _lengths(texts: Iterable[tuple[int, ...]], spaced: list[int]) -> list[int]:
    """Each text's length as its words joined by spaces; a text is word numbers, and
    ``spaced[w]`` is the length of word ``w`` and a space."""
    return [max(n - 1, 0) for n in map(sum, map(map, repeat(spaced.__getitem__), texts))]


def _group(cards: list[Card]) -> tuple[list[list[int]], list[tuple[int, ...]]]:
    """Indexes of ``cards`` that are copies of one card: each group of more than one card in input
    order, groups in the order of their first card. And every card's front as a Basic question's
    words (:func:`_words`), numbered: equal numbers, equal words."""
    # Words are numbered in order of first sight; a card's bag is its sorted word numbers.
    numbers: defaultdict[str, int] = defaultdict(count().__next__)
    number = numbers.__getitem__
    # A Basic card in plain text has its front's and back's words: worked out for all such cards
    # at once. The others (HTML, cloze) one by one.
    others = [i for i, c in enumerate(cards) if c.markup is Markup.HTML or c.note_type is not NoteType.BASIC]
    fronts, backs = [c.front for c in cards], [c.back for c in cards]
    for i in others:
        fronts[i] = backs[i] = ""
    question_words, answer_words = _numbered(fronts, number), _numbered(backs, number)
    questions = question_words.copy()
    for i in others:
        card = cards[i]
        question, answer = _words(card)
        question_words[i], answer_words[i] = tuple(map(number, question)), tuple(map(number, answer))
        if card.note_type is NoteType.BASIC:
            questions[i] = question_words[i]
        else:
            questions[i] = tuple(map(number, _tokens(_plain(card.front, card.markup))))
    # A bag (the card's sorted word numbers) is named by its first card; every card gets that card.
    bags: dict[tuple[int, ...], int] = {}
    first_of = list(
        map(bags.setdefault, map(tuple, map(sorted, map(add, question_words, answer_words))), count())
    )
    # Copies also share the question's words: the same words split otherwise between question and
    # answer are another card. Only the few cards whose bag another card has are looked at again;
    # each group is named by its first card still.
    split: dict[tuple[int, tuple[int, ...]], int] = {}
    firsts = list(bags.values())
    first_bags = list(bags)  # the bag of each of firsts
    for i in list(compress(count(), map(ne, first_of, count()))):
        first = first_of[i]
        split.setdefault((first, tuple(sorted(question_words[first]))), first)
        first_of[i] = split.setdefault((first, tuple(sorted(question_words[i]))), i)
        if first_of[i] == i:
            firsts.append(i)
            first_bags.append(tuple(sorted(question_words[i] + answer_words[i])))
    words = list(numbers)
    keys: dict[int, _Key] = {}

    def key(i: int) -> _Key:
        if i not in keys:
            keys[i] = _key(
                [words[w] for w in question_words[i]], [words[w] for w in answer_words[i]], _romans(cards[i])
            )
        return keys[i]

    # Typo matching blocks on each group's bag (two groups may share one).
    blocks = [[firsts[b] for b in block] for block in _blocks(first_bags, words)]
    # A text has one length, sorted or not: pairs whose lengths differ too much cannot be near.
    blocked = list(set(chain.from_iterable(blocks)))
    spaced = [len(w) + 1 for w in words]
    question_length = dict(
        zip(blocked, _lengths(map(question_words.__getitem__, blocked), spaced), strict=True)
    )
    answer_length = dict(zip(blocked, _lengths(map(answer_words.__getitem__, blocked), spaced), strict=True))
    uf = _UnionFind(len(cards))
    for block in blocks:
        for x, i in enumerate(block):
            for j in block[x + 1 :]:
                if (
                    _near_length(question_length[i], question_length[j])
                    and _near_length(answer_length[i], answer_length[j])
                    and uf.find(i) != uf.find(j)
                    and key(i).near(key(j))
                ):
                    uf.union(i, j)
    root_of = list(map(uf.roots().__getitem__, first_of))
    copies: defaultdict[int, list[int]] = defaultdict(list)
    for i in compress(count(), map(ne, root_of, count())):
        copies[root_of[i]].append(i)
    return [[root, *rest] for root, rest in sorted(copies.items())], questions


def _text(card: Card) -> str:
    return f"{card.front}\n{card.back}".strip()


def _merge(copies: list[Card]) -> tuple[Card, Finding]:
    keeper, others = copies[0], copies[1:]
    also: list[SourceRef] = list(keeper.also_from)
    for other in others:
        for ref in (other.source, *other.also_from):
            if ref != keeper.source and ref not in also:
                also.append(ref)
    sources = ", ".join(str(r) for r in (keeper.source, *also))
    differing = [t for t in dict.fromkeys(_text(o) for o in others) if t != _text(keeper)]
    finding = Finding(
        STAGE,
        "merge",
        f"{len(copies)} copies of one card merged into one note; sources: {sources}",
        keeper.source,
        before="\n---\n".join(differing),
        after=_text(keeper) if differing else "",
    )
    merged = evolve(
        keeper,
        tags=tuple(sorted({t for c in copies for t in c.tags})),
        flags=frozenset().union(*(c.flags for c in copies)),
        also_from=tuple(also),
        findings=(*keeper.findings, finding),
    )
    return merged, finding


def _conflicts(
    notes: list[tuple[int, Card]], questions: dict[int, set[str]]
) -> tuple[dict[int, Card], list[Finding]]:
    """Notes sharing a question but not an answer: flagged, with one finding per question."""
    by_question: dict[str, list[int]] = defaultdict(list)
    for pos, _ in notes:
        for q in questions[pos]:
            if q:
                by_question[q].append(pos)
    cards = dict(notes)
    findings: list[Finding] = []
    reported: set[tuple[int, ...]] = set()
    for q in sorted(by_question):
        members = tuple(sorted(set(by_question[q])))
        if len(members) < 2 or members in reported:
            continue
        reported.add(members)
        first = cards[members[0]]
        sources = ", ".join(str(cards[m].source) for m in members)
        finding = Finding(
            STAGE,
            "conflict",
            f"the same question has {len(members)} different answers; all kept: {sources}",
            first.source,
            before=_text(first),
            after="\n---\n".join(_text(cards[m]) for m in members[1:]),
        )
        findings.append(finding)
        for m in members:
            card = cards[m]
            if "conflict" not in card.flags:
                card = evolve(card, flags=card.flags | {"conflict"})
            if finding not in card.findings:
                card = evolve(card, findings=(*card.findings, finding))
            cards[m] = card
    return cards, findings


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (nothing here makes cycles).

    Indexing 100,000 cards keeps about a million small containers alive at once; the collector
    would rescan them all again and again (two thirds of the stage's time at that size).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def merge_duplicates(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Merge copies of the same card into the first one; flag same-question, other-answer conflicts."""
    with _gc_paused():
        return _merge_duplicates(cards)


def _merge_duplicates(cards: tuple[Card, ...]) -> StageResult:
    live = [i for i, c in enumerate(cards) if "excluded" not in c.flags]
    copies, questions = _group([cards[i] for i in live])
    out: list[Card | None] = list(cards)
    findings: list[Finding] = []
    merged: dict[int, list[int]] = {}  # live index -> its group, for groups of more than one card
    for group in copies:
        note, finding = _merge([cards[live[g]] for g in group])
        findings.append(finding)
        out[live[group[0]]] = note
        for g in group:
            merged[g] = group
        for g in group[1:]:
            out[live[g]] = None
    # Cards with equal conflict keys have equal question words, so only notes that share their
    # question words with another card can be in conflict: only those need conflict keys.
    shared = Counter(questions)
    repeated = set(compress(shared, map(lt, repeat(1), shared.values())))
    conflict_keys: dict[int, set[str]] = {}
    for g in compress(count(), map(repeated.__contains__, questions)):
        group = merged.get(g, [g])
        pos = live[group[0]]
        # A cloze note has no question apart from its deletions: two clozes on one sentence
        # pattern ("{{c1::A}} is {{c2::B}}") are different cards, not a conflict.
        if pos not in conflict_keys and cards[pos].note_type is NoteType.BASIC:
            conflict_keys[pos] = {conflict_key(cards[live[c]]) for c in group}
    notes = [(pos, out[pos] or cards[pos]) for pos in sorted(conflict_keys)]
    flagged, conflict_findings = _conflicts(notes, conflict_keys)
    for pos, card in flagged.items():
        out[pos] = card
    kept = tuple([card for card in out if card is not None])
    return StageResult(kept, (*findings, *conflict_findings))
