"""The dedupe stage: the same card exported twice becomes one note; a changed answer is a conflict.

Two cards are *the same card* when their question's words and their answer's words match after
normalization: HTML tags, cloze markup, bullets, punctuation, case and whitespace are dropped, and
each side's words are compared as a sorted bag, so a list given in another order, or a Basic copy
of a card that another copy holds as a cloze (its question the text around the deletions, its
answer the deletions), still matches. The same words split otherwise between question and answer
make another card ("pairs with T?"/"A" is not "pairs with A?"/"T"; a card and its reverse are two),
unless one copy's answer has no word at all: an export that pasted a card's answer onto its front.

Every word counts, single letters and single characters included ("pairs with T?" is not "pairs with
G?", "あ" is not "い"). Only two kinds of noise are dropped
(:func:`genanki_build.dedupe_keys.tokens`): a list label at the start of a line ("a.", "b)", "(c)",
after any bullet) and a possessive "'s", unless nothing else is left (the answer "A." is the word
"a"). A side with no words at all (only symbols: "+", "→") is compared as written, so cards of
symbols never match each other by an empty bag.

Cards whose words differ only by typos match too (:func:`genanki_build.slips.near`). The texts must
be close: a few edits, relative to their length (:data:`~genanki_build.slips.TYPO_CHARS_PER_EDIT`),
with the same numbers (digits, and Roman numerals written in capitals: "Henry VII" is not "Henry
VIII"). And on each side the words that differ must pair up one to one as slips of the keyboard:
both words at least :data:`~genanki_build.slips.MIN_SLIP_LENGTH` characters, one edit apart, the
edit two neighbouring letters swapped, a letter doubled or undoubled, a letter replaced by or added
next to a neighbouring key on a QWERTY keyboard (:data:`~genanki_build.slips.KEYBOARD_ROWS`), or any
one letter dropped from a word of :data:`~genanki_build.slips.MIN_DROP_LENGTH` characters or more;
and not both words known to the dictionary (:func:`genanki_build.spelling.known_to_dictionary`),
since two real words are two wordings ("dysphagia"/"dysphasia", "ileum"/"ilium",
"agonist"/"antagonist"). Anything else is two cards: a short word is too often another word one
keystroke away ("HbS"/"HbC").

Matching never compares all pairs. Cards with equal bags are grouped in one pass (a dictionary). For
typos, each group is filed under every pair of its few rarest words, question and answer together
(:data:`~genanki_build.dedupe_blocks.BLOCK_WORDS`, rarest across the build, ties broken
alphabetically); only groups that share a pair are compared, and a block holding more than
:data:`~genanki_build.dedupe_blocks.MAX_BLOCK` groups is too common to be useful and is skipped.
Matches are joined transitively. Every choice depends on the set of cards only, so the notes made do
not depend on the input order — except which copy is kept: the first in input order, with its text,
GUID and identity. The kept note gets the union of every copy's tags and flags, and ``also_from``
lists every other copy's source. A ``merge`` finding names every source.

The same question with a different answer is a *conflict*, not a duplicate: both cards are kept,
flagged ``conflict`` and reported (Basic notes only: a cloze note has no question apart from its
deletions). Cards flagged ``excluded`` are left out of both.

This module is the stage: grouping, merging and conflicts. The words and keys it compares are read
in :mod:`genanki_build.dedupe_keys`, the typo rules are :mod:`genanki_build.slips`, and the blocking
index is :mod:`genanki_build.dedupe_blocks`.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain, compress, count, repeat
from operator import add, lt, ne

from genanki_build.dedupe_blocks import lengths, rare_pair_blocks
from genanki_build.dedupe_keys import (
    Key,
    card_words,
    conflict_key,
    key_of,
    numbered_words,
    plain_text,
    roman_numerals,
    tokens,
)
from genanki_build.model import Card, Finding, Markup, NoteType, SourceRef, evolve
from genanki_build.slips import near, near_length
from genanki_build.stage import Context, StageResult

STAGE = "dedupe"


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


def _group(cards: list[Card]) -> tuple[list[list[int]], list[tuple[int, ...]]]:
    """Indexes of ``cards`` that are copies of one card: each group of more than one card in input
    order, groups in the order of their first card. And every card's front as a Basic question's
    words (:func:`~genanki_build.dedupe_keys.card_words`), numbered: equal numbers, equal words."""
    # Words are numbered in order of first sight; a card's bag is its sorted word numbers.
    numbers: defaultdict[str, int] = defaultdict(count().__next__)
    number = numbers.__getitem__
    # A Basic card in plain text has its front's and back's words: worked out for all such cards
    # at once. The others (HTML, cloze) one by one.
    others = [i for i, c in enumerate(cards) if c.markup is Markup.HTML or c.note_type is not NoteType.BASIC]
    fronts, backs = [c.front for c in cards], [c.back for c in cards]
    for i in others:
        fronts[i] = backs[i] = ""
    question_words, answer_words = numbered_words(fronts, number), numbered_words(backs, number)
    questions = question_words.copy()
    for i in others:
        card = cards[i]
        question, answer = card_words(card)
        question_words[i], answer_words[i] = tuple(map(number, question)), tuple(map(number, answer))
        if card.note_type is NoteType.BASIC:
            questions[i] = question_words[i]
        else:
            questions[i] = tuple(map(number, tokens(plain_text(card.front, card.markup))))
    # A bag (the card's sorted word numbers) is named by its first card; every card gets that card.
    bags: dict[tuple[int, ...], int] = {}
    first_of = list(
        map(bags.setdefault, map(tuple, map(sorted, map(add, question_words, answer_words))), count())
    )
    # Copies also share the question's words: the same words split otherwise between question and
    # answer are another card, unless one copy's answer holds no word at all. Only the few cards whose bag another card has are looked at again;
    # each group is named by its first card still.
    split: dict[tuple[int, tuple[int, ...]], int] = {}
    firsts = list(bags.values())
    first_bags = list(bags)  # the bag of each of firsts
    for i in list(compress(count(), map(ne, first_of, count()))):
        first = first_of[i]
        if not answer_words[i]:
            continue  # every word on the front (an export that put the back there too): a copy still
        split.setdefault((first, tuple(sorted(question_words[first]))), first)
        first_of[i] = split.setdefault((first, tuple(sorted(question_words[i]))), i)
        if first_of[i] == i:
            firsts.append(i)
            first_bags.append(tuple(sorted(question_words[i] + answer_words[i])))
    words = list(numbers)
    keys: dict[int, Key] = {}

    def key(i: int) -> Key:
        if i not in keys:
            keys[i] = key_of(
                [words[w] for w in question_words[i]],
                [words[w] for w in answer_words[i]],
                roman_numerals(cards[i]),
            )
        return keys[i]

    # Typo matching blocks on each group's bag (two groups may share one).
    blocks = [[firsts[b] for b in block] for block in rare_pair_blocks(first_bags, words)]
    # A text has one length, sorted or not: pairs whose lengths differ too much cannot be near.
    blocked = list(set(chain.from_iterable(blocks)))
    spaced = [len(w) + 1 for w in words]
    question_length = dict(
        zip(blocked, lengths(map(question_words.__getitem__, blocked), spaced), strict=True)
    )
    answer_length = dict(zip(blocked, lengths(map(answer_words.__getitem__, blocked), spaced), strict=True))
    uf = _UnionFind(len(cards))
    for block in blocks:
        for x, i in enumerate(block):
            for j in block[x + 1 :]:
                if (
                    near_length(question_length[i], question_length[j])
                    and near_length(answer_length[i], answer_length[j])
                    and uf.find(i) != uf.find(j)
                    and near(key(i), key(j))
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
