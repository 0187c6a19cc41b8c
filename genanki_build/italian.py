"""Whether a word reads as Italian rather than English.

pyspellchecker ships word frequencies for Italian beside the English ones the spelling checks use
(:func:`genanki_build.spelling.dictionary`). A word reads Italian when it is at least
:data:`MARGIN` times as common, for its list's size, in the Italian list as in the English one:
"questa", "grande" and "lui" (no English word), but also "bella", "alto", "casa" and "una", which
the English list knows as rare loanwords. English words Italian borrowed ("computer", "film",
"video") are used in both about as often and do not.

The clean stage asks it, through :mod:`genanki_build.symbol_font`, about the words around a lone
"è" (Italian "is", or a Wingdings arrow).
"""

from __future__ import annotations

import gzip
import json
import pkgutil
from collections.abc import Mapping
from functools import lru_cache

from genanki_build import spelling

#: How many times more common, relatively, in Italian than in English a word must be to read Italian.
#: Low, since reading Italian only ever keeps text as it is: "mario" and "pasta" are four and a
#: half times as common in Italian (and read Italian), "film" under four times, "computer" and
#: "data" two (and do not).
MARGIN = 4


@lru_cache(maxsize=1)
def _italian() -> Mapping[str, int]:
    """pyspellchecker's Italian word frequencies, read as :func:`spelling.dictionary` reads the
    English ones."""
    raw = pkgutil.get_data("spellchecker", "resources/it.json.gz")
    if raw is not None:
        words: dict[str, int] = json.loads(gzip.decompress(raw))
        return words
    from spellchecker import SpellChecker

    return dict(SpellChecker(language="it", distance=1).word_frequency.dictionary)


@lru_cache(maxsize=1)
def _totals() -> tuple[int, int]:
    return sum(_italian().values()) or 1, sum(spelling.dictionary().values()) or 1


@lru_cache(maxsize=50_000)
def reads_italian(word: str) -> bool:
    """Whether ``word`` (lower-case) reads as Italian rather than English."""
    italian, english = _totals()
    return _italian().get(word, 0) * english > MARGIN * spelling.dictionary().get(word, 0) * italian
