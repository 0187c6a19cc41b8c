"""The cloze stage: enumerations and fill-in-the-blank cards become cloze notes.

Rules, in the order they are tried on each Basic card (the first that applies wins):

1. **Explicit cloze** — a card that already holds ``{{c1::…}}`` (a Markdown or Anki cloze) is kept
   exactly as it is, hints included.
2. **Definitions stay Basic** — a question that asks for a definition ("What is X?", "Definition of
   X", "Define X", "Describe X", "Explain X") is never turned into a cloze.
3. **Completion** — a question that stops mid-sentence (ends with ``:`` or with a dangling word such
   as "a", "the", "of", and no terminal punctuation) and whose one-line answer completes it. The two
   are joined (a word repeated across the seam is kept once); inline numbered items "(1) …, (2) …"
   become one deletion each, else the whole completion is one deletion.
4. **Blank** — a question holding one blank (``___``, or ``…``/``...`` with no ``?`` after it)
   whose short, one-line answer fills it.
5. **Enumeration** — an answer that lists items (bullet lines, numbered or lettered lines, an inline
   "a. … b. … c. …" list) becomes one deletion per item, *when the question names the list*: it
   holds a number equal to the item count ("3 orientations", "Which 4 …"), or a list noun
   (:data:`LIST_NOUNS`: ways, types, steps, stages, evolution, challenges …) and at least two items.
   A comma list ("A, B, C and D") or unmarked short lines count only when the number matches.
   Every item must be short (:attr:`ClozeRules.item_max_words`); a list of explanations stays Basic.

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
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,2})(?![\w.,]\w)")
_BLANK = re.compile(r"_{2,}|\.{3}|…")
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


def _numbers(question: str, words: frozenset[str]) -> set[int]:
    """The counts of two or more that ``question`` (whose lower-cased ``words`` these are) names."""
    found = {int(n) for n in _NUMBER.findall(question)}
    found.update(NUMBER_WORDS[w] for w in words & NUMBER_WORDS.keys())
    return {n for n in found if n >= 2}


def _names_list(count: int, rules: ClozeRules, numbers: set[int], words: frozenset[str]) -> bool | None:
    """True when a question naming ``numbers`` (with lower-cased ``words``) names a list of
    ``count`` items; None when it names another count."""
    if numbers:
        return count in numbers or None
    return count >= 2 and not rules.list_nouns.isdisjoint(words)


def _enumeration(question: str, answer: str, rules: ClozeRules) -> tuple[str, str, str] | None:
    words = frozenset(w.lower() for w in _words(question))
    numbers = _numbers(question, words)
    if not numbers and rules.list_nouns.isdisjoint(words):
        return None  # the question names no list (see _names_list): no need to look for one
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


def _ends_mid_sentence(question: str) -> bool:
    last = question.rstrip()
    if not last or last[-1] in ".?!)”\"'…":
        return False
    if last.endswith(":"):
        return True
    words = _words(last)
    return bool(words) and words[-1].lower() in DANGLING_WORDS


def _completion(question: str, answer: str, rules: ClozeRules) -> tuple[str, str, str] | None:
    if "\n" in answer.strip() or not _ends_mid_sentence(question):
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


def _blank(question: str, answer: str, rules: ClozeRules) -> tuple[str, str, str] | None:
    if "__" not in question and "..." not in question and "…" not in question:
        return None  # no blank: what _BLANK looks for
    blanks = list(_BLANK.finditer(question))
    answer = answer.strip()
    if len(blanks) != 1 or "\n" in answer or not answer:
        return None
    blank = blanks[0]
    if not blank.group().startswith("_") and "?" in question[blank.end() :]:
        return None
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
    question, answer = card.front.strip(), card.back.strip()
    if not question or not answer or _has_cloze(question) or _has_cloze(answer):
        return None
    if DEFINITION_CUES.search(question) or ("\n" in question and len(_OPTION_LINE.findall(question)) >= 2):
        return None
    completed = _completion(question, answer, rules) if _ends_mid_sentence(question) else None
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
