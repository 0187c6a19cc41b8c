"""The cloze stage: enumerations and fill-in-the-blank cards become cloze notes.

Rules, in the order they are tried on each Basic card (the first that applies wins):

0. **Declared note types stay** — a note whose note type the source itself declares (an Anki
   export: :data:`DECLARED_FORMATS`, or a card with its own GUID) keeps it: turning it into a cloze
   note would break every student's copy of it on the next import. So does a card whose source
   asks for its reversed card (flagged ``reverse``, as Obsidian's ``??`` is): a cloze has none.
1. **Explicit cloze** — a card that already holds ``{{c1::…}}`` (a Markdown or Anki cloze) is kept
   exactly as it is, hints included.
2. **Definitions stay Basic** — a question that asks for a definition ("What is X?", "Definition of
   X", "Define X", "Describe X", "Explain X") is never turned into a cloze.
3. **Completion** — a question that stops mid-sentence (ends with ``:`` or with a dangling word such
   as "a", "the", "of", and no terminal punctuation) and whose one-line answer completes it. The two
   are joined (a word repeated across the seam is kept once); inline numbered items "(1) …, (2) …"
   become one deletion each, else the whole completion is one deletion. There must be a sentence to
   complete: at least :attr:`ClozeRules.completion_min_words` words, and a capital one-letter last
   word is a name ("Vitamin A", a lone "A"), not the article. A question that ends on a blank
   (``is the ____``) is a blank, rule 4.
4. **Blank** — a question holding one blank whose short, one-line answer fills it; the answer
   replaces the blank, wherever it stands. A blank is two or more underscores (``___``), or empty
   brackets with a space inside (``( )``, ``[ ]``; not a Markdown task box ``- [ ]``). An ellipsis
   (``…``/``...``) is a blank only where nothing else can be meant by it: not in brackets
   (``[...]``, ``(…)``: an omission from a quotation), not inside quotation marks, not before a
   ``?`` ("… What is it?"), and at the end of the question only after a dangling word ("… is
   the …"). Anywhere else an ellipsis marks words left out — of a quotation whose source the answer
   names, or of a sentence trailing off — and the card stays Basic.
5. **Enumeration** — an answer that lists items (bullet lines, numbered or lettered lines, an inline
   "a. … b. … c. …" list) becomes one deletion per item, *when the question names the list*: it
   holds a count equal to the item count, or a list noun (:data:`LIST_NOUNS`: ways, types, steps,
   stages, evolution, challenges …) and at least two items. A count is a number (or number word)
   that counts a word right after it ("3 orientations", "Which 4 touchpoints", "two strategies")
   or follows a list verb or "which"/"what" (:data:`COUNT_ASKERS`: "name two", "Which 3 are …");
   any other number ("when a = 1 and b = 2", "takes two to tango") is not one. A yes/no question (:data:`YES_NO_OPENERS`:
   "Is …?", "Do 2 parallel lines ever meet?") asks for a verdict and never names a list, unless it
   is a request ("Can you name the 3 …?"). A comma list ("A, B, C and D") or unmarked short lines
   count only when the count matches. Every item must be short
   (:attr:`ClozeRules.item_max_words`); a list of explanations stays Basic.

Labels and bullets stay outside the deletions ("a. {{c1::Experiential response orientation}}").
Bullet lists copied from web pages often lose the bullet of their *last* line; one trailing
unmarked line right after two or more bullet items is taken as the last item when it is short (no
longer than :attr:`ClozeRules.item_max_words` and at most twice the longest item plus two words),
and gets the list's bullet. Anything else after the list goes to the Back Extra field.
How an answer is split into items, and how its deletions are written, lives in
:mod:`genanki_build.cloze_lists`; the rules above decide which cards it is used for.

Every conversion is reported as a ``cloze`` finding with the card's ``file:line`` and before/after.
The stage also marks term/definition cards (a short front with no question mark and no question
word) for a reversed card with the ``reverse`` flag when ``deck.toml`` asks for it
(``[options] reverse = true``). The stage is idempotent: cloze notes are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from genanki_build.cloze_lists import (
    BULLET,
    ITEM_MAX_WORDS,
    cloze_text,
    inline_numbered,
    item_pieces,
    item_texts,
    loose_list,
    split_list,
    words_of,
)
from genanki_build.formats import anki_package, anki_text
from genanki_build.model import CLOZE_OPEN, Card, Finding, Markup, NoteType, evolve
from genanki_build.stage import Context, StageResult

STAGE = "cloze"


def _wordlist(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Plural nouns that name a list in a question ("Which challenges …", "Evolution of …").
LIST_NOUNS: frozenset[str] = _wordlist(
    """
    ways types kinds steps stages phases levels layers elements components dimensions factors
    strategies challenges categories orientations principles characteristics features advantages
    disadvantages drivers pillars forms sources barriers pros cons parts aspects criteria methods
    approaches functions roles tasks goals objectives rules requirements examples evolution
    """
)

#: Words a sentence cannot end on: a question ending on one stops mid-sentence.
DANGLING_WORDS: frozenset[str] = _wordlist(
    """
    a an the and or of to in into on for with by from as at is are was were be that which its their
    his her our your than
    """
)

#: Words that open a yes/no question ("Is …?", "Do …?", "Can …?"): it asks for a verdict, so a
#: number in it ("Are the 2 kidneys identical?") never counts the items of its answer.
YES_NO_OPENERS: frozenset[str] = _wordlist(
    """
    is are was were am do does did can could will would shall should may might must has have had
    isn't aren't wasn't weren't don't doesn't didn't can't couldn't won't wouldn't shouldn't
    hasn't haven't hadn't
    """
)

#: Verbs that ask for a list: a yes/no opener followed by "you" and one is a request ("Can you
#: name the 3 …?").
LIST_VERBS: frozenset[str] = _wordlist(
    "name list give state identify describe recall enumerate mention outline"
)

#: Words after which a number is a count even with no counted word after it ("name two",
#: "list 3:", "Which 3 are essential?").
COUNT_ASKERS: frozenset[str] = LIST_VERBS | {"which", "what"}

#: Formats whose notes carry the note type Anki gave them: the stage leaves that note type alone.
DECLARED_FORMATS: frozenset[str] = frozenset({anki_text.NAME, anki_package.NAME})

#: Number words a question may name a list with.
NUMBER_WORDS: dict[str, int] = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

#: Questions that ask for a definition or an explanation; they stay Basic.
DEFINITION_CUES: re.Pattern[str] = re.compile(
    r"^\W*(?:what\s+is|what's|whats|what\s+does\s+.+\s+mean|define|definition|meaning\s+of|"
    r"describe|explain)\b",
    re.IGNORECASE,
)

#: Words that open a question or an instruction: such a front is not a bare term.
QUESTION_WORDS: frozenset[str] = _wordlist(
    """
    what why how which who whom whose when where does do did is are can could should would will
    describe explain define list name give compare discuss outline identify state
    """
)

# A number (not part of "2.5", "1,000" or "B12"), with the word right after it.
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<n>\d{1,2}|"
    + "|".join(NUMBER_WORDS)
    + r")(?![\w.,]\w|[^\W\d_])(?:(?:\s+|-)(?P<after>[^\W\d_][\w'’]*))?",
    re.IGNORECASE,
)
# The word right before a number, looked for in the few characters before it only: a pattern that
# tried every start for an optional word before each number took quadratic time on a long run of
# letters (a DNA sequence).
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’]*)\s+$")
_BEFORE_CHARS = 60
# Blanks and ellipses (see rule 4). An ellipsis in brackets is matched whole, as an omission mark.
_BLANK = re.compile(
    r"(?P<line>_{2,})|(?P<empty>\( +\)|\[ +\])|(?P<omission>[(\[]\s*(?:\.{3}|…)\s*[)\]])|\.{3}|…"
)
_TASK_BOX = re.compile(r"(?:^|\n)[ \t]*(?:[-*+][ \t]*)?$")
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|„[^“”\n]*[“”]|«[^»\n]*»")
# Where a sentence ends: a wrapped line goes on with it, a blank line does not.
_SENTENCE_END = re.compile(r"[.!?:;](?=\s)|\n\s*\n")
# Lettered option lines ("a. …", "b) …") on the question side: a multiple-choice card, whose
# answer picks among the options. Clozing its blank would hide the answer inside the options.
_OPTION_LINE = re.compile(r"^\s*\(?[a-eA-E][.)]\s*\S", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ClozeRules:
    """The cues the stage follows; the defaults are documented above."""

    list_nouns: frozenset[str] = LIST_NOUNS
    """Plural nouns that name a list."""
    item_max_words: int = ITEM_MAX_WORDS
    """An item longer than this is an explanation, not a list item: the card stays Basic."""
    blank_max_words: int = 12
    """The longest answer that fills a blank."""
    completion_max_words: int = 40
    """The longest answer that completes an unfinished question."""
    completion_min_words: int = 2
    """The shortest question that is a sentence to complete; a lone "A" or "Notes:" is a term."""
    term_max_words: int = 6
    """The longest front that counts as a bare term (for reversed cards)."""


DEFAULT_RULES = ClozeRules()


def _has_cloze(text: str) -> bool:
    return "{{c" in text and CLOZE_OPEN.search(text) is not None


def _numbers(question: str) -> set[int]:
    """The counts of two or more that ``question`` names: numbers that count the word after them
    or follow one of :data:`COUNT_ASKERS` (rule 5)."""
    found: set[int] = set()
    for m in _NUMBER.finditer(question):
        word = _WORD_BEFORE.search(question, max(0, m.start() - _BEFORE_CHARS), m.start())
        n, before, after = m.group("n").lower(), (word.group(1) if word else "").lower(), m.group("after")
        if (after and after.lower() not in DANGLING_WORDS) or before in COUNT_ASKERS:
            found.add(int(n) if n.isdigit() else NUMBER_WORDS[n])
    return {n for n in found if n >= 2}


def _asks_yes_no(question: str) -> bool:
    """True when the sentence ending on the question's last ``?`` opens with a yes/no opener and is
    not a request ("Can you list …")."""
    mark = question.rfind("?")
    if mark < 0:
        return False
    start = 0
    for end in _SENTENCE_END.finditer(question, 0, mark):
        start = end.end()
    words = [w.lower().replace("’", "'") for w in words_of(question[start:mark])[:3]]
    if not words or words[0] not in YES_NO_OPENERS:
        return False
    return not (words[1:2] == ["you"] and len(words) == 3 and words[2] in LIST_VERBS)


def _names_list(count: int, rules: ClozeRules, numbers: set[int], words: frozenset[str]) -> bool | None:
    """True when a question naming ``numbers`` (with lower-cased ``words``) names a list of
    ``count`` items; None when it names another count."""
    if numbers:
        return count in numbers or None
    return count >= 2 and not rules.list_nouns.isdisjoint(words)


def _enumeration(question: str, answer: str, rules: ClozeRules) -> tuple[str, str, str] | None:
    words = frozenset(w.lower() for w in words_of(question))
    numbers = _numbers(question)
    if not numbers and rules.list_nouns.isdisjoint(words):
        return None  # the question names no list (see _names_list): no need to look for one
    if _asks_yes_no(question):
        return None
    found = split_list(answer, rules.item_max_words)
    loose = found is None
    if found is None:
        found = loose_list(answer)
    if found is None:
        return None
    items = item_texts(found.pieces)
    names = _names_list(len(items), rules, numbers, words)
    if not names or (loose and not numbers):
        return None
    if any(not item.strip() or len(words_of(item)) > rules.item_max_words for item in items):
        return None
    if any("::" in item or "{{" in item or "}}" in item for item in items):
        return None
    # A bullet before the question itself (a list heading copied with its marker) would make the
    # question the list's first item once rendered: the question line goes without it.
    head = question.strip()
    bulleted = BULLET.match(head) if "\n" not in head else None
    head = bulleted.group("item") if bulleted else head
    text = "\n".join([head, *found.intro, cloze_text(found.pieces)])
    return text, "\n".join(found.outro), f"an enumeration of {len(items)} items{found.note}"


def _ends_mid_sentence(question: str, rules: ClozeRules = DEFAULT_RULES) -> bool:
    last = question.rstrip()
    if not last or last[-1] in ".?!)”\"'…":
        return False
    words = words_of(last)
    if len(words) < rules.completion_min_words or any(not words_of(last[b.end() :]) for b in _blanks(last)):
        return False  # no sentence to complete, or a blank at its end for the answer (rule 4)
    if last.endswith(":"):
        return True
    return words[-1].lower() in DANGLING_WORDS and not (len(words[-1]) == 1 and words[-1].isupper())


def _completion(question: str, answer: str, rules: ClozeRules) -> tuple[str, str, str] | None:
    if "\n" in answer.strip() or not _ends_mid_sentence(question, rules):
        return None
    answer = answer.strip()
    if len(words_of(answer)) > rules.completion_max_words or "{{" in answer or "::" in answer:
        return None
    head = question.rstrip()
    q_words, a_words = words_of(head), words_of(answer)
    if q_words and a_words and q_words[-1].lower() == a_words[0].lower() and head.endswith(q_words[-1]):
        # The word across the seam was copied on both sides ("…categories: a" + "a firm's …").
        head = head[: -len(q_words[-1])].rstrip()
    inline = inline_numbered(answer)
    pieces = inline if inline else item_pieces(answer)
    if any(len(words_of(item)) > rules.completion_max_words for item in item_texts(pieces)):
        return None
    text = f"{head} {cloze_text(pieces)}"
    what = f"a completion with {len(item_texts(pieces))} numbered items" if inline else "a completion"
    return text, "", what


def _blanks(question: str) -> list[re.Match[str]]:
    """The blanks in ``question`` an answer may fill (rule 4)."""
    if not any(mark in question for mark in ("__", "...", "…", "( ", "[ ")):
        return []  # none of what _BLANK looks for
    out: list[re.Match[str]] = []
    quoted: list[tuple[int, int]] | None = None
    for m in _BLANK.finditer(question):
        if m.group("line"):
            out.append(m)
        elif m.group("empty"):
            if not (m.group().startswith("[") and _TASK_BOX.search(question, 0, m.start())):
                out.append(m)
        elif not m.group("omission") and "?" not in question[m.end() :]:
            if quoted is None:
                quoted = [q.span() for q in _QUOTED.finditer(question)]
            if any(a < m.start() < b for a, b in quoted):
                continue  # left out of a quotation
            before = words_of(question[: m.start()])
            if words_of(question[m.end() :]) or (before and before[-1].lower() in DANGLING_WORDS):
                out.append(m)
    return out


def _blank(question: str, answer: str, rules: ClozeRules) -> tuple[str, str, str] | None:
    blanks = _blanks(question)
    answer = answer.strip()
    if len(blanks) != 1 or "\n" in answer or not answer:
        return None
    blank = blanks[0]
    if len(words_of(answer)) > rules.blank_max_words or "{{" in answer or "::" in answer:
        return None
    filler = answer.rstrip(".") if question[blank.end() :].strip() else answer
    text = f"{question[: blank.start()]}{{{{c1::{filler}}}}}{question[blank.end() :]}"
    return text.strip(), "", "a fill-in-the-blank"


def is_term(card: Card, rules: ClozeRules = DEFAULT_RULES) -> bool:
    """True for a term/definition card: a short front, no question mark, no question word."""
    front = card.front.strip()
    words = words_of(front)
    if card.note_type is not NoteType.BASIC or not card.back.strip() or not words:
        return False
    if "?" in front or "\n" in front or front.endswith(":") or CLOZE_OPEN.search(front):
        return False
    return len(words) <= rules.term_max_words and words[0].lower() not in QUESTION_WORDS


def cloze_for(card: Card, rules: ClozeRules = DEFAULT_RULES) -> tuple[str, str, str] | None:
    """(text, back extra, what it was) when the card should become a cloze note, else None."""
    if card.note_type is not NoteType.BASIC or card.markup is Markup.HTML:
        return None
    if card.guid_given or card.format in DECLARED_FORMATS or "reverse" in card.flags:
        return None  # rule 0: the source declares the note type, or asks for a reversed card
    question, answer = card.front.strip(), card.back.strip()
    if not question or not answer or _has_cloze(question) or _has_cloze(answer):
        return None
    if DEFINITION_CUES.search(question) or ("\n" in question and len(_OPTION_LINE.findall(question)) >= 2):
        return None
    completed = _completion(question, answer, rules) if _ends_mid_sentence(question, rules) else None
    return completed or _blank(question, answer, rules) or _enumeration(question, answer, rules)


def make_cloze(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Turn enumerations and fill-in-the-blank cards into cloze notes; flag term cards for reverse."""
    out: list[Card] = []
    findings: list[Finding] = []
    for card in cards:
        made = cloze_for(card)
        if made is None:
            if context.config.reverse and is_term(card) and "reverse" not in card.flags:
                card = evolve(card, flags=card.flags | {"reverse"})
            out.append(card)
            continue
        text, extra, what = made
        finding = Finding(
            STAGE,
            "cloze",
            f"made a cloze note from {what}",
            card.source,
            before=f"{card.front}\n{card.back}",
            after=text if not extra else f"{text}\n{extra}",
        )
        findings.append(finding)
        out.append(
            evolve(
                card,
                front=text,
                back=extra,
                note_type=NoteType.CLOZE,
                flags=card.flags - {"reverse"},
                findings=(*card.findings, finding),
            )
        )
    return StageResult(tuple(out), tuple(findings))
