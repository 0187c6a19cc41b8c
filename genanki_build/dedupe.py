"""The dedupe stage: the same card exported twice becomes one note; a changed answer is a conflict.

Two cards are *the same card* when their text matches after normalization: HTML tags, cloze markup,
bullets, list labels, punctuation, case and whitespace are dropped, and the words are compared as
a sorted bag, so a list given in another order, or a Basic copy of a card that another copy holds as
a cloze, still matches. Cards whose bags differ only by typos (a few edits, relative to the text's
length: :data:`TYPO_CHARS_PER_EDIT`) match too.

Matching never compares all pairs. Cards with equal bags are grouped in one pass (a dictionary).
For typos, each group is filed under every pair of its few rarest words (:data:`BLOCK_WORDS`,
rarest across the build, ties broken alphabetically); only groups that share a pair are compared,
and a block holding more than :data:`MAX_BLOCK` groups is too common to be useful and is skipped. Matches
are joined transitively. Every choice depends on the set of cards only, so the notes made do not
depend on the input order — except which copy is kept: the first in input order, with its text,
GUID and identity. The kept note gets the union of every copy's tags and flags, and ``also_from``
lists every other copy's source. A ``merge`` finding names every source.

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
from itertools import accumulate, chain, combinations, compress, count, filterfalse, islice, repeat
from operator import add, eq, itemgetter, lt, ne

from rapidfuzz.distance import OSA

from genanki_build.model import Card, Finding, Markup, NoteType, SourceRef, evolve
from genanki_build.stage import Context, StageResult

STAGE = "dedupe"
#: How many of a card's rarest words it is filed under for typo matching.
BLOCK_WORDS = 4
#: Blocks larger than this are too common a word to block on; they are not compared.
MAX_BLOCK = 300
#: One edit (insertion, deletion, substitution or swap of neighbours) allowed per this many characters.
TYPO_CHARS_PER_EDIT = 15

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
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


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
    """The numbers in the card's words, sorted and joined."""

    def near(self, other: _Key) -> bool:
        """The same numbers, and question and answer each within typo distance, in sorted or in
        written order. A number that differs is never a typo: "WW1"/"WW2", "pH 7"/"pH 8" and "B1"/"B12"
        are other cards, though one keystroke apart."""
        return (
            self.numbers == other.numbers
            and (_near(self.question, other.question) or _near(self.question_seq, other.question_seq))
            and (_near(self.answer, other.answer) or _near(self.answer_seq, other.answer_seq))
        )


def _plain(text: str, markup: Markup) -> str:
    if markup is Markup.HTML:
        text = html.unescape(_TAG.sub(" ", _BREAK_TAGS.sub("\n", text)))
    return text


def _tokens(text: str) -> list[str]:
    if text.isascii():
        # The same words as below, found by splitting the folded text (:func:`_numbered` does this
        # for many texts at once): ASCII needs no NFKC, casefold is lower, and only 0-9 are digits.
        return list(filterfalse(_LETTERS.__contains__, text.encode().translate(_ASCII_FOLD).decode().split()))
    text = unicodedata.normalize("NFKC", text)
    words = _TOKEN.findall(text.casefold().replace("_", " "))
    # Single letters are list labels ("a.", "b.") or possessive "s": noise for matching.
    return [w for w in words if len(w) > 1 or w.isdigit()]


def _words(card: Card) -> tuple[list[str], list[str]]:
    """The question's and the answer's words, in written order."""
    front, back = card.front, card.back
    if card.markup is Markup.HTML:
        front, back = _plain(front, Markup.HTML), _plain(back, Markup.HTML)
    if card.note_type is NoteType.CLOZE:
        deleted = [m.group(1) for m in _CLOZE.finditer(front)]
        return _tokens(_CLOZE.sub(" ", front)), _tokens(" ".join([*deleted, back]))
    return _tokens(front), _tokens(back)


def _key(question_words: list[str], answer_words: list[str]) -> _Key:
    return _Key(
        " ".join(sorted(question_words)),
        " ".join(sorted(answer_words)),
        " ".join(sorted(question_words + answer_words)),
        " ".join(question_words),
        " ".join(answer_words),
        " ".join(sorted(_NUMBER.findall(" ".join(question_words + answer_words)))),
    )


def card_key(card: Card) -> _Key:
    """The normalized question, answer and whole-card word bag that matching compares."""
    return _key(*_words(card))


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
    is compared as written, case and symbols kept, because there the symbols are the question
    (":w file" and ":e file", "BEGIN" and "begin", "ctrl+R" and "ctrl+z").

    Equal conflict keys mean equal question words (:func:`_words`): matching uses that as a cheap
    first test.
    """
    text = _plain(card.front, card.markup)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    words = _TOKEN.findall(text.casefold().replace("_", " "))
    if len(words) <= 2:
        return " ".join(text.split())
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


def _numbered(texts: list[str], number: Callable[[str], int]) -> list[tuple[int, ...]]:
    """Each text's words (:func:`_tokens`) as word numbers. ASCII texts are done all at once, each
    step one C call over the list; the rest one by one."""
    ascii = list(map(str.isascii, texts))
    folded = map(
        bytes.decode, map(bytes.translate, map(str.encode, compress(texts, ascii)), repeat(_ASCII_FOLD))
    )
    words = map(filterfalse, repeat(_LETTERS.__contains__), map(str.split, folded))
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
    # A bag is named by its first card; every card gets its bag's first card.
    bags: dict[tuple[int, ...], int] = {}
    bag_of = list(
        map(bags.setdefault, map(tuple, map(sorted, map(add, question_words, answer_words))), count())
    )
    words = list(numbers)
    keys: dict[int, _Key] = {}

    def key(i: int) -> _Key:
        if i not in keys:
            keys[i] = _key([words[w] for w in question_words[i]], [words[w] for w in answer_words[i]])
        return keys[i]

    firsts = list(bags.values())
    blocks = [[firsts[b] for b in block] for block in _blocks(list(bags), words)]
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
    root_of = list(map(uf.roots().__getitem__, bag_of))
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
