"""The clean stage: repair the text of every card, and say what was repaired and why.

Rules, applied in this order to both fields of every card:

1. **ftfy** repairs mojibake and odd Unicode (``fix_and_explain``; its explanation goes into the
   finding). Curly quotes are kept and HTML entities are left alone: rendering escapes plain text, and
   unescaping here would make the stage non-idempotent (``&amp;lt;`` would shrink on every run).
   Full-width and half-width forms are kept (ftfy's ``fix_character_width`` off): "？" and "，" are
   the right punctuation in Chinese and Japanese, and "１" in a card about it is the point; unlike
   mojibake they show the right character, so narrowing them is a matter of taste, never a repair.
2. **Ligatures**: a Latin ligature (U+FB00–U+FB06) inside a word, as PDFs give ("ﬁrm"), is taken
   apart by ftfy's ``fix_latin_ligatures``; one standing alone ("the ﬁ ligature") is kept.
3. **Spaces** (plain text only): no-break and other odd spaces and tabs become spaces (a tab in a
   line's indentation four), zero-width characters go. The ideographic space U+3000, the space of
   CJK text, stays.
4. **Symbol fonts**: Word and PowerPoint keep Wingdings/Symbol characters in the private-use range
   U+F020–U+F0FF. :data:`genanki_build.symbol_font.SYMBOL_FONT` maps the common ones to real
   characters; any other private-use character is removed, and the finding names it.
5. **The Wingdings "è"**: Wingdings' heavy arrow, pasted without its font, reads "è", typically
   between two English phrases ("Price è Demand"). But "è" is also Italian for "is" ("lui è
   medico"), so a lone "è" between spaces becomes "→" only on evidence, and stays when in doubt
   (:mod:`genanki_build.symbol_font` weighs it): the nearest word on each side is English
   (:func:`genanki_build.spelling.known_to_dictionary` knows it and it does not read as Italian,
   :func:`genanki_build.italian.reads_italian`; or it is an acronym, next to a dictionary word),
   fewer than a quarter of the words of the field, and of the card's other field, read as Italian,
   and the field has no other accented letter. "è" inside a word ("café", "Abbè") is never touched.
6. **Typed arrows**: "–>" becomes "→" anywhere; "->" and "-->" only when spaced (``a -> b``), so
   ``ptr->next`` in code stays; "<->" stays.
7. **Bullets**: "•", "▪", "◦" at the start of a line become "- " (the render stage makes ``<ul>``
   from them). "·" does too, but only where it starts a list item: followed by a space, in a field
   of more than one line. "·CH3" and a one-line "· is the middle dot" keep theirs
   (:data:`MIDDLE_DOT`). In plain text, a bullet glued after a sentence ("… of CE’s.· Seamless")
   starts a new line.
8. **Glued list labels** (plain text only): "CE’sa. Experiential" becomes "CE’s a. Experiential".
   Only a label ``a``–``j`` glued to an apostrophe-s and followed by ". " and a capital letter counts;
   "e.g. Something", "i.e.", "U.S." and "etc." never match.
9. **Whitespace**: runs of spaces inside a line collapse, lines lose trailing spaces, at most one
   blank line in a row, and the field loses white space at its start and end. A line's indentation
   is kept (code, nested items): the render stage shows it.

Code is never touched: URLs and e-mail addresses in every markup, code spans and fences (and links'
targets) in Markdown, tags, comments and ``<pre>``/``<code>`` elements in HTML. HTML escaping is not
done here: the render stage escapes plain text.

The stage is idempotent: cleaning clean text changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

import ftfy
from ftfy.fixes import fix_latin_ligatures

from genanki_build.model import Card, Finding, Markup, evolve
from genanki_build.stage import Context, StageResult
from genanki_build.symbol_font import LONE_E, PRIVATE_USE, SYMBOL_FONT, is_arrow, may_hold_arrow

STAGE = "clean"

#: Characters that start a bullet line in exports; they become Markdown-style "- " items.
BULLETS = "·•▪◦"

_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_character_width=False,
    fix_latin_ligatures=False,  # only inside words: see _ligatures
    explain=True,
)
#: A Latin ligature with a letter before or after it: part of a word.
_LIGATURE_IN_WORD = re.compile(r"(?<=[^\W\d_])[\ufb00-\ufb06]|[\ufb00-\ufb06](?=[^\W\d_])")
_ODD_SPACE = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f]")
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")
_EN_DASH_ARROW = re.compile(r"(?<!<)(?<!&lt;)–(?:>|&gt;)")
_ASCII_ARROW = re.compile(r"(?:(?<=[ \t])|^)-{1,2}(?:>|&gt;)(?=[ \t]|$)", re.MULTILINE)
#: Of :data:`BULLETS`, the one that is also a character of its own: the middle dot writes a
#: radical ("·CH3"), a product ("kg·m") and Catalan's "l·l", and may be what a card is about. It
#: starts a list item only when a space follows it, in a field of more than one line (a list).
MIDDLE_DOT = "·"
_SURE_BULLETS = BULLETS.replace(MIDDLE_DOT, "")
#: A run of bullet markers at a line's start, by whether the field has more than one line.
_BULLET_LINE = {
    True: re.compile(rf"^([ \t]*)(?:[{_SURE_BULLETS}][ \t]*|{MIDDLE_DOT}[ \t]+)+(?=\S)", re.MULTILINE),
    False: re.compile(rf"^([ \t]*)(?:[{_SURE_BULLETS}][ \t]*)+(?=\S)", re.MULTILINE),
}
_GLUED_BULLET = {
    True: re.compile(rf"(?<=[.!?;:])[ \t]*[{BULLETS}][ \t]+(?=\S)"),
    False: re.compile(rf"(?<=[.!?;:])[ \t]*[{_SURE_BULLETS}][ \t]+(?=\S)"),
}
_GLUED_LABEL = re.compile(r"(?<=\w[’']s)([a-j])\.(?=[ \t]+[A-Z])")
_SPACE_RUN = re.compile(r"(?<=\S)[ \t]{2,}")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
#: A line's indentation holding a tab.
_TAB_INDENT = re.compile(r"^[ \t]*\t[ \t]*", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")

#: An HTML tag; quoted attribute values may hold ">".
_TAG = r"</?[A-Za-z][^<>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^<>\"']*)*>"
_URL = r"(?:https?|ftp)://[^\s<>\"']+|www\.[^\s<>\"']+|[\w.+-]+@[\w-]+\.[\w.-]+"
_PROTECTED: Mapping[Markup, re.Pattern[str]] = MappingProxyType(
    {
        Markup.TEXT: re.compile(rf"`[^`\n]+`|{_URL}"),
        Markup.MARKDOWN: re.compile(
            rf"^[ \t]*(```|~~~).*?(?:^[ \t]*\1[^\n]*$|\Z)|(`+)[^`].*?\2|\]\([^)]*\)|<[^<>\s]+>|{_URL}",
            re.MULTILINE | re.DOTALL,
        ),
        Markup.HTML: re.compile(
            rf"<!--.*?-->|<(pre|code|script|style)\b.*?</\1\s*>|{_TAG}|{_URL}",
            re.IGNORECASE | re.DOTALL,
        ),
    }
)

#: What a field that holds something :data:`_PROTECTED` matches contains: a cheap test.
_PROTECTED_CUES: Mapping[Markup, tuple[str, ...]] = MappingProxyType(
    {
        Markup.TEXT: ("`", "@", "://", "www."),
        Markup.MARKDOWN: ("`", "~", "@", "<", "://", "www.", "]("),
        Markup.HTML: ("<", "@", "://", "www."),
    }
)
_MAYBE_PROTECTED: Mapping[Markup, re.Pattern[str]] = MappingProxyType(
    {markup: re.compile("|".join(map(re.escape, cues))) for markup, cues in _PROTECTED_CUES.items()}
)

Rule = Callable[[str, Markup, str], tuple[str, str]]
"""A repair: ``(text, markup, rest) -> (new text, why)``; ``why`` is empty when nothing changed.
``rest`` is the rest of the card (its other field, cleaned): evidence for a rule that weighs the
language around a character, never text to change."""


def may_be_protected(text: str, markup: Markup) -> bool:
    """False when :func:`protected_spans` of ``text`` is surely empty. Its cues never span a line
    break, so one test of many fields joined by line breaks answers for each of them."""
    return any(cue in text for cue in _PROTECTED_CUES[markup])


def protected_spans(text: str, markup: Markup) -> list[tuple[int, int]]:
    """Where ``text`` holds code, URLs or tags that no repair may touch, as ``(start, end)`` pairs."""
    if not _MAYBE_PROTECTED[markup].search(text):
        return []  # the fast path: most fields hold no code at all
    return [m.span() for m in _PROTECTED[markup].finditer(text)]


def _sub_outside_code(
    pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str], text: str, markup: Markup
) -> str:
    """``pattern.sub`` that leaves matches starting inside code, URLs or tags unchanged."""
    spans = protected_spans(text, markup)

    def replace_one(match: re.Match[str]) -> str:
        start = match.start()
        if any(a <= start < b for a, b in spans):
            return match.group(0)
        return repl(match) if callable(repl) else match.expand(repl)

    return pattern.sub(replace_one, text)


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _ftfy(text: str, markup: Markup, rest: str) -> tuple[str, str]:
    if text.isascii() and not _ASCII_CONTROL.search(text):
        return text, ""  # nothing ftfy would change: it fixes non-ASCII text and control characters
    fixed = ftfy.fix_and_explain(text, config=_FTFY)
    if fixed.text == text:
        return text, ""
    steps = ", ".join(" ".join(step) for step in fixed.explanation or ())
    return fixed.text, f"ftfy repaired the text ({steps or 'normalized'})"


def _ligatures(text: str, markup: Markup, rest: str) -> tuple[str, str]:
    if not _LIGATURE_IN_WORD.search(text):
        return text, ""
    new = _sub_outside_code(_LIGATURE_IN_WORD, lambda m: fix_latin_ligatures(m.group(0)), text, markup)
    return new, "ligatures inside words taken apart (fix_latin_ligatures)" if new != text else ""


def _spaces(text: str, markup: Markup, rest: str) -> tuple[str, str]:
    if markup is not Markup.TEXT or (text.isascii() and "\t" not in text):
        return text, ""  # in ASCII, a tab is the only odd space there is
    # A tab that indents a line stands for several spaces (code is indented so), one inside it for one.
    new = _TAB_INDENT.sub(lambda m: m.group(0).expandtabs(4), text)
    new = _ZERO_WIDTH.sub("", _ODD_SPACE.sub(" ", new))
    return new, "no-break, odd-width and zero-width spaces made plain" if new != text else ""


def _symbol_font(text: str, markup: Markup, rest: str) -> tuple[str, str]:
    if not PRIVATE_USE.search(text):
        return text, ""
    mapped: dict[str, str] = {}
    removed: set[str] = set()

    def one(match: re.Match[str]) -> str:
        char = match.group(0)
        if char in SYMBOL_FONT:
            mapped[char] = SYMBOL_FONT[char]
            return SYMBOL_FONT[char]
        removed.add(char)
        return ""

    new = _sub_outside_code(PRIVATE_USE, one, text, markup)
    parts = [f"U+{ord(c):04X} → {r}" for c, r in sorted(mapped.items())]
    parts += [f"U+{ord(c):04X} removed (unknown)" for c in sorted(removed)]
    if new == text:
        return text, ""
    return new, "symbol-font characters from Word/PowerPoint: " + ", ".join(parts)


def _lone_e(text: str, markup: Markup, rest: str) -> tuple[str, str]:
    if not may_hold_arrow(text, rest):
        return text, ""

    def one(match: re.Match[str]) -> str:
        return "→" if is_arrow(match) else match.group(0)

    new = _sub_outside_code(LONE_E, one, text, markup)
    return new, "a lone Wingdings “è” between English words is an arrow" if new != text else ""


def _arrows(text: str, markup: Markup, rest: str) -> tuple[str, str]:
    if ">" not in text:
        return text, ""
    new = _sub_outside_code(_EN_DASH_ARROW, "→", text, markup)
    new = _sub_outside_code(_ASCII_ARROW, "→", new, markup)
    return new, "typed arrow made “→”" if new != text else ""


def _bullets(text: str, markup: Markup, rest: str) -> tuple[str, str]:
    if markup is Markup.HTML or not any(b in text for b in BULLETS):
        return text, ""
    new = text
    if markup is Markup.TEXT:
        new = _sub_outside_code(_GLUED_BULLET["\n" in new.strip()], "\n- ", new, markup)
    new = _sub_outside_code(_BULLET_LINE["\n" in new.strip()], r"\1- ", new, markup)
    return new, "bullet characters made “- ” list items" if new != text else ""


def _glued_labels(text: str, markup: Markup, rest: str) -> tuple[str, str]:
    if markup is not Markup.TEXT or not _GLUED_LABEL.search(text):
        return text, ""
    new = _sub_outside_code(_GLUED_LABEL, r" \1.", text, markup)
    return new, "list label glued to the word before it split off" if new != text else ""


_LONE_ITEM = re.compile(r"\A-[ \t]+(?=\S)")


def _lone_bullet(text: str, markup: Markup, rest: str) -> tuple[str, str]:
    # A one-line field that starts with "- " is a topic label, not a one-item list; rendered as a
    # list it would show a stray bullet on the card.
    if markup is not Markup.TEXT or "\n" in text.strip() or not _LONE_ITEM.match(text.strip()):
        return text, ""
    return _LONE_ITEM.sub("", text.strip()), "bullet before a one-line field dropped (a label, not a list)"


_WHITESPACE_WORK = re.compile(r"[ \t]{2,}|[ \t]$|\n[ \t]|\n\s*\n\s*\n|^\s|\s\Z", re.MULTILINE)


def _whitespace(text: str, markup: Markup, rest: str) -> tuple[str, str]:
    if not _WHITESPACE_WORK.search(text):
        return text, ""
    new = _sub_outside_code(_SPACE_RUN, " ", text, markup)
    new = _sub_outside_code(_TRAILING, "", new, markup)
    # Only the field's start loses its indentation: a later line's is the text's ("    return x").
    new = _sub_outside_code(_BLANK_LINES, "\n\n", new, markup).strip()
    if markup is Markup.MARKDOWN:
        new = new.strip("\n")
    return new, "whitespace normalized" if new != text else ""


#: The rules, in the order they run.
RULES: tuple[tuple[str, Rule], ...] = (
    ("ftfy", _ftfy),
    ("ligatures", _ligatures),
    ("spaces", _spaces),
    ("symbol-font", _symbol_font),
    ("wingdings-e", _lone_e),
    ("arrows", _arrows),
    ("bullets", _bullets),
    ("list-labels", _glued_labels),
    ("lone-bullet", _lone_bullet),
    ("whitespace", _whitespace),
)

#: Passes at most; a pass's output is cleaned again until nothing changes, so the stage is idempotent
#: even where one rule's output gives another rule something to do.
_MAX_PASSES = 4


#: Text no rule can change: printable ASCII on one line, no ``>`` (arrows) or ``'`` (glued labels),
#: no double space, and no leading or trailing white space or leading "-" (whitespace, lone
#: bullet). Every other rule needs a character outside printable ASCII. Most fields are like this,
#: so :func:`clean_text` answers them with one search instead of nine rules.
_MAY_CHANGE = re.compile(r"[^\x20-\x7e]|[>']|  |\A[\s-]|\s\Z")


def clean_text(
    text: str, markup: Markup = Markup.TEXT, rest: str = ""
) -> tuple[str, list[tuple[str, str, str]]]:
    """``text`` repaired, and the changes as ``(why, before, after)``, one per rule that fired.
    ``rest``, the rest of its card, is evidence only (see :data:`Rule`)."""
    if not _MAY_CHANGE.search(text):
        return text, []
    return apply_rules(text, markup, rest)


def apply_rules(text: str, markup: Markup, rest: str = "") -> tuple[str, list[tuple[str, str, str]]]:
    """:func:`clean_text` without its fast path: every rule, pass after pass."""
    changes: list[tuple[str, str, str]] = []
    for _ in range(_MAX_PASSES):
        start = text
        for _name, rule in RULES:
            new, why = rule(text, markup, rest)
            if new != text:
                changes.append((why, text, new))
                text = new
        if text == start:
            break
    return text, changes


def _evidence(card: Card) -> tuple[str, str]:
    """The rest of the card each field's rules may weigh: the other field, cleaned, so that what a
    rule sees does not change when the card is cleaned again (the stage stays idempotent). Only a
    field with an "è" needs it."""
    front = clean_text(card.back, card.markup)[0] if "è" in card.front else ""
    back = clean_text(card.front, card.markup)[0] if "è" in card.back else ""
    return front, back


def clean_cards(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Every card with both fields repaired; one ``fix`` finding per rule that changed a field.

    Never touches :attr:`Card.identity`, so a repair never changes a GUID.
    """
    out: list[Card] = []
    findings: list[Finding] = []
    for card in cards:
        front_rest, back_rest = _evidence(card)
        front, front_changes = clean_text(card.front, card.markup, front_rest)
        back, back_changes = clean_text(card.back, card.markup, back_rest)
        if not front_changes and not back_changes:
            out.append(card)
            continue
        new_findings = tuple(
            Finding(STAGE, "fix", f"{side}: {why}", card.source, before, after)
            for side, changes in (("front", front_changes), ("back", back_changes))
            for why, before, after in changes
        )
        findings.extend(new_findings)
        out.append(evolve(card, front=front, back=back, findings=card.findings + new_findings))
    return StageResult(tuple(out), tuple(findings))
