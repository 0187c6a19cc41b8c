"""Plain ``Q:``/``A:`` blocks, as exam banks turned into cards are often written::

    Q:<TAB>What is the name of …?

    A:<TAB>Functional residual capacity

    Q:<TAB>When can this be heard?

    Multiple answers:
    <TAB>- The QT interval
    <TAB>- The T wave

The label is followed by a tab or spaces. The question runs to its ``A:`` (or ``Multiple
answers:``) line; the answer runs on over indented lines and list items, up to the next ``Q:``.
The text is plain, not Markdown: the render stage keeps its ``- `` lists as lists.
"""

from __future__ import annotations

import re

from genanki_build.formats import _markdown_common as md
from genanki_build.formats import _qa
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import Card, Markup, ParseResult

NAME = "qa-lines"
#: What every ``Q:`` line holds (the label, bold or not); fewer than two in a text, no cards.
_LABEL = re.compile(r"Q(?:\*\*|__)?:")


def detect(text: str) -> float:
    """High when ``Q:`` and answer lines make up most of the text and no Markdown structure shows."""
    if len(_LABEL.findall(text)) < 2:
        return 0.0  # fewer than two question lines, as counted below
    lines = [ln for ln in text.split("\n") if ln.strip()]
    questions = sum(1 for ln in lines if _qa.is_question_line(ln))
    answers = sum(1 for ln in lines if _qa.is_answer_line(ln))
    if questions < 2 or answers < questions * 0.8:
        return 0.0
    markdownish = sum(1 for ln in lines if md.heading(ln) or ln.startswith("```"))
    if markdownish or lines[0].strip() == "---":
        return 0.4
    labelled = questions + answers
    listed = sum(1 for ln in lines if md.is_list_item(ln) and ln[:1] in (" ", "\t"))
    share = (labelled + listed) / len(lines)
    return round(0.6 + 0.3 * share, 3)


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """One Basic card per ``Q:``; unlabelled lines and unanswered questions reported."""
    found = md.Collector(NAME, text, source, fences=False)
    lines = found.lines
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if _qa.is_question_line(line):
            qa = _qa.read_qa(lines, i, len(lines), found.mask)
            if qa.answer:
                where = found.where((qa.first, qa.last))
                found.cards.append(Card(qa.question, qa.answer, where, NAME, markup=Markup.TEXT))
            else:
                found.skip(range(qa.first, qa.last + 1), "question without an answer")
            i = qa.last + 1
            continue
        found.skip(
            [i], "answer without a question" if _qa.is_answer_line(line) else "not part of a Q:/A: card"
        )
        i += 1
    return found.result("")


# Question, answer and indented list lines are three kinds that no line is two of, so their share
# is at most 1 and the score at most 0.6 + 0.3.
FORMAT = Format(
    NAME, "Plain 'Q:' / 'A:' blocks (exam banks), with 'Multiple answers:' lists.", detect, parse, ceiling=0.9
)
