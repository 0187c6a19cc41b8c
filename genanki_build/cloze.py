"""The cloze stage: enumerations and fill-in-the-blank cards become cloze notes.

Rules, in the order they are tried on each Basic card (the first that applies wins):

0. **Declared note types stay** — a note whose note type the source itself declares (an Anki
   export: :data:`DECLARED_FORMATS`, or a card with its own GUID) keeps it: turning it into a cloze
   note would break every student's copy of it on the next import.
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

Every conversion is reported as a ``cloze`` finding with the card's ``file:line`` and before/after.
The stage also marks term/definition cards (a short front with no question mark and no question
word) for a reversed card with the ``reverse`` flag when ``deck.toml`` asks for it
(``[options] reverse = true``). The stage is idempotent: cloze notes are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from genanki_build.formats import anki_package, anki_text
from genanki_build.model import Card, Finding, Markup, NoteType, evolve
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

_CLOZE = re.compile(r"\{\{c\d+::")
_BULLET = re.compile(r"^(?P<label>[-*]\s+|[•·▪◦‣●]\s*)(?P<item>\S.*)$")
_NUMBERED = re.compile(r"^(?P<label>\(?(?P<n>\d{1,2})[.)]\s+)(?P<item>\S.*)$")
_LETTERED = re.compile(r"^(?P<label>\(?(?P<n>[a-zA-Z])[.)]\s+)(?P<item>\S.*)$")
_INLINE_LETTER = re.compile(r"(?:(?<=\s)|^)\(?(?P<n>[a-z])[.)]\s+")
_INLINE_NUMBER = re.compile(r"(?:(?<=\s)|^)\((?P<n>\d{1,2})\)\s*|(?:(?<=\s)|^)(?P<m>\d{1,2})[.)]\s+")
# A number (not part of "2.5", "1,000" or "B12"), with the word before it and the word right after it.
_NUMBER = re.compile(
    r"(?:(?P<before>[^\W\d_][\w'’]*)\s+)?(?<![\w.,])(?P<n>\d{1,2}|"
    + "|".join(NUMBER_WORDS)
    + r")(?![\w.,]\w|[^\W\d_])(?:(?:\s+|-)(?P<after>[^\W\d_][\w'’]*))?",
    re.IGNORECASE,
)
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
_ITEM_TAIL = re.compile(r"[\s,;.]*(?:\b(?:and|or)\s*)?$")
_COMMA_SPLIT = re.compile(r"\s*[,;]\s*(?:(?:and|or)\s+)?|\s+(?:and|or|&)\s+")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class ClozeRules:
    """The cues the stage follows; the defaults are documented above."""

    list_nouns: frozenset[str] = LIST_NOUNS
    """Plural nouns that name a list."""
    item_max_words: int = 12
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


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    item: bool = False


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _has_cloze(text: str) -> bool:
    return "{{c" in text and _CLOZE.search(text) is not None


def _item_piece(text: str) -> list[_Piece]:
    """An item with trailing separators and punctuation kept outside its deletion."""
    tail = _ITEM_TAIL.search(text)
    cut = tail.start() if tail else len(text)
    pieces = [_Piece(text[:cut], item=True)]
    if text[cut:]:
        pieces.append(_Piece(text[cut:]))
    return pieces


def _render(pieces: list[_Piece]) -> str:
    out: list[str] = []
    n = 0
    for piece in pieces:
        if piece.item:
            n += 1
            out.append(f"{{{{c{n}::{piece.text}}}}}")
        else:
            out.append(piece.text)
    return "".join(out)


def _items(pieces: list[_Piece]) -> list[str]:
    return [p.text for p in pieces if p.item]


def _sequential(labels: list[str], first: str) -> bool:
    """True when ``labels`` run first, first+1, … (a, b, c or 1, 2, 3)."""
    if not labels:
        return False
    if first.isdigit():
        return [int(x) for x in labels] == list(range(int(first), int(first) + len(labels)))
    start = ord(first.lower())
    return [ord(x.lower()) for x in labels] == list(range(start, start + len(labels)))


def _inline(line: str, pattern: re.Pattern[str], first: str) -> list[_Piece] | None:
    """Split one line at sequential inline labels ("a. X b. Y", "(1) X, (2) Y")."""
    matches = list(pattern.finditer(line))
    labels = [m.group("n") or m.groupdict().get("m") or "" for m in matches]
    if len(matches) < 2 or not _sequential(labels, first):
        return None
    pieces = [_Piece(line[: matches[0].end()])]
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        chunk = line[m.end() : end]
        if not chunk.strip():
            return None
        if i:
            pieces.append(_Piece(line[m.start() : m.end()]))
        pieces.extend(_item_piece(chunk))
    return pieces


def _inline_list(line: str) -> list[_Piece] | None:
    return _inline(line, _INLINE_LETTER, "a") or _inline(line, _INLINE_NUMBER, "1")


@dataclass(frozen=True, slots=True)
class _List:
    intro: list[str]
    pieces: list[_Piece]
    outro: list[str]
    marked: bool
    """True when the items carry bullets or labels (not a bare comma list or plain lines)."""
    note: str = ""


def _marked_run(lines: list[str]) -> tuple[int, int, str] | None:
    """The first run of two or more lines with the same kind of marker: (start, end, kind)."""
    kinds: list[str] = []
    for line in lines:
        if _BULLET.match(line):
            kinds.append("bullet")
        elif _NUMBERED.match(line):
            kinds.append("number")
        elif _LETTERED.match(line):
            kinds.append("letter")
        else:
            kinds.append("")
    i = 0
    while i < len(lines):
        kind = kinds[i]
        j = i
        while j < len(lines) and kinds[j] == kind:
            j += 1
        if kind and j - i >= 2:
            if kind == "bullet":
                return i, j, kind
            pattern = _NUMBERED if kind == "number" else _LETTERED
            labels = [m.group("n") for m in (pattern.match(ln) for ln in lines[i:j]) if m]
            if _sequential(labels, labels[0]) and labels[0] in {"1", "a", "A"}:
                return i, j, kind
        i = max(j, i + 1)
    return None


def split_list(answer: str, rules: ClozeRules = DEFAULT_RULES) -> _List | None:
    """The list an answer holds, with its labels kept apart from the items; None when it holds none."""
    lines = [ln.strip() for ln in answer.split("\n") if ln.strip()]
    run = _marked_run(lines)
    if run is None:
        inline = _inline_list(lines[0]) if len(lines) == 1 else None
        return _List([], inline, [], marked=True) if inline else None
    start, end, kind = run
    pattern = {"bullet": _BULLET, "number": _NUMBERED, "letter": _LETTERED}[kind]
    pieces: list[_Piece] = []
    label = ""
    for k, line in enumerate(lines[start:end]):
        m = pattern.match(line)
        assert m is not None
        label = m.group("label")
        if k:
            pieces.append(_Piece("\n"))
        pieces.append(_Piece(label))
        pieces.extend(_item_piece(m.group("item")))
    outro = lines[end:]
    note = ""
    if kind == "bullet" and len(outro) == 1:
        longest = max(len(_words(t)) for t in _items(pieces))
        size = len(_words(outro[0]))
        if size <= rules.item_max_words and size <= 2 * longest + 2:
            bullet = label if label.endswith(" ") else label + " "
            pieces += [_Piece("\n"), _Piece(bullet), *_item_piece(outro[0])]
            note = f"; its last line was taken as a list item and given the bullet {bullet.strip()!r}"
            outro = []
    return _List(lines[:start], pieces, outro, marked=True, note=note)


def _loose_list(answer: str) -> _List | None:
    """A comma list on one line, or short unmarked lines: trusted only when the count matches."""
    lines = [ln.strip() for ln in answer.split("\n") if ln.strip()]
    if len(lines) >= 2:
        pieces: list[_Piece] = []
        for k, line in enumerate(lines):
            if k:
                pieces.append(_Piece("\n"))
            pieces.extend(_item_piece(line))
        return _List([], pieces, [], marked=False)
    if len(lines) == 1:
        parts = _COMMA_SPLIT.split(lines[0])
        seps = _COMMA_SPLIT.findall(lines[0])
        if len(parts) < 2 or any(not p.strip() for p in parts):
            return None
        split: list[_Piece] = []
        for k, part in enumerate(parts):
            split.extend(_item_piece(part))
            if k < len(seps):
                split.append(_Piece(seps[k]))
        return _List([], split, [], marked=False)
    return None


def _numbers(question: str) -> set[int]:
    """The counts of two or more that ``question`` names: numbers that count the word after them
    or follow one of :data:`COUNT_ASKERS` (rule 5)."""
    found: set[int] = set()
    for m in _NUMBER.finditer(question):
        n, before, after = m.group("n").lower(), (m.group("before") or "").lower(), m.group("after")
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
    words = [w.lower().replace("’", "'") for w in _words(question[start:mark])[:3]]
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
    words = frozenset(w.lower() for w in _words(question))
    numbers = _numbers(question)
    if not numbers and rules.list_nouns.isdisjoint(words):
        return None  # the question names no list (see _names_list): no need to look for one
    if _asks_yes_no(question):
        return None
    found = split_list(answer, rules)
    loose = found is None
    if found is None:
        found = _loose_list(answer)
    if found is None:
        return None
    items = _items(found.pieces)
    names = _names_list(len(items), rules, numbers, words)
    if not names or (loose and not numbers):
        return None
    if any(not item.strip() or len(_words(item)) > rules.item_max_words for item in items):
        return None
    if any("::" in item or "{{" in item or "}}" in item for item in items):
        return None
    # A bullet before the question itself (a list heading copied with its marker) would make the
    # question the list's first item once rendered: the question line goes without it.
    head = question.strip()
    bulleted = _BULLET.match(head) if "\n" not in head else None
    head = bulleted.group("item") if bulleted else head
    text = "\n".join([head, *found.intro, _render(found.pieces)])
    return text, "\n".join(found.outro), f"an enumeration of {len(items)} items{found.note}"


def _ends_mid_sentence(question: str, rules: ClozeRules = DEFAULT_RULES) -> bool:
    last = question.rstrip()
    if not last or last[-1] in ".?!)”\"'…":
        return False
    words = _words(last)
    if len(words) < rules.completion_min_words or any(not _words(last[b.end() :]) for b in _blanks(last)):
        return False  # no sentence to complete, or a blank at its end for the answer (rule 4)
    if last.endswith(":"):
        return True
    return words[-1].lower() in DANGLING_WORDS and not (len(words[-1]) == 1 and words[-1].isupper())


def _completion(question: str, answer: str, rules: ClozeRules) -> tuple[str, str, str] | None:
    if "\n" in answer.strip() or not _ends_mid_sentence(question, rules):
        return None
    answer = answer.strip()
    if len(_words(answer)) > rules.completion_max_words or "{{" in answer or "::" in answer:
        return None
    head = question.rstrip()
    q_words, a_words = _words(head), _words(answer)
    if q_words and a_words and q_words[-1].lower() == a_words[0].lower() and head.endswith(q_words[-1]):
        # The word across the seam was copied on both sides ("…categories: a" + "a firm's …").
        head = head[: -len(q_words[-1])].rstrip()
    inline = _inline(answer, _INLINE_NUMBER, "1")
    pieces = inline if inline else _item_piece(answer)
    if any(len(_words(item)) > rules.completion_max_words for item in _items(pieces)):
        return None
    text = f"{head} {_render(pieces)}"
    what = f"a completion with {len(_items(pieces))} numbered items" if inline else "a completion"
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
            before = _words(question[: m.start()])
            if _words(question[m.end() :]) or (before and before[-1].lower() in DANGLING_WORDS):
                out.append(m)
    return out


def _blank(question: str, answer: str, rules: ClozeRules) -> tuple[str, str, str] | None:
    blanks = _blanks(question)
    answer = answer.strip()
    if len(blanks) != 1 or "\n" in answer or not answer:
        return None
    blank = blanks[0]
    if len(_words(answer)) > rules.blank_max_words or "{{" in answer or "::" in answer:
        return None
    filler = answer.rstrip(".") if question[blank.end() :].strip() else answer
    text = f"{question[: blank.start()]}{{{{c1::{filler}}}}}{question[blank.end() :]}"
    return text.strip(), "", "a fill-in-the-blank"


def is_term(card: Card, rules: ClozeRules = DEFAULT_RULES) -> bool:
    """True for a term/definition card: a short front, no question mark, no question word."""
    front = card.front.strip()
    words = _words(front)
    if card.note_type is not NoteType.BASIC or not card.back.strip() or not words:
        return False
    if "?" in front or "\n" in front or front.endswith(":") or _CLOZE.search(front):
        return False
    return len(words) <= rules.term_max_words and words[0].lower() not in QUESTION_WORDS


def cloze_for(card: Card, rules: ClozeRules = DEFAULT_RULES) -> tuple[str, str, str] | None:
    """(text, back extra, what it was) when the card should become a cloze note, else None."""
    if card.note_type is not NoteType.BASIC or card.markup is Markup.HTML:
        return None
    if card.guid_given or card.format in DECLARED_FORMATS:
        return None  # rule 0: the source declares the note type
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
