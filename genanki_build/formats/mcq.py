"""Multiple-choice blocks, as in Quizlet-style question dumps::

    Alfalfa can yield up to ____ tons per acre.      <- the question, one or more lines
    a. 2                                             <- options a. to e. (also ``a)``, ``(a)``,
    b. 4                                                and ``c.text`` without a space)
    c. 6
    c                                                <- the answer: ``c``, ``b, d``, ``Answer: c``

Blocks are usually separated by blank lines, but an answer line also ends a block. The front holds
the question and its options as a lettered list; the back holds the correct options' text
(``c. 6``), never a bare letter. A block whose answer is missing or names no option is reported
line by line and makes no card. A line right after an option (no blank line between) continues
that option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from genanki_build.formats._lines import numbered, skipped
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import Card, Finding, ParseResult, SourceRef

NAME = "mcq"
_SAMPLE_LINES = 2000
_LETTERS = "abcdefgh"
_OPTION = re.compile(r"^\s*\(?(?P<letter>[a-hA-H])\s?[.)]\s*(?P<text>\S.*)$")
#: An answer line: optional label, then letters separated by commas, spaces, "and", "&" or "/".
_ANSWER = re.compile(
    r"^\s*(?:(?:correct\s+)?(?:answers?|ans|key|solution)\s*[:.=-]?\s*)?"
    r"\(?(?P<letters>[a-h](?:\s*(?:,|&|/|\band\b|\s)\s*[a-h])*)\)?\s*[.)]?"
    r"(?:\s*[.:-]?\s+(?P<text>\S.*))?\s*$",
    re.IGNORECASE,
)


@dataclass
class _Block:
    question: list[tuple[int, str]] = field(default_factory=list)
    options: list[tuple[str, list[tuple[int, str]]]] = field(default_factory=list)
    answer: tuple[int, str] | None = None

    def lines(self) -> list[tuple[int, str]]:
        out = list(self.question)
        for _, opt_lines in self.options:
            out.extend(opt_lines)
        if self.answer is not None:
            out.append(self.answer)
        return out


def _option(line: str, expected: str) -> str | None:
    """The option's text when ``line`` is option ``expected`` (a letter), else None."""
    match = _OPTION.match(line)
    if match and match.group("letter").lower() == expected:
        return match.group("text").strip()
    return None


def _answer_letters(line: str, block: _Block) -> list[str] | None:
    """The letters an answer line names, when they are all options of ``block``."""
    match = _ANSWER.match(line)
    if not match:
        return None
    letters = [c.lower() for c in re.findall(r"\b[a-h]\b", match.group("letters"), re.IGNORECASE)]
    known = {letter for letter, _ in block.options}
    if not letters or not set(letters) <= known:
        return None
    # A bare option-like line "c. 6" could be an answer written with its text; accept it only
    # when the text matches the option's.
    text = (match.group("text") or "").strip()
    if text and len(letters) == 1:
        option_text = next(_option_text(ls) for ltr, ls in block.options if ltr == letters[0])
        if option_text.strip().lower() != text.lower():
            return None
    return list(dict.fromkeys(letters))


def _blocks(text: str) -> list[_Block]:
    """Every block in source order, answered or not; together they hold every non-blank line."""
    out: list[_Block] = []
    block = _Block()
    blank_since_option = False
    blank_in_question = False

    def close() -> None:
        nonlocal block
        if block.question or block.options:
            out.append(block)
        block = _Block()

    for lineno, line in numbered(text):
        if not line.strip():
            if block.options:
                blank_since_option = True
            elif block.question:
                blank_in_question = True
            continue
        if block.options:
            expected = _LETTERS[len(block.options)] if len(block.options) < len(_LETTERS) else ""
            letters = _answer_letters(line, block)
            opt = _option(line, expected) if expected and not blank_since_option else None
            if letters is not None and (opt is None or len(block.options) >= 2):
                block.answer = (lineno, line)
                close()
                blank_since_option = False
                continue
            if opt is not None:
                block.options.append((expected, [(lineno, line)]))
                continue
            if not blank_since_option:
                block.options[-1][1].append((lineno, line))
                continue
            close()
            blank_since_option = False
        first = _option(line, "a")
        if first is not None and block.question:
            block.options.append(("a", [(lineno, line)]))
            blank_in_question = False
            continue
        if blank_in_question:
            # Text, a blank line, more text and still no options: the first part stands alone.
            close()
            blank_in_question = False
        block.question.append((lineno, line))
    close()
    return out


def _option_text(lines: list[tuple[int, str]]) -> str:
    head = _OPTION.match(lines[0][1])
    first = head.group("text").strip() if head else lines[0][1].strip()
    return " ".join([first, *(ln.strip() for _, ln in lines[1:])])


def detect(text: str) -> float:
    """High when most non-blank lines (of the first :data:`_SAMPLE_LINES`) sit in answered blocks."""
    text = "\n".join(text.split("\n", _SAMPLE_LINES)[:_SAMPLE_LINES])
    total = sum(1 for _, ln in numbered(text) if ln.strip())
    if not total:
        return 0.0
    blocks = _blocks(text)
    good = [b for b in blocks if b.answer is not None and len(b.options) >= 2]
    if not good:
        return 0.0
    covered = sum(len(b.lines()) for b in good) / total
    if len(good) == 1:
        return round(0.6 * covered, 3)
    return round(0.95 * min(1.0, covered / 0.9), 3)


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """One card per answered block; unanswered blocks and stray lines reported."""
    cards: list[Card] = []
    findings: list[Finding] = []
    for item in _blocks(text):
        lines = item.lines()
        if item.answer is None or len(item.options) < 2 or not item.question:
            reason = (
                "multiple-choice block without an answer line naming one of its options"
                if len(item.options) >= 2 and item.question
                else "not a multiple-choice block (needs a question, options a., b., … and an answer)"
            )
            findings.extend(skipped(NAME, source, n, ln, reason) for n, ln in lines)
            continue
        letters = _answer_letters(item.answer[1], item) or []
        texts = {letter: _option_text(opt_lines) for letter, opt_lines in item.options}
        question = "\n".join(ln.strip() for _, ln in item.question)
        listed = "\n".join(f"{letter}. {texts[letter]}" for letter, _ in item.options)
        back = "\n".join(f"{letter}. {texts[letter]}" for letter in letters)
        cards.append(
            Card(
                front=f"{question}\n{listed}",
                back=back,
                source=SourceRef(source, lines[0][0], lines[-1][0]),
                format=NAME,
            )
        )
    return ParseResult(tuple(cards), tuple(findings))


FORMAT = Format(
    NAME,
    "Multiple-choice blocks: a question, options a.–e., and the answer letter(s).",
    detect,
    parse,
    ceiling=0.95,
)
