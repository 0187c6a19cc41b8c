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
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import chain, combinations, count

from rapidfuzz.distance import OSA

from genanki_build.model import Card, Finding, Markup, NoteType, SourceRef
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
# _TOKEN's words without "_" and single letters, for lower-cased ASCII text.
_ASCII_WORD = re.compile(r"[a-z0-9]{2,}|[0-9]")


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

    def near(self, other: _Key) -> bool:
        """Question and answer each within typo distance, in sorted or in written order."""
        return (_near(self.question, other.question) or _near(self.question_seq, other.question_seq)) and (
            _near(self.answer, other.answer) or _near(self.answer_seq, other.answer_seq)
        )


def _plain(text: str, markup: Markup) -> str:
    if markup is Markup.HTML:
        text = html.unescape(_TAG.sub(" ", _BREAK_TAGS.sub("\n", text)))
    return text


def _tokens(text: str) -> list[str]:
    if text.isascii():
        # The same words as below, found by one regex: ASCII needs no NFKC, casefold is lower, and
        # only 0-9 are digits.
        return _ASCII_WORD.findall(text.lower())
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


def _blocks(bags: list[set[int]], words: list[str]) -> list[list[int]]:
    """Groups of indexes into ``bags`` (sets of word numbers: indexes into ``words``) that share a
    pair of their rarest words.

    A typo makes a new, rarest word, so a copy with typos in up to ``BLOCK_WORDS - 2`` words still
    shares with the original the pair of its rarest words the typos left alone.
    """
    df = Counter(chain.from_iterable(bags))
    # Every word's place in (document frequency, word) order, worked out once: rarest first. Words
    # under three letters count only when a card has no longer one: they are ranked after every
    # longer word, so a card's first ranks are its rarest long words when it has any. A block is
    # named by its words' ranks, which stand for the words one for one.
    short = len(words)
    rank = [0] * short
    for r, w in enumerate(sorted(range(short), key=lambda w: (df[w], words[w]))):
        rank[w] = r if len(words[w]) >= 3 else short + r
    names: list[tuple[tuple[int, ...], ...]] = []
    for bag in bags:
        rarest = sorted(map(rank.__getitem__, bag))[:BLOCK_WORDS]
        if rarest and rarest[0] < short <= rarest[-1]:
            rarest = [r for r in rarest if r < short]
        names.append(tuple(combinations(rarest, 2)) or (tuple(rarest),))
    sizes = Counter(chain.from_iterable(names))
    useful = {name for name, size in sizes.items() if 2 <= size <= MAX_BLOCK}
    blocks: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for i, mine in enumerate(names):
        if not useful.isdisjoint(mine):
            for name in useful.intersection(mine):
                blocks[name].append(i)
    return list(blocks.values())


def _group(cards: list[Card]) -> tuple[list[list[int]], list[str]]:
    """Indexes of ``cards`` grouped into notes (each group in input order, groups in the order of
    their first card), and every card's front as a Basic question's words (:func:`_words`)
    joined by spaces."""
    # Words are numbered in order of first sight; a card's bag is its sorted word numbers.
    numbers: defaultdict[str, int] = defaultdict(count().__next__)
    number = numbers.__getitem__
    bags: dict[tuple[int, ...], int] = {}
    written: list[tuple[list[str], list[str], int, int]] = []  # per bag: its first card's words
    bag_of: list[int] = []
    questions: list[str] = []
    for card in cards:
        question, answer = _words(card)
        seq = " ".join(question)
        if card.note_type is NoteType.BASIC:
            questions.append(seq)
        else:
            questions.append(" ".join(_tokens(_plain(card.front, card.markup))))
        b = bags.setdefault(tuple(sorted(map(number, question + answer))), len(written))
        if b == len(written):
            written.append((question, answer, len(seq), len(" ".join(answer))))
        bag_of.append(b)
    keys: dict[int, _Key] = {}

    def key(b: int) -> _Key:
        if b not in keys:
            keys[b] = _key(written[b][0], written[b][1])
        return keys[b]

    def maybe_near(a: int, b: int) -> bool:
        """False when the two bags' keys cannot be near, by their texts' lengths alone (a text
        has one length, sorted or not)."""
        _, _, question_a, answer_a = written[a]
        _, _, question_b, answer_b = written[b]
        return _near_length(question_a, question_b) and _near_length(answer_a, answer_b)

    uf = _UnionFind(len(written))
    for members in _blocks([set(bag) for bag in bags], list(numbers)):
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if maybe_near(i, j) and uf.find(i) != uf.find(j) and key(i).near(key(j)):
                    uf.union(i, j)
    groups: dict[int, list[int]] = {}
    for i, b in enumerate(bag_of):
        groups.setdefault(uf.find(b), []).append(i)
    return list(groups.values()), questions


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
    merged = replace(
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
                card = replace(card, flags=card.flags | {"conflict"})
            if finding not in card.findings:
                card = replace(card, findings=(*card.findings, finding))
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
    groups, questions = _group([cards[i] for i in live])
    out: list[Card | None] = list(cards)
    findings: list[Finding] = []
    merged: dict[int, list[int]] = {}  # live index -> its group, for groups of more than one card
    for group in groups:
        if len(group) > 1:
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
    conflict_keys: dict[int, set[str]] = {}
    for g, question in enumerate(questions):
        if shared[question] > 1:
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
    kept = tuple(card for card in out if card is not None)
    return StageResult(kept, (*findings, *conflict_findings))
