"""Symbol fonts: what the Wingdings and Symbol characters Word and PowerPoint leave in text pasted
without its font stand for (:data:`SYMBOL_FONT`), and when a lone "è" is Wingdings' heavy arrow
rather than Italian for "is" (:func:`may_hold_arrow`, then :func:`is_arrow` for each one).

The clean stage's rules 4 and 5 use them; :mod:`genanki_build.clean` says what those promise.
The "è" needs evidence, and stays when in doubt: the words around it must read as English (the
English dictionary, :func:`genanki_build.spelling.known_to_dictionary`, knows them and
:func:`genanki_build.italian.reads_italian` does not claim them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from genanki_build.italian import reads_italian
from genanki_build.spelling import known_to_dictionary

#: Private-use code points left by Word/PowerPoint symbol fonts (font code + U+F000), mapped to the
#: character the font draws. Where Wingdings and Symbol disagree, the more common reading in slides
#: and lecture notes wins: bullets and arrows.
SYMBOL_FONT: Mapping[str, str] = MappingProxyType(
    {
        # Wingdings bullets and marks
        "\uf06c": "•",  # Wingdings 0x6C black circle (Word's round bullet)
        "\uf06e": "■",  # Wingdings 0x6E black square
        "\uf06f": "□",  # Wingdings 0x6F white square
        "\uf071": "❑",  # Wingdings 0x71 shadowed square (Word bullet)
        "\uf075": "◆",  # Wingdings 0x75 black diamond
        "\uf076": "❖",  # Wingdings 0x76 diamond minus x (Word bullet)
        "\uf077": "◆",  # Wingdings 0x77 small black diamond
        "\uf09f": "•",  # Wingdings 0x9F bullet
        "\uf0a7": "▪",  # Wingdings 0xA7 small black square (Word bullet)
        "\uf0a8": "◻",  # Wingdings 0xA8 white square
        "\uf0d8": "➢",  # Wingdings 0xD8 arrowhead (Word bullet)
        "\uf0fb": "✗",  # Wingdings 0xFB ballot x
        "\uf0fc": "✓",  # Wingdings 0xFC check mark
        "\uf0fd": "☒",  # Wingdings 0xFD ballot box with x
        "\uf0fe": "☑",  # Wingdings 0xFE ballot box with check
        # Wingdings arrows
        "\uf0df": "←",  # Wingdings 0xDF
        "\uf0e0": "→",  # Wingdings 0xE0
        "\uf0e1": "↑",  # Wingdings 0xE1
        "\uf0e2": "↓",  # Wingdings 0xE2
        "\uf0e7": "←",  # Wingdings 0xE7 heavy
        "\uf0e8": "→",  # Wingdings 0xE8 heavy (the "è" arrow)
        "\uf0e9": "↑",  # Wingdings 0xE9 heavy
        "\uf0ea": "↓",  # Wingdings 0xEA heavy
        "\uf0ef": "⇦",  # Wingdings 0xEF white arrow
        "\uf0f0": "⇨",  # Wingdings 0xF0 white arrow
        "\uf0f1": "⇧",  # Wingdings 0xF1 white arrow
        "\uf0f2": "⇩",  # Wingdings 0xF2 white arrow
        # Symbol font
        "\uf0ab": "↔",  # Symbol 0xAB
        "\uf0ac": "←",  # Symbol 0xAC
        "\uf0ad": "↑",  # Symbol 0xAD
        "\uf0ae": "→",  # Symbol 0xAE
        "\uf0af": "↓",  # Symbol 0xAF
        "\uf0b7": "•",  # Symbol 0xB7 bullet (Word's default bullet)
        "\uf0b0": "°",  # Symbol 0xB0
        "\uf0b1": "±",  # Symbol 0xB1
        "\uf0b4": "×",  # Symbol 0xB4
        "\uf0b8": "÷",  # Symbol 0xB8
        "\uf0b9": "≠",  # Symbol 0xB9
        "\uf0bb": "≈",  # Symbol 0xBB
        "\uf0a3": "≤",  # Symbol 0xA3
        "\uf0b3": "≥",  # Symbol 0xB3
        "\uf0a5": "∞",  # Symbol 0xA5
        "\uf0db": "⇔",  # Symbol 0xDB
        "\uf0dc": "⇐",  # Symbol 0xDC
        "\uf0dd": "⇑",  # Symbol 0xDD
        "\uf0de": "⇒",  # Symbol 0xDE
    }
)

#: Where symbol fonts put their characters: the private-use range.
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
#: An "è" between spaces or tabs: Wingdings' arrow, or Italian "is".
LONE_E = re.compile(r"(?<=[ \t])è(?=[ \t])")
#: The word nearest before, and nearest after, a position on its line (a run of letters, whole).
#: How far either side of a lone "è" its neighbouring words are looked for.
_NEAR_CHARS = 80
_WORD_BEFORE = re.compile(r"(?<!\w)([^\W\d_]+)[^\w\n]*\Z")
_WORD_AFTER = re.compile(r"\A[^\w\n]*([^\W\d_]+)(?!\w)")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_ACRONYM = re.compile(r"[A-Z]{2,6}s?")


def _has_other_accents(text: str) -> bool:
    return any(
        ch != "è"
        and ord(ch) > 127
        and unicodedata.category(ch).startswith("L")
        and unicodedata.decomposition(ch) != ""
        for ch in text
    )


def _words(text: str) -> list[str]:
    """The words of ``text`` that can say which language it is in, lower-cased: letter runs of two
    letters or more, but not acronyms ("IL" for Illinois), and not the "è" in doubt."""
    return [w.lower() for w in _LETTER_RUN.findall(text) if len(w) > 1 and not w.isupper()]


def _reads_italian(text: str) -> bool:
    """Whether a quarter or more of the words of ``text`` read as Italian."""
    words = _words(text)
    return sum(map(reads_italian, words)) * 4 >= len(words) > 0


def _english_word(word: str) -> bool:
    lower = word.lower()
    return word.isascii() and known_to_dictionary(lower) and not reads_italian(lower)


def may_hold_arrow(text: str, rest: str) -> bool:
    """Whether a lone "è" in ``text`` may be an arrow: ``text`` has one and no other accented
    letter, and neither it nor ``rest`` (the rest of its card) reads as Italian."""
    if "è" not in text or _has_other_accents(text) or not LONE_E.search(text):
        return False
    return not (_reads_italian(text) or _reads_italian(rest))


def is_arrow(match: re.Match[str]) -> bool:
    """Whether the lone "è" at ``match`` is an arrow: the words either side of it on its line are
    English, each a dictionary word or an acronym, at least one a dictionary word."""
    text = match.string
    # Only the few characters either side are read: a word is never longer, and the pattern
    # anchored at the end of a whole long line would be tried from every start in it.
    start, end = match.start(), match.end()
    line_start = max(text.rfind("\n", 0, start) + 1, start - _NEAR_CHARS)
    line_end = text.find("\n", end, end + _NEAR_CHARS)
    before = _WORD_BEFORE.search(text[line_start:start])
    after = _WORD_AFTER.search(text[end : min(len(text), end + _NEAR_CHARS) if line_end < 0 else line_end])
    if before is None or after is None:
        return False
    words = (before.group(1), after.group(1))
    return any(map(_english_word, words)) and all(_english_word(w) or _ACRONYM.fullmatch(w) for w in words)
