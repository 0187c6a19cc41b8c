"""The typos stage: conservative, domain-aware spelling correction. A wrong fix is worse than a miss.

It is built from three modules: :mod:`~genanki_build.spelling` (what the English dictionary alone
says about a word), :mod:`~genanki_build.vocabulary` (the words each file and card uses) and
:mod:`~genanki_build.verdicts` (what to do with a word, given the collection's vocabulary). Names
below prefixed ``spelling.`` or ``verdicts.`` live there.

A word is checked against pyspellchecker's English dictionary *and* the collection's own vocabulary.
It is left alone when it is

- shorter than :data:`spelling.MIN_LENGTH` letters, an acronym (all capitals, at most
  :data:`ACRONYM_LENGTH` letters), mixed case (``eBay``), or touching a digit, ``&``, ``@`` or
  ``_`` (``B2B``, ``R&D``);
- capitalized in mid-sentence (a name: ``Dijkstra``, ``Tesco``), unless the correction is a word
  this collection itself uses at least :data:`MIN_USES` times;
- in a URL, an e-mail address, a code span or an HTML tag;
- known to the dictionary, a British/Canadian spelling of a known word (:func:`spelling.american`:
  colour, centred, behaviours, organisation, analyse, catalogue, travelled, defence…; or on the
  shipped list :func:`spelling.british`: aluminium, pyjamas, cheque), a known word
  with a common prefix or ending (:data:`spelling.PREFIXES`, :data:`spelling.SUFFIXES`:
  influencers, selftransformation), or two everyday words written as one (linewise);
- used at least :data:`MIN_USES` times across the collection (copies of one card count once): a term
  the course uses is not a typo;
- listed in ``deck.toml``'s ``[typos] keep``;
- in a source file that is not English (under :data:`MIN_ENGLISH_SHARE` of its words known; the
  report says so), in a card that is mostly not English (of at least three checked words, more than
  half are like no English word), or in the answer of a card the ``incomplete`` stage flagged (a
  "see picture" phrase).

It is corrected only when the correction is unambiguous:

1. ``deck.toml``'s ``[typos] fix`` always wins;
2. a real word on the shipped confusables list (``data/confusables.txt``, e.g. costumer →
   customer) is corrected when the collection uses the meant word at least :data:`MIN_USES` times
   and :data:`verdicts.RATIO` times as often, *and the same card uses the meant word too*; else it
   is reported. The collection's counts say what the course is about, not what one card is about:
   an anatomy card's "pubic symphysis" stays in a collection that often says "public";
3. an unknown word with exactly one known word at Damerau–Levenshtein distance 1 (a letter added,
   dropped, changed, or two swapped), or, when several and the word has at least
   :data:`verdicts.MIN_LENGTH_TO_SETTLE` letters, exactly one the collection uses; the candidate
   must be common (:data:`spelling.MIN_FREQUENCY` in the dictionary) or used by the collection, and
   a plausible slip (:func:`spelling.slip`: two neighbours swapped, or first and last letters kept
   and a changed letter a keyboard neighbour or another vowel; so printf is no print, chown no
   shown, ctrol no carol). When the collection uses the candidate nowhere
   (:data:`verdicts.KNOWN_USES`), the dictionary alone must vouch for it, and it only vouches for a
   correction that restores what was typed (:func:`verdicts.by_dictionary_alone`): a left-out
   letter put back in a word of :data:`verdicts.MIN_LENGTH_LEFT_OUT` letters or more (framwork),
   or two swapped letters put back (percieved). A letter typed too many or typed differently is as
   often meant as slipped: code words and jargon are English words with a letter added (stdout is
   no stout, upsert no upset, mmap no map), and other spellings and languages change a vowel (tokio
   is no tokyo, raison no raisin); such a word is reported, and corrected only in a collection that
   uses the meant word elsewhere (enchance → enhance, benifits → benefits);
4. failing that, a word of at least 6 letters, not all capitals, with exactly one word of the
   collection's vocabulary at distance 2 that holds the same letters but for one (letters typed out
   of order: ``Pateints`` → ``Patients``; pyruvate is no private);
5. a glued pair inside a hyphenated compound, where the word splits in exactly one way into two
   common words one of which is a linking word of :data:`verdicts.LINKING` (``stateof-the-art`` →
   ``state-of-the-art``).

A correction never turns a word into its own inflection (``enzyme`` ↔ ``enzymes``). Case is
kept: ``Recieve`` → ``Receive``, ``RECIEVE`` → ``RECEIVE``. An unknown word that cannot be
corrected unambiguously is reported as a ``suspect`` and left as it is.

Only :attr:`Card.front` and :attr:`Card.back` change; :attr:`Card.identity` (and so the GUID) never.

The work is per unique word, not per occurrence: every card is read once (:func:`vocabulary.survey`:
each file's word counts, and each card's *unsure* words, those the dictionary alone does not vouch
for); a pass decides each unsure word once and plans (:func:`_plan`) only the cards holding a
doubtful one; a later pass re-plans only the cards whose text or verdicts changed. A long word finds
its dictionary neighbours in sorted word lists (:func:`spelling.neighbours`), not by trying its
hundreds of edits. The property tests in ``tests/test_typos.py`` check each of these quick paths
against the plain one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from genanki_build import spelling
from genanki_build.model import Card, Finding, Markup, SourceRef
from genanki_build.stage import Context, StageResult
from genanki_build.verdicts import KNOWN_USES, MIN_USES, OK, Checker, Verdict
from genanki_build.vocabulary import letter_runs, prose_of, survey

STAGE = "typos"

#: All-capital words up to this length are acronyms (CRM, CEM, NPS).
ACRONYM_LENGTH = 5
#: A file is spell-checked only when at least this share of its words (of
#: :data:`spelling.MIN_LENGTH` letters or more) are known to the English dictionary, once it has
#: :data:`LANGUAGE_SAMPLE` of them.
MIN_ENGLISH_SHARE = 0.7
LANGUAGE_SAMPLE = 20

_CHUNK = re.compile(r"\S+")
_PART = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_NOT_A_WORD = re.compile(r"[\d&@_`/\\=<>#|~^*+$%]|://")
#: Punctuation and Markdown emphasis around a word, stripped before it is checked.
_EDGE = "\"'“”‘’«»()[]{}.,;:!?…*_~"
_SENTENCE_END = re.compile(r"(?:[.!?:;→⇒➔]|\n)[\s\"'“‘(\[]*$")
_LINE_START = re.compile(r"(?:^|\n)[ \t]*(?:[-*•·▪◦]|\d{1,3}[.)]|[a-z][.)])?[ \t]*[\"'“‘(\[]*$")
_POSSESSIVE = re.compile(r"['’]s$")
_RUN = re.compile(rf"[a-z]{{{spelling.MIN_LENGTH},}}")


def _match_case(original: str, target: str) -> str:
    if original.isupper():
        return target.upper()
    if original[0].isupper():
        return target[0].upper() + target[1:]
    return target


def _words(prose: str) -> Iterable[tuple[int, str, bool]]:
    """``(offset, word, in_compound)`` for each checkable word of ``prose`` (see :func:`prose_of`)."""
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


_Plan = list[tuple[int, str, bool, Verdict, bool]]
"""Per word: offset, word, inside a hyphenated compound, verdict, may be corrected like a common word."""

#: A card with at least this many checked words, more than half of them suspects (like no English
#: word), is not English.
_FOREIGN_MIN_WORDS = 3


def _plan(text: str, markup: Markup, checker: Checker) -> tuple[_Plan, int, int, bool]:
    """The verdict on each checkable word of ``text``; how many were checked and how many known; and
    whether the text is settled: every word fine, none a confusable whose verdict a recount may change.
    """
    prose = prose_of(text, markup)
    if not checker.fix:
        # The fast path: when every run of letters long enough to check is fine, so is the text.
        runs = set(_RUN.findall(prose.lower()))
        if all(checker.verdict(w) is OK for w in runs - checker.ok):
            return [], len(runs), len(runs), runs.isdisjoint(spelling.confusables())
    checked = known = 0
    plan: _Plan = []
    for offset, word, compound in _words(prose):
        if checker.fix and word.lower() in checker.fix:
            plan.append((offset, word, compound, checker.verdict(word.lower()), True))
            continue
        if len(word) < spelling.MIN_LENGTH or not word.isascii():
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
    text: str, plan: _Plan, checker: Checker, card_words: frozenset[str] = frozenset()
) -> tuple[str, list[tuple[str, str, str]], list[tuple[str, str]]]:
    """``text`` with the planned fixes made; the fixes as (before, after, why), suspects as (word, why).
    ``card_words`` are the words of the whole card (:func:`letter_runs`), for confusables."""
    edits: list[tuple[int, str, str, str]] = []
    suspects: list[tuple[str, str]] = []
    for offset, word, compound, verdict, common in plan:
        if verdict.confusable and verdict.target not in card_words:
            # A real word, and nothing in this card speaks of the word it may stand for: the
            # collection's counts alone say what the course is about, not what this card is about.
            suspects.append((word, f"maybe {verdict.target}: {verdict.reason}; this card never uses it"))
            continue
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
        after.update(spelling.WORD.findall(fix.after.lower()))
    return +after


def _verdicts_may_change(before: Counter[str], after: Counter[str], checker: Checker) -> bool:
    """True when a count the verdicts depend on moved: a word crossed :data:`MIN_USES` or
    :data:`verdicts.KNOWN_USES`, or a word of the confusables list (or the word it stands for) is
    used more or less often."""
    sensitive = set(spelling.confusables()) | set(spelling.confusables().values())
    for word in set(before) ^ set(after) | {w for w in after if after[w] != before[w]}:
        if word in sensitive:
            return True
        if any((before[word] >= n) != (after[word] >= n) for n in (MIN_USES, KNOWN_USES)):
            return True
    return False


#: Passes at most. A pass's corrections change the vocabulary the next pass counts; when that can
#: change a verdict, the stage runs again, until nothing changes. That makes it idempotent.
_MAX_PASSES = 3


def _check_card(card: Card, checker: Checker) -> tuple[str, str, list[Finding], list[Finding], bool]:
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
    confusable = any(p[3].confusable for plan in plans for p in plan[0])
    card_words = frozenset(letter_runs(card)) if confusable else frozenset[str]()
    for (side, text), (plan, _, _, _) in zip(sides, plans, strict=True):
        if foreign:
            # Mostly unknown words: another language, or a list of names. Correcting into English
            # would be wrong more often than right; only the maintainer's own fixes apply.
            plan = [p for p in plan if p[1].lower() in checker.fix]
        fixed, changes, doubts = _apply(text, plan, checker, card_words)
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
    # By card index, for the few cards with any.
    fixes: dict[int, list[Finding]] = {}
    suspects: dict[int, list[Finding]] = {}
    surveyed = survey(cards, context.summaries)
    # A file in another language is not spell-checked, and its words are not the course's English.
    vocabulary = surveyed.vocabulary
    notes: list[Finding] = []
    for file, counts in surveyed.counts.items():
        share, sample = surveyed.shares[file]
        if sample >= LANGUAGE_SAMPLE and share < MIN_ENGLISH_SHARE:
            message = (
                f"{file}: not spell-checked: only {share:.0%} of its words are English ones the "
                f"dictionary knows (at least {MIN_ENGLISH_SHARE:.0%} needed)"
            )
            notes.append(Finding(STAGE, "info", message, SourceRef(file, 0, 0)))
            vocabulary.subtract(counts)
    foreign = {note.where.file for note in notes if note.where}
    # A card copied into several sets counts once: a typo in three copies of one card is not a
    # word the course uses three times.
    first: set[bytes] = set()
    for i, card in enumerate(cards):
        if card.source.file not in foreign:
            key = surveyed.keys[i]
            if key in first:
                vocabulary.subtract(letter_runs(card))
            else:
                first.add(key)
    vocabulary = +vocabulary  # without the words of foreign files and of copies
    # The cards still to check. A settled card stays settled when the vocabulary is recounted: a word
    # that is fine stays fine (a word the collection uses is never corrected away), unless it is a
    # confusable. Without deck.toml fixes, a card without an unsure word is settled from the start.
    unsure = surveyed.unsure
    every = bool(config.typo_fix)
    pending = [i for i, card in enumerate(cards) if (every or unsure[i]) and card.source.file not in foreign]
    fine: set[str] = set()
    last: Checker | None = None
    rewritten: set[int] = set()
    for _ in range(_MAX_PASSES):
        checker = Checker(vocabulary, config.typo_fix, config.typo_keep, surveyed.neighbours)
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
                suspects.pop(i, None)
                continue
            if last is not None and i not in rewritten and changed.isdisjoint(unsure[i]):
                unsettled.append(i)  # the same findings as in the last pass
                continue
            card = current[i]
            front, back, card_fixes, doubts, settled = _check_card(card, checker)
            if doubts:
                suspects[i] = doubts
            else:
                suspects.pop(i, None)
            if card_fixes:
                made.extend(card_fixes)
                fixes.setdefault(i, []).extend(card_fixes)
                current[i] = card = replace(card, front=front, back=back)
                unsure[i] = surveyed.sorter.unsure_of(letter_runs(card))
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
        fine = checker.ok - set(spelling.confusables())
    findings: list[Finding] = notes
    for i in sorted(fixes.keys() | suspects.keys()):  # most cards: nothing found
        card = current[i]
        new = [f for f in (*fixes.get(i, ()), *suspects.get(i, ())) if f not in card.findings]
        if new:
            findings.extend(new)
            current[i] = replace(card, findings=(*card.findings, *new))
    return StageResult(tuple(current), tuple(findings))
