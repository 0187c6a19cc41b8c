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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import combinations

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
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    words = _TOKEN.findall(text.casefold().replace("_", " "))
    # Single letters are list labels ("a.", "b.") or possessive "s": noise for matching.
    return [w for w in words if len(w) > 1 or w.isdigit()]


def card_key(card: Card) -> _Key:
    """The normalized question, answer and whole-card word bag that matching compares."""
    front = _plain(card.front, card.markup)
    back = _plain(card.back, card.markup)
    if card.note_type is NoteType.CLOZE:
        deleted = [m.group(1) for m in _CLOZE.finditer(front)]
        question = _CLOZE.sub(" ", front)
        answer_words = _tokens(" ".join([*deleted, back]))
    else:
        question = front
        answer_words = _tokens(back)
    question_words = _tokens(question)
    return _Key(
        " ".join(sorted(question_words)),
        " ".join(sorted(answer_words)),
        " ".join(sorted(question_words + answer_words)),
        " ".join(question_words),
        " ".join(answer_words),
    )


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


def _blocks(keys: list[_Key]) -> Iterable[list[int]]:
    """Groups of key indexes that share a pair of their rarest words.

    A typo makes a new, rarest word, so a copy with typos in up to ``BLOCK_WORDS - 2`` words still
    shares with the original the pair of its rarest words the typos left alone.
    """
    df: Counter[str] = Counter()
    words_of = [set(k.bag.split()) for k in keys]
    for words in words_of:
        df.update(words)
    # Every word's place in (document frequency, word) order, worked out once: rarest first. A block
    # is named by its words' ranks, which stand for the words one for one.
    rank = {w: r for r, w in enumerate(sorted(df, key=lambda w: (df[w], w)))}
    blocks: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for i, words in enumerate(words_of):
        long_words = [w for w in words if len(w) >= 3] or words
        rarest = sorted(map(rank.__getitem__, long_words))[:BLOCK_WORDS]
        pairs: list[tuple[int, ...]] = list(combinations(rarest, 2)) or [tuple(rarest)]
        for pair in pairs:
            blocks[pair].append(i)
    for members in blocks.values():
        if 2 <= len(members) <= MAX_BLOCK:
            yield members


def _group(cards: list[Card]) -> tuple[list[list[int]], list[_Key]]:
    """Indexes of ``cards`` grouped into notes (each group in input order), and every card's key."""
    keys = [card_key(c) for c in cards]
    by_bag: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        by_bag[key.bag].append(i)
    bags = sorted(by_bag)
    unique = [keys[by_bag[b][0]] for b in bags]
    uf = _UnionFind(len(bags))
    for members in _blocks(unique):
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if uf.find(i) != uf.find(j) and unique[i].near(unique[j]):
                    uf.union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for g, bag in enumerate(bags):
        groups[uf.find(g)].extend(by_bag[bag])
    return sorted(sorted(m) for m in groups.values()), keys


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
    groups, _ = _group([cards[i] for i in live])
    out: dict[int, Card] = {i: c for i, c in enumerate(cards) if "excluded" in c.flags}
    findings: list[Finding] = []
    notes: list[tuple[int, Card]] = []
    questions: dict[int, set[str]] = {}
    for group in groups:
        pos = live[group[0]]
        copies = [cards[live[g]] for g in group]
        if len(copies) > 1:
            note, finding = _merge(copies)
            findings.append(finding)
        else:
            note = copies[0]
        notes.append((pos, note))
        # A cloze note has no question apart from its deletions: two clozes on one sentence
        # pattern ("{{c1::A}} is {{c2::B}}") are different cards, not a conflict.
        questions[pos] = (
            {conflict_key(cards[live[g]]) for g in group} if copies[0].note_type is NoteType.BASIC else set()
        )
    flagged, conflict_findings = _conflicts(notes, questions)
    out.update(flagged)
    return StageResult(tuple(out[i] for i in sorted(out)), (*findings, *conflict_findings))
