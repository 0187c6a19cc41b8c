"""The typo rules of dedupe: when two cards' words differ only by slips of the keyboard.

:func:`near` holds for two cards' keys (:class:`~genanki_build.dedupe_keys.Key`) with the same
numbers, each side within a few edits of the other relative to its length
(:data:`TYPO_CHARS_PER_EDIT`), and the words that differ paired up one to one as slips
(:func:`_slip`): both words at least :data:`MIN_SLIP_LENGTH` characters, and two neighbouring
letters swapped, a letter doubled or undoubled, a neighbouring key on a QWERTY keyboard
(:data:`KEYBOARD_ROWS`) typed instead or as well, or any letter dropped from a word of
:data:`MIN_DROP_LENGTH` characters or more; never between two words the dictionary knows.
:func:`near_length` is a cheap first test on lengths alone. The stage that uses them is
:mod:`genanki_build.dedupe`.
"""

from __future__ import annotations

from collections import Counter

from rapidfuzz.distance import OSA

from genanki_build.dedupe_keys import TOKEN, Key
from genanki_build.spelling import known_to_dictionary

#: One edit (insertion, deletion, substitution or swap of neighbours) allowed per this many characters.
TYPO_CHARS_PER_EDIT = 15
#: A word that differs between two cards is a typo only when both spellings have at least this many
#: characters: shorter words are too often another word one keystroke away (HbS/HbC, ion/ions).
MIN_SLIP_LENGTH = 5
#: Any one letter dropped from a word this long is a slip (acetylcholinesterase/acetylcholinesterse);
#: from a shorter word, only a doubled letter or a neighbouring key. (While :data:`MIN_SLIP_LENGTH`
#: is 5, every dropped letter between two slip-length words is from a word this long.)
MIN_DROP_LENGTH = 6
#: The rows of a QWERTY keyboard; a slip replaces a letter by a neighbouring key, or adds one next to
#: a key it neighbours. Each row sits half a key right of the one above.
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# Each key's place, in half keys: the row's offset plus two per key.
_KEY_AT = {key: (row + 2 * x, row) for row, keys in enumerate(KEYBOARD_ROWS) for x, key in enumerate(keys)}
_NEXT_KEYS = frozenset(
    (a, b)
    for a, (ax, ay) in _KEY_AT.items()
    for b, (bx, by) in _KEY_AT.items()
    if a != b and abs(ay - by) <= 1 and abs(ax - bx) <= 2
)


def near(a: Key, b: Key) -> bool:
    """Whether the cards keyed ``a`` and ``b`` differ only by typos: the same numbers, question and
    answer each within typo distance, in sorted or in written order, and the words that differ on
    each side paired up one to one as slips (:func:`_slip`). A number that differs is never a typo:
    "WW1"/"WW2", "pH 7"/"pH 8", "B1"/"B12" and "Henry VII"/"Henry VIII" are other cards, though one
    keystroke apart."""
    return (
        a.numbers == b.numbers
        and (_near_text(a.question, b.question) or _near_text(a.question_seq, b.question_seq))
        and (_near_text(a.answer, b.answer) or _near_text(a.answer_seq, b.answer_seq))
        and _slips(a.question_words, b.question_words)
        and _slips(a.answer_words, b.answer_words)
    )


def _near_text(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by no more edits than typos explain."""
    if a == b:
        return True
    allowed = min(len(a), len(b)) // TYPO_CHARS_PER_EDIT
    if not allowed or abs(len(a) - len(b)) > allowed:
        return False
    return OSA.distance(a, b, score_cutoff=allowed) <= allowed


def near_length(a: int, b: int) -> bool:
    """False when texts of lengths ``a`` and ``b`` cannot be near (:func:`_near_text`)."""
    return a == b or abs(a - b) <= min(a, b) // TYPO_CHARS_PER_EDIT


def _slips(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when the words only one of the bags ``a`` and ``b`` holds pair up one to one, each
    pair a slip (:func:`_slip`). The pairing is a bipartite matching (augmenting paths): a word may
    be one slip from several."""
    a_count, b_count = Counter(a), Counter(b)
    ours, theirs = sorted((a_count - b_count).elements()), sorted((b_count - a_count).elements())
    if len(ours) != len(theirs):
        return False
    slip = [[_slip(x, y) for y in theirs] for x in ours]
    partner: dict[int, int] = {}  # a word of theirs -> the word of ours it pairs with

    def pair(x: int, tried: set[int]) -> bool:
        for y in range(len(theirs)):
            if slip[x][y] and y not in tried:
                tried.add(y)
                if y not in partner or pair(partner[y], tried):
                    partner[y] = x
                    return True
        return False

    return all(pair(x, set()) for x in range(len(ours)))


def _slip(a: str, b: str) -> bool:
    """True when words ``a`` and ``b`` read as one word typed twice, once with a slip of the
    keyboard: both at least :data:`MIN_SLIP_LENGTH` characters, one edit apart as :func:`_one_slip`
    allows, and not both known to the dictionary (two real words are two wordings)."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) < MIN_SLIP_LENGTH or not (TOKEN.fullmatch(a) and TOKEN.fullmatch(b)):
        return False  # short, or a side written in symbols
    return _one_slip(a, b) and not (known_to_dictionary(a) and known_to_dictionary(b))


def _one_slip(short: str, long: str) -> bool:
    """True when ``long`` (no shorter than ``short``) is ``short`` with two neighbouring letters
    swapped, a letter replaced by a neighbouring key, or one letter added that doubles a neighbour
    or neighbours one on the keyboard; or ``long`` has :data:`MIN_DROP_LENGTH` characters and lost
    one of them, whichever, in ``short``."""
    i = next((i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    if len(short) == len(long):
        if short[i + 1 :] == long[i + 1 :]:
            return (short[i], long[i]) in _NEXT_KEYS
        return short[i] == long[i + 1] and short[i + 1] == long[i] and short[i + 2 :] == long[i + 2 :]
    if len(long) != len(short) + 1 or short[i:] != long[i + 1 :]:
        return False
    if len(long) >= MIN_DROP_LENGTH:
        return True
    # The added letter is long[i]; where it joins a run of its own letter, i is that run's end.
    added, beside = long[i], long[i - 1 : i] + long[i + 1 : i + 2]
    return any(added == c or (added, c) in _NEXT_KEYS for c in beside)
