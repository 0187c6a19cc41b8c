"""The words dedupe compares: a card's question and answer as normalized words, and the keys made of them.

:func:`tokens` reads a text's words: HTML tags, cloze markup, bullets, punctuation, case and
whitespace dropped ("_" is a space, NFKC applied), and the noise (:data:`_NOISE`) of a list label at
the start of a line or a possessive "'s" dropped unless nothing else is left; a text with no words
at all (only symbols) is its one word, as written. :func:`numbered_words` reads many texts at once,
the same words. :func:`card_key` is what matching compares of a card (:class:`Key`), numbers and
Roman numerals in capitals included; :func:`conflict_key` is the stricter question that conflict
detection compares. The rules that use them are in :mod:`genanki_build.dedupe`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import not_

from genanki_build.model import CLOZE_DELETION, Card, Markup, NoteType

_BREAK_TAGS = re.compile(r"<\s*(?:br|/?p|/?div|/?li|/?ul|/?ol|/?tr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
#: A word: a run of word characters.
TOKEN = re.compile(r"\w+")
#: A run of digits: a number in a card's words.
_NUMBER = re.compile(r"\d+")
# For ASCII text, TOKEN's words are the runs of letters and digits, lower-cased: every other byte
# becomes a space, and str.split finds the runs.
_ASCII_FOLD = bytes(
    b + 32 if 65 <= b <= 90 else b if 97 <= b <= 122 or 48 <= b <= 57 else 32 for b in range(256)
)
# A word of one of these among a folded ASCII text's words may be what noise (_NOISE) leaves.
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
#: What matching drops from a text: a possessive "'s", and a list label ("a.", "b)", "(c)") at the
#: start of a line, after any bullet. (The possessive comes first, its look-behind last: the search
#: then skips ahead to the next apostrophe or line, twice as fast.)
_NOISE = re.compile(
    r"['’][sS]\b(?<=\w['’][sS])|^[^\S\n]*(?:[-*+•·▪◦‣][^\S\n]*)?(?:\([^\W\d_]\)|[^\W\d_][.)])(?=\s|$)",
    re.MULTILINE,
)
#: A run of capitals that may be a Roman numeral; :data:`_ROMAN` says whether it is one. (The
#: pronoun "I" is one too: two copies both have it, and a card without it is another wording.)
_CAPITALS = re.compile(r"\b[IVXLCDM]+\b")
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")


@dataclass(frozen=True, slots=True)
class Key:
    """What matching compares of a card (:func:`card_key`)."""

    question: str
    """The question's words, sorted and joined."""
    answer: str
    """The answer's words, sorted and joined."""
    bag: str
    """Every word of the card, sorted and joined."""
    question_seq: str
    """The question's words in their order (a typo can move a word in the sorted form)."""
    answer_seq: str
    """The answer's words in their order."""
    numbers: str
    """The numbers in the card's words and its Roman numerals in capitals, sorted and joined."""
    question_words: tuple[str, ...]
    """The question's words, sorted (:attr:`question` as a tuple: a side written in symbols is one
    word, which may hold a space)."""
    answer_words: tuple[str, ...]
    """The answer's words, sorted."""


def plain_text(text: str, markup: Markup) -> str:
    if markup is Markup.HTML:
        text = html.unescape(_TAG.sub(" ", _BREAK_TAGS.sub("\n", text)))
    return text


def _found(text: str) -> list[str]:
    """The runs of word characters in ``text`` (NFKC already applied), case-folded, "_" a space."""
    if text.isascii():
        # The same words as TOKEN finds, by splitting the folded text (:func:`_split` does this for
        # many texts at once): casefold is lower for ASCII, and only 0-9 are digits.
        return text.encode().translate(_ASCII_FOLD).decode().split()
    return TOKEN.findall(text.casefold().replace("_", " "))


def _spoken(text: str) -> list[str]:
    """The words of ``text`` (NFKC already applied) without :data:`_NOISE`, unless that leaves none:
    the answer "A." is the word "a", not a label."""
    words = _found(text)
    # Noise leaves a single letter among the words; but case folding may lengthen one ("ß." is a
    # label, its folded "ss" is not one letter), so a text that is not ASCII is always looked at.
    if (1 in map(len, words) or not text.isascii()) and _marked(text):
        return _found(_NOISE.sub(" ", text)) or words
    return words


def _marked(text: str) -> bool:
    """Whether ``text`` holds a mark :data:`_NOISE` needs (noise also leaves a single letter among
    the words): a text without both is never searched. Four scans in C, quicker than one search."""
    return "'" in text or "." in text or ")" in text or "’" in text


def _written(text: str) -> list[str]:
    """A text without words (only symbols: "+", "→") as its one word: itself, spaces collapsed."""
    return [" ".join(text.split())] if text and not text.isspace() else []


def tokens(text: str) -> list[str]:
    """The words that matching compares: :func:`_spoken`, or a text of symbols as written."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _spoken(text) or _written(text)


def card_words(card: Card) -> tuple[list[str], list[str]]:
    """The question's and the answer's words, in written order."""
    front, back = card.front, card.back
    if card.markup is Markup.HTML:
        front, back = plain_text(front, Markup.HTML), plain_text(back, Markup.HTML)
    if card.note_type is NoteType.CLOZE:
        deleted = [m.group(1) for m in CLOZE_DELETION.finditer(front)]
        return tokens(CLOZE_DELETION.sub(" ", front)), tokens(" ".join([*deleted, back]))
    return tokens(front), tokens(back)


def roman_numerals(card: Card) -> list[str]:
    """The Roman numerals written in capitals on the card (II, IV, VII, XII): numbers, which case
    folding would hide among the words."""
    text = f"{plain_text(card.front, card.markup)}\n{plain_text(card.back, card.markup)}"
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # Ⅶ is VII
    return [run for run in _CAPITALS.findall(text) if _ROMAN.fullmatch(run)]


def key_of(question_words: list[str], answer_words: list[str], romans: list[str]) -> Key:
    question, answer = sorted(question_words), sorted(answer_words)
    return Key(
        " ".join(question),
        " ".join(answer),
        " ".join(sorted(question_words + answer_words)),
        " ".join(question_words),
        " ".join(answer_words),
        " ".join(sorted(_NUMBER.findall(" ".join(question_words + answer_words)) + romans)),
        tuple(question),
        tuple(answer),
    )


def card_key(card: Card) -> Key:
    """The normalized question, answer and whole-card word bag that matching compares."""
    return key_of(*card_words(card), roman_numerals(card))


def conflict_key(card: Card) -> str:
    """The question as conflict detection compares it: stricter than duplicate matching.

    Two cards only conflict when their questions are the same words in the same order, single
    letters included ("git checkout -b x" is not "git checkout x"). A question of one or two words
    is compared as written (line by line), case and symbols kept, because there the symbols are the
    question (":w file" and ":e file", "BEGIN" and "begin", "ctrl+R" and "ctrl+z").

    Equal conflict keys mean equal question words (:func:`card_words`): matching uses that as a cheap
    first test. So the words are the ones matching compares (:func:`_spoken`: no list label, no
    possessive "'s"), and a key written as is keeps its lines, where a label may start.
    """
    text = plain_text(card.front, card.markup)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    words = _spoken(text)
    if len(words) <= 2:
        return "\n".join(" ".join(line.split()) for line in text.split("\n") if line and not line.isspace())
    return " ".join(words)


def _split(texts: list[str]) -> list[list[str]]:
    """The runs of letters and digits in each of the ASCII ``texts``, lower-cased (:func:`_found`),
    each step one C call over the list."""
    return list(
        map(str.split, map(bytes.decode, map(bytes.translate, map(str.encode, texts), repeat(_ASCII_FOLD))))
    )


def numbered_words(texts: list[str], number: Callable[[str], int]) -> list[tuple[int, ...]]:
    """Each text's words (:func:`tokens`) as word numbers. ASCII texts are done all at once, each
    step one C call over the list (but for the texts left without words); the rest one by one."""
    ascii = list(map(str.isascii, texts))
    plain = list(compress(texts, ascii))
    words = _split(plain)
    # Noise (:func:`_spoken`) is searched for only in texts with a single letter among their words
    # and a mark it needs (:func:`_marked`); texts left without words are taken as written.
    single = list(compress(count(), map(not_, map(_LETTERS.isdisjoint, words))))
    noisy = list(compress(single, map(_marked, map(plain.__getitem__, single))))
    cleaned = _split(list(map(_NOISE.sub, repeat(" "), map(plain.__getitem__, noisy))))
    for i, found in zip(noisy, cleaned, strict=True):
        if found:  # else it was all label: the answer "A." is the word "a"
            words[i] = found
    for i in compress(count(), map(not_, words)):
        words[i] = _written(plain[i])
    numbered = map(tuple, map(map, repeat(number), words))
    if all(ascii):
        return list(numbered)
    return [next(numbered) if a else tuple(map(number, tokens(t))) for t, a in zip(texts, ascii, strict=True)]
