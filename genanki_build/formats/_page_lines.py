"""A line of a copied flashcard page, and the cues read off it (:class:`Line`): does it ask, open
with a connective or a pronoun, end open, carry a list marker, read "Key: value" … The word lists
below are the cues' vocabulary; :mod:`genanki_build.formats._segment` weighs the cues.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

#: First words that ask something when the line ends in "?".
INTERROGATIVES = frozenset({
    "what", "why", "how", "which", "who", "whom", "whose", "when", "where", "whereby", "is", "are",
    "was", "were", "do", "does", "did", "can", "could", "should", "would", "will", "has", "have",
    "had", "may", "might", "must", "shall",
})  # fmt: skip
#: First words that ask something without a question mark (instructions, and the wh-words).
INSTRUCTIONS = frozenset({
    "what", "why", "how", "which", "who", "whom", "whose", "when", "where", "describe", "explain",
    "define", "name", "list", "compare", "contrast", "give", "state", "identify", "outline",
    "discuss", "distinguish", "summarize", "summarise", "characterize", "characterise",
    "illustrate",
})  # fmt: skip
#: Phrases that open a prompt: "Definition of X", "Examples of Y", "Difference between A and B".
PROMPT_OPENINGS = re.compile(
    r"^(?:definitions?|examples?|meaning|purpose|types?|kinds?|differences?|role|function|"
    r"advantages?|disadvantages?|characteristics|features|benefits?)\s+(?:of|between)\b",
    re.IGNORECASE,
)
#: Openings that need a sentence before them.
CONNECTIVES = (
    "but", "thus", "hence", "however", "therefore", "instead", "moreover", "furthermore", "also",
    "and", "or", "so", "then", "consequently", "otherwise", "yet", "still", "besides", "finally",
    "additionally", "similarly", "likewise", "meanwhile", "nevertheless", "nonetheless",
    "in turn", "by contrast", "in contrast", "in addition", "as a result", "for example",
    "for instance", "e.g.", "i.e.", "that is", "in other words", "in short",
)  # fmt: skip
#: First words that refer to something said on the line before.
ANAPHORS = frozenset(
    {"it", "its", "they", "their", "them", "this", "these", "those", "such", "he", "she", "his", "her"}
)
#: Words that make a short question lean on the line above ("How do they decide?",
#: "What can be given instead?").
BACK_REFERENCES = ANAPHORS | {"instead"}
#: Last words that leave a sentence open.
OPEN_ENDINGS = frozenset({
    "a", "an", "the", "and", "or", "of", "to", "with", "for", "in", "on", "by", "from", "that",
    "which", "as", "at", "into", "than", "its", "their", "our", "your", "is", "are", "be",
    "between",
})  # fmt: skip
_OPEN_PUNCT = ("…", "...", ",", ":", ";", "-", "–", "—", "/", "(", "&", "+")
_ARROWS = ("➔", "→", "->", "–>", "—>", "=>", "⇒", "➜", "➞", "➝", "⟶")
_BULLET = re.compile(r"^([-–—•·▪◦*●○►])\s+")
_LETTERED = re.compile(r"^\(?([A-Za-z])[.)]\s+")
_NUMBERED = re.compile(r"^\(?(\d{1,2})[.)]\s+")
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
CLOSERS = "\"'”’)]»"
_KEY_VALUE = re.compile(r"([^:=]*)([:=])(.*)$")
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’)]?\s+[A-Z“\"(]")
_TERM_PREFIX = re.compile(
    r"^(?:(?:what|who)\s+(?:is|are|was|were)(?:\s+(?:an?|the))?|define|definitions?\s+of|"
    r"meaning\s+of|explain|describe)\s+",
    re.IGNORECASE,
)


def _norm(text: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(text))


#: Cues already read off a line's text, so :func:`detect` and :func:`parse` of one file (and
#: lines repeated across files) read them once. Cleared when it reaches :data:`_SEEN_MAX` entries.
_SEEN: dict[str, dict[str, object]] = {}
_SEEN_MAX = 1 << 16


class Line:
    """One content line and the cues read off it."""

    def __init__(self, number: int, raw: str) -> None:
        text = raw.strip()
        seen = _SEEN.get(text)
        if seen is not None:
            self.__dict__.update(seen)
            self.number = number
            return
        self._read(text)
        self.number = number
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[text] = dict(self.__dict__)

    def _read(self, text: str) -> None:
        self.text = text
        bullet = _BULLET.match(text)
        self.bullet = bullet.group(1) if bullet else ""
        lettered = _LETTERED.match(text)
        self.letter = lettered.group(1).lower() if lettered else ""
        numbered = _NUMBERED.match(text)
        self.number_item = int(numbered.group(1)) if numbered else 0
        marker = bullet or lettered or numbered
        self.body = text[marker.end() :] if marker else text
        raw_words = _WORD.findall(self.body)
        self.words = list(map(str.lower, raw_words))
        self.first = self.words[0] if self.words else ""
        tail = text.rstrip(CLOSERS)
        self.ends_q = tail.endswith("?")
        self.ends_arrow = tail.endswith(_ARROWS)
        self.starts_arrow = text.startswith(_ARROWS)
        # The body is the text after a marker and whitespace, so its last word is the text's.
        last_word = raw_words[-1:] or _WORD.findall(text)[-1:] or [""]
        self.ends_open = (
            tail.endswith(_OPEN_PUNCT) or self.ends_arrow or last_word[0] in OPEN_ENDINGS
        ) and not tail.endswith("?")
        self.ends_stop = tail.endswith((".", "!")) and not tail.endswith("...")
        body = self.body
        first_letter = body[0] if body[:1].isalpha() else next((c for c in body if c.isalpha()), "")
        self.lower = first_letter.islower()
        low = self.body.lower()
        self.connective = low.startswith(CONNECTIVES) and any(
            low.startswith(c) and (len(low) == len(c) or low[len(c)] in " ,") for c in CONNECTIVES
        )
        self.anaphor = self.first in ANAPHORS
        # In a list item an instruction word is the item's content ("1. Name the …"), not a prompt.
        self.opens = (
            (self.first in INSTRUCTIONS and (not marker or self.ends_q))
            or (self.first in INTERROGATIVES and self.ends_q)
            or bool(PROMPT_OPENINGS.match(self.body))
            or "__" in self.body
        )
        self.asks_about_antecedent = (
            self.ends_q and len(self.words) <= 8 and any(w in BACK_REFERENCES for w in self.words[1:])
        )
        self.sentences = 1 + len(_SENTENCE_BREAK.findall(text))
        # "Side effects: nausea and headache": a key and its value, which is how answers read.
        key = _KEY_VALUE.match(body) if ":" in body or "=" in body else None
        self.separator = key.group(2) if key and len(_WORD.findall(key.group(3))) >= 2 else ""
        self.key_value = bool(self.separator) and not self.ends_q

    @property
    def leans_back(self) -> bool:
        return self.connective or self.anaphor or self.asks_about_antecedent

    @property
    def is_label(self) -> bool:
        return len(self.words) <= 12 and not self.ends_stop and not self.lower and not self.key_value

    @property
    def term(self) -> str:
        """The term this line asks about, normalized; empty when there is no clear one."""
        # Asked for about once per line, so it is worked out each time (functools.cached_property
        # takes a lock on every first access, which costs more here than it saves).
        text = self.body
        if ":" in text.rstrip(": "):
            after = text.rsplit(":", 1)[1].strip()
            if after:
                text = after
        text = _TERM_PREFIX.sub("", text).rstrip(" ?.!")
        words = _WORD.findall(text)
        return " ".join(w.lower() for w in words) if 0 < len(words) <= 8 else ""  # _norm(text)

    def _heads(self) -> list[str]:
        """What of this line could repeat a term: the part before a colon, or the whole line."""
        candidates = []
        head, colon, _ = self.body.partition(":")
        if colon and len(head) <= 80:
            candidates.append(head)
        if len(self.words) <= 8:
            candidates.append(self.body)
        return candidates

    def repeats(self, term: str) -> bool:
        """Whether this line starts by repeating ``term`` ("Term: …", or only the term)."""
        return bool(term) and any(fuzz.ratio(term, _norm(c)) >= 85 for c in self._heads())

    def repeats_term_of(self, question: Line) -> bool:
        """``self.repeats(question.term)``; the term is not worked out when no part of this line
        could repeat one (a long line without a colon, as most answers are)."""
        heads = self._heads()
        if not heads:
            return False
        term = question.term
        return bool(term) and any(fuzz.ratio(term, _norm(c)) >= 85 for c in heads)
