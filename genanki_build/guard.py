"""The guard stage: rendered fields that Anki can always import and show.

Runs after render, on HTML. Anki reads cloze markup (``{{c1::…}}``) anywhere in a field's raw text,
including inside tag attributes, and a cloze note without one complete deletion has no cards.

- Cloze markup inside an HTML attribute (``<img alt="{{c1::x}}">``) would break the tag when Anki
  renders the deletion: its braces become character references (``&#123;``), which show the same
  but are not cloze markup. A warning says where.
- In a cloze note, an opening ``{{cN::`` without its closing ``}}`` is shown as text the same way,
  with a warning; well-formed (also nested) deletions are kept.
- A cloze note left with no complete deletion is flagged ``excluded`` with a warning, so the package
  never holds a note without cards.
- A note whose front shows nothing (no text, picture or sound once its tags are dropped: say, HTML
  whose only content the sanitizer removed) is flagged ``excluded`` with a warning: Anki would make
  no card of it, or a blank one.
"""

from __future__ import annotations

import re

from genanki_build.model import Card, Finding, NoteType, evolve
from genanki_build.stage import Context, StageResult

STAGE = "guard"

#: One HTML start tag with its attributes, quoted values may hold ``>``.
_TAG = re.compile(
    r"<[A-Za-z][A-Za-z0-9-]*(?:\s+[^\s\"'=<>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*\s*/?>"
)
#: Any tag but a picture; what is left once they are dropped is what a field shows.
_NOT_SHOWN = re.compile(r"<(?!img\b)[^<>]*>|&nbsp;|&#160;|\s", re.IGNORECASE)
_CLOZE_TOKEN = re.compile(r"\{\{c(?P<n>\d+)::|\}\}")
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})


def _protect_attributes(text: str) -> str:
    """Braces inside tag attributes made into character references."""

    def tag(match: re.Match[str]) -> str:
        value = match.group(0)
        return value.translate(_BRACES) if "{{" in value or "}}" in value else value

    return _TAG.sub(tag, text) if "<" in text else text


def balance_cloze(text: str) -> tuple[str, int, int]:
    """``text`` with unclosed cloze openers made literal; (text, openers escaped, complete deletions)."""
    stack: list[int] = []
    unmatched: list[int] = []
    complete = 0
    for match in _CLOZE_TOKEN.finditer(text):
        if match.group(0) == "}}":
            if stack:
                stack.pop()
                complete += 1
            continue
        if int(match.group("n")) < 1:
            unmatched.append(match.start())
        else:
            stack.append(match.start())
    unmatched.extend(stack)
    if not unmatched:
        return text, 0, complete
    out = text
    for start in sorted(unmatched, reverse=True):
        out = f"{out[:start]}&#123;&#123;{out[start + 2 :]}"
    return out, len(unmatched), complete


def _shows_nothing(field: str) -> bool:
    """True when ``field`` (HTML) shows no text and no picture."""
    if "<" not in field and "&" not in field:
        return field.isspace() or not field  # most fields: plain escaped text
    return not _NOT_SHOWN.sub("", field)


def _warn(card: Card, message: str, before: str, after: str) -> Finding:
    return Finding(STAGE, "warning", message, card.source, before=before, after=after)


def guard_cards(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Every field safe for Anki's cloze parser; cloze notes without a deletion left out."""
    out: list[Card] = []
    findings: list[Finding] = []
    for card in cards:
        new: list[Finding] = []
        front, back = _protect_attributes(card.front), _protect_attributes(card.back)
        if (front, back) != (card.front, card.back):
            new.append(
                _warn(
                    card,
                    "cloze markup inside an HTML attribute cannot work in Anki; kept as plain braces",
                    card.front + "\n" + card.back,
                    front + "\n" + back,
                )
            )
        flags = card.flags
        if card.note_type is NoteType.CLOZE:
            balanced, escaped, complete = balance_cloze(front)
            if escaped:
                new.append(
                    _warn(
                        card,
                        f"{escaped} cloze deletion(s) opened with {{{{cN:: but never closed with }}}}; "
                        "shown as text — add the closing }} where the deletion ends",
                        front,
                        balanced,
                    )
                )
                front = balanced
            if not complete and "excluded" not in flags:
                flags = flags | {"excluded"}
                new.append(
                    _warn(
                        card,
                        "cloze note without a complete {{c1::…}} deletion would have no cards; "
                        "left out of the package",
                        front,
                        "",
                    )
                )
        if _shows_nothing(front) and "excluded" not in flags:
            flags = flags | {"excluded"}
            message = "the front shows nothing in Anki (no text or picture once its HTML is read); left out"
            new.append(_warn(card, message + " — check the source's markup", front, ""))
        if not new:
            out.append(card)
            continue
        out.append(evolve(card, front=front, back=back, flags=flags, findings=card.findings + tuple(new)))
        findings.extend(new)
    return StageResult(tuple(out), tuple(findings))
