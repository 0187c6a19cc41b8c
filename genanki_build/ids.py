"""The ids stage: every note keeps the GUID it had in the last build, or gets a new one.

Anki recognises a student's copy of a note by GUID alone, so a GUID once published must follow its
card through every later edit. The previous build's ledger (:attr:`Context.ledger`, read from
``cards.lock``) is matched against the cards of this build:

1. a GUID given by the source (an Anki export's guid column) always wins;
2. an exact match of front and back (as plain text, wherever the card now lives) keeps the GUID;
3. the remaining cards are matched by similarity of front and back (rapidfuzz), within the same
   source file and, with a stricter cutoff, across files (a moved card, a renamed file), all pairs
   assigned together, best score first: a typo fix, an edited answer, or a reworded question with
   the same answer keeps the GUID. A question whose numbers changed
   ("When did WW1 start?" and "When did WW2 start?") asks something else: never matched so.
   Candidates are found with ``process.extract`` over the unmatched entries only, and pairs are
   assigned one-to-one, best score first;
4. a truly new card gets a GUID derived from the collection's namespace and its raw text
   (``Card.identity``), never one the ledger already holds;
5. a ledger entry left unmatched is reported as removed (a ``ledger`` finding). It stays in the
   ledger (:attr:`LedgerEntry.removed`), matched only by step 2: a card restored as it was gets its
   GUID back, and no new card ever gets it.

Modification times are stamped after the pipeline, from the final fields (see
:func:`genanki_build.ledger.update`). Each card leaves this stage with the time that is most likely
final: its ledger entry's for a kept GUID, the build time for a new one. The ledger keeps it when
the note is unchanged and sets the right one otherwise; either way most cards need no second copy.
"""

from __future__ import annotations

import operator
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256

from rapidfuzz import fuzz, process, utils

from genanki_build.ledger import collapse_space, plain_text
from genanki_build.model import CLOZE_OPEN, Card, Finding, Markup, SourceRef, evolve
from genanki_build.render import to_html
from genanki_build.stage import Context, LedgerEntry, StageResult

#: Lowest combined score (0-100) at which an edited card keeps an old GUID, within one file.
SAME_FILE_CUTOFF = 70.0
#: The same across files (a moved card or a renamed file): a little stricter.
CROSS_FILE_CUTOFF = 75.0
#: One side this similar (0-100) counts as "kept" even when the other side was rewritten…
ANCHOR_SIDE = 90.0
#: …provided the kept side has at least this many characters (a bare "True" proves nothing).
ANCHOR_MIN_CHARS = 12
#: Candidates looked at per card and side.
CANDIDATES = 5
#: Above this many card x entry pairs in one block, only exact fronts or backs are candidates.
MAX_PAIRS = 4_000_000

#: Ledger entries are looked at by file, line and GUID, so ties break the same way every build.
_ENTRY_ORDER = operator.attrgetter("file", "first", "guid")
# Anki's base-91 digits, as genanki writes GUIDs.
_BASE91 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
# Every two-digit number in base 91, by value.
_BASE91_PAIRS = [high + low for high in _BASE91 for low in _BASE91]
# A line the renderer would turn into a list item (see genanki_build.render).
_LISTISH = re.compile(r"^\s*(?:[-•·▪◦*\u2022]|\d{1,3}[.)])\s", re.MULTILINE)
# How such a line may start, digits and indents aside.
_ITEM_START = frozenset("-•·▪◦*\u2022")


def derive_guid(namespace: str, identity: str, salt: int = 0) -> str:
    """A GUID from the namespace and a card's identity text (``salt`` separates collisions).

    The same text as ``genanki.guid_for(namespace, identity[, salt])``: the first 8 bytes of the
    SHA-256 of the values joined by ``__``, written in Anki's base 91 (most significant digit
    first). Worked out here because genanki's loops over the bytes and digits cost a fifth of
    the stage at 100,000 cards.
    """
    text = f"{namespace}__{identity}__{salt}" if salt else f"{namespace}__{identity}"
    number = int.from_bytes(sha256(text.encode("utf-8")).digest()[:8], "big")
    # A number below 2**64 has at most ten digits in base 91: five pairs, the last worked out first.
    number, e = divmod(number, 8281)
    number, d = divmod(number, 8281)
    number, c = divmod(number, 8281)
    a, b = divmod(number, 8281)
    pair = _BASE91_PAIRS
    # Leading zero digits ("a") are dropped: genanki writes none.
    return f"{pair[a]}{pair[b]}{pair[c]}{pair[d]}{pair[e]}".lstrip(_BASE91[0])


@dataclass(frozen=True, slots=True)
class _Side:
    """One side of the comparison: a card of this build or a ledger entry."""

    file: str
    front: str
    back: str
    front_key: str
    back_key: str
    numbers: tuple[str, ...]
    """The numbers in the question (not a cloze deletion's), sorted: another number asks something else."""


#: A number in a question, as written.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _side(file: str, front: str, back: str) -> _Side:
    numbers = tuple(sorted(_NUMBER.findall(CLOZE_OPEN.sub(" ", front) if "{{c" in front else front)))
    return _Side(file, front, back, utils.default_process(front), utils.default_process(back), numbers)


def _plain(text: str, markup: Markup) -> str:
    """The field as the ledger will hold it once rendered: plain text, white space collapsed."""
    # Rendering plain text only escapes it and turns line breaks into <br>: without a list item,
    # skip the round trip. A field of one line can only be an item when it starts like one, so
    # most fields are not searched.
    first = text[:1]
    if markup is Markup.TEXT and (
        ("\n" not in text and not (first in _ITEM_START or first.isdecimal() or first.isspace()))
        or not _LISTISH.search(text)
    ):
        return collapse_space(text)
    return plain_text(to_html(text, markup))


def _card_text(card: Card) -> tuple[str, str, str]:
    """The card's file, and its front and back as the ledger will hold them."""
    return card.source.file, _plain(card.front, card.markup), _plain(card.back, card.markup)


def similarity(a: _Side, b: _Side) -> float:
    """How sure (0-100) that ``b`` is an edit of ``a``.

    The mean of the two sides' similarity; or, when one informative side is (almost) unchanged, at
    least 70 plus a little for the other side: an edited answer or a reworded question.
    """
    sf = fuzz.ratio(a.front_key, b.front_key)
    sb = fuzz.ratio(a.back_key, b.back_key)
    score = (sf + sb) / 2
    if sf >= ANCHOR_SIDE and min(len(a.front_key), len(b.front_key)) >= ANCHOR_MIN_CHARS:
        score = max(score, 70 + 0.3 * sb)
    if sb >= ANCHOR_SIDE and min(len(a.back_key), len(b.back_key)) >= ANCHOR_MIN_CHARS:
        score = max(score, 70 + 0.3 * sf)
    return score


def _pairs(
    cards: Sequence[tuple[int, _Side]],
    entries: Sequence[tuple[LedgerEntry, _Side]],
    cutoff: float,
) -> list[tuple[float, int, str]]:
    """Candidate (score, card index, GUID) pairs at or above ``cutoff``, without an all-pairs scan."""
    if not cards or not entries:
        return []
    by_front: dict[str, list[int]] = defaultdict(list)
    by_back: dict[str, list[int]] = defaultdict(list)
    for j, (_, side) in enumerate(entries):
        by_front[side.front_key].append(j)
        by_back[side.back_key].append(j)
    fuzzy = len(cards) * len(entries) <= MAX_PAIRS
    fronts = [side.front_key for _, side in entries]
    backs = [side.back_key for _, side in entries]
    out: list[tuple[float, int, str]] = []
    for index, side in cards:
        # Entries sharing an exact side come from dict lookups; only when none of them is good
        # enough is the (costlier) fuzzy search run.
        exact = set(by_front.get(side.front_key, ())) | set(by_back.get(side.back_key, ()))
        scored = [(similarity(side, entries[j][1]), j) for j in sorted(exact)]
        if fuzzy and not any(score >= cutoff for score, _ in scored):
            found: set[int] = set()
            for query, choices in ((side.front_key, fronts), (side.back_key, backs)):
                hits = process.extract(
                    query, choices, scorer=fuzz.ratio, processor=None, limit=CANDIDATES, score_cutoff=40
                )
                found.update(j for _, _, j in hits)
            scored += [(similarity(side, entries[j][1]), j) for j in sorted(found - exact)]
        out += [
            (score, index, entries[j][0].guid)
            for score, j in scored
            if score >= cutoff and entries[j][1].numbers == side.numbers
        ]
    return out


def _assign(pairs: Iterable[tuple[float, int, str]], matched: dict[int, str], claimed: set[str]) -> None:
    """One-to-one, best score first; ties by card order then GUID, so the result is deterministic."""
    for _, index, guid in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if index in matched or guid in claimed:
            continue
        matched[index] = guid
        claimed.add(guid)


def match(cards: Sequence[Card], ledger: Iterable[LedgerEntry]) -> tuple[dict[int, str], dict[int, float]]:
    """Old GUIDs for cards of this build, by card index; and the similarity of each fuzzy match."""
    entries = list(ledger)
    if not entries:
        return {}, {}  # a first build: nothing to match against
    claimed = {card.guid for card in cards if card.guid_given and card.guid}
    matched: dict[int, str] = {}
    plain = {i: _card_text(card) for i, card in enumerate(cards) if not (card.guid_given and card.guid)}
    # 1. Exact front and back, anywhere; a note still in the sources first, then the same file. A
    # removed note's entry is matched only so: a card restored as it was gets its GUID back.
    exact: dict[tuple[str, str], list[LedgerEntry]] = defaultdict(list)
    for entry in entries:
        if entry.guid not in claimed:
            exact[(entry.front, entry.back)].append(entry)
    for i, (file, front, back) in plain.items():
        pool = exact.get((front, back))
        if pool is None:
            continue
        if len(pool) == 1:  # the usual case: one entry with this text
            guid = pool[0].guid
            if guid not in claimed:
                matched[i] = guid
                claimed.add(guid)
            continue
        free = sorted((e for e in pool if e.guid not in claimed), key=_ENTRY_ORDER)
        if free:
            live = [e for e in free if not e.removed] or free
            best = next((e for e in live if e.file == file), live[0])
            matched[i] = best.guid
            claimed.add(best.guid)
    # 2. Similar, within one file.
    scores: dict[int, float] = {}
    left = {i: _side(*text) for i, text in plain.items() if i not in matched}
    unclaimed = sorted((e for e in entries if e.guid not in claimed and not e.removed), key=_ENTRY_ORDER)
    rest = [(e, _side(e.file, e.front, e.back)) for e in unclaimed]
    by_file: dict[str, list[tuple[int, _Side]]] = defaultdict(list)
    for i, side in left.items():
        by_file[side.file].append((i, side))
    rest_by_file: dict[str, list[tuple[LedgerEntry, _Side]]] = defaultdict(list)
    for entry, side in rest:
        rest_by_file[entry.file].append((entry, side))
    pairs: list[tuple[float, int, str]] = []
    for file, group in sorted(by_file.items()):
        pairs += _pairs(group, rest_by_file.get(file, []), SAME_FILE_CUTOFF)
    # 3. Similar, across files (a stricter cutoff), assigned with the pairs above, best score
    # first: a card moved with a small edit keeps its GUID even when a new card like it has taken
    # its place in its old file.
    before = set(matched)
    cross = _pairs(sorted(left.items()), rest, CROSS_FILE_CUTOFF)
    _assign(pairs + cross, matched, claimed)
    for score, i, guid in pairs + cross:
        if i not in before and matched.get(i) == guid:
            scores[i] = max(score, scores.get(i, 0.0))
    return matched, scores


#: How the ledger findings of this stage begin: an edited card that kept its GUID, a card gone
#: from the sources, a removed card back again.
EDITED = "edited card keeps its GUID"
REMOVED = "removed since the last build"
RESTORED = "back in the sources, with its GUID"


def _percent(score: float) -> str:
    """A similarity as a whole number, never "100" for an edited card (99.6 is not unchanged)."""
    return "100" if score >= 100 else f"{min(score, 99.0):.0f}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def assign_ids(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Keep given and ledger GUIDs, derive the others; GUIDs are unique within the build."""
    namespace = context.config.id_namespace
    matched, scores = match(cards, context.ledger.values())
    taken = {card.guid for card in cards if card.guid_given and card.guid}
    taken |= set(context.ledger)
    out: list[Card] = []
    findings: list[Finding] = []
    for i, card in enumerate(cards):
        if card.guid_given and card.guid:
            out.append(card)
            continue
        guid = matched.get(i)
        if guid is not None:
            old = context.ledger[guid]
            if old.removed and "excluded" not in card.flags:
                findings.append(
                    Finding(
                        "ids",
                        "ledger",
                        f"{RESTORED}: {_short(old.front)!r} (GUID {guid})",
                        card.source,
                        after=f"{card.front}\n{card.back}",
                    )
                )
            elif i in scores and "excluded" not in card.flags:
                moved = f", moved from {old.file}" if old.file != card.source.file else ""
                findings.append(
                    Finding(
                        "ids",
                        "ledger",
                        f"{EDITED} (similarity {_percent(scores[i])}{moved}): "
                        f"{_short(old.front)!r} -> {_short(_plain(card.front, card.markup))!r}",
                        card.source,
                        before=f"{old.front}\n{old.back}",
                        after=f"{card.front}\n{card.back}",
                    )
                )
            out.append(evolve(card, guid=guid, mtime=old.mtime))
            continue
        identity = card.identity or f"{card.front}\x1f{card.back}"
        salt = 0
        guid = derive_guid(namespace, identity)
        while guid in taken:
            salt += 1
            guid = derive_guid(namespace, identity, salt)
        taken.add(guid)
        out.append(evolve(card, guid=guid, mtime=card.mtime or context.build_time))
    claimed = {c.guid for c in out}
    removed = (entry for entry in context.ledger.values() if entry.guid not in claimed and not entry.removed)
    for entry in sorted(removed, key=_ENTRY_ORDER):
        findings.append(
            Finding(
                "ids",
                "ledger",
                f"{REMOVED}: {_short(entry.front)!r} (GUID {entry.guid}; it stood at "
                f"{SourceRef(entry.file, entry.first, entry.last)} in the last build); "
                "students keep their copy until they delete it",
                SourceRef(entry.file, 0, 0),  # its lines are other cards' now, or gone
                before=f"{entry.front}\n{entry.back}",
            )
        )
    return StageResult(tuple(out), tuple(findings))
