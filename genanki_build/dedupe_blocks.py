"""The blocking index of dedupe: which groups of cards are worth comparing for typos at all.

:func:`rare_pair_blocks` files each group's bag of words under every pair of its :data:`BLOCK_WORDS`
rarest words and returns the blocks that more than one group shares (skipping any over
:data:`MAX_BLOCK`); :func:`lengths` gives texts' lengths for a cheap first test. The stage that uses
them is :mod:`genanki_build.dedupe`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import accumulate, chain, combinations, compress, count, islice, repeat
from operator import eq, itemgetter

#: How many of a card's rarest words it is filed under for typo matching.
BLOCK_WORDS = 4
#: Blocks larger than this are too common a word to block on; they are not compared.
MAX_BLOCK = 300


def rare_pair_blocks(bags: list[tuple[int, ...]], words: list[str]) -> list[list[int]]:
    """Groups of indexes into ``bags`` (sorted word numbers: indexes into ``words``; a word may
    repeat) that share a pair of their rarest words.

    A typo makes a new, rarest word, so a copy with typos in up to ``BLOCK_WORDS - 2`` words still
    shares with the original the pair of its rarest words the typos left alone.
    """
    # How many bags hold each word: a bag is sorted, so a word it repeats follows its twin (where
    # one bag ends and the next begins, equal neighbours are two bags). Cheaper than a set a bag.
    flat = list(chain.from_iterable(bags))
    df = Counter(flat)
    ends = list(accumulate(map(len, bags)))
    starts = {0, *ends}
    repeats = [p for p in compress(count(1), map(eq, islice(flat, 1, None), flat)) if p not in starts]
    df.subtract(map(flat.__getitem__, repeats))
    # Every word's place in (document frequency, word) order, worked out once: rarest first. Words
    # under three letters count only when a card has no longer one: they are ranked after every
    # longer word, so a card's first ranks are its rarest long words when it has any. A block is
    # named by its words' ranks, which stand for the words one for one.
    short = len(words)
    top = 2 * short  # every rank is below
    # A rank r is written r * width + r * r: the same order, and the sum of two ranks' codes names
    # their pair (its quotient by width is a + b, its remainder a * a + b * b: the two ranks).
    width = 2 * top * top
    code = [r * width + r * r for r in range(top + 1)]
    rank = [0] * short
    for r, w in enumerate(sorted(range(short), key=lambda w: (df[w], words[w]))):
        rank[w] = code[r] if len(words[w]) >= 3 else code[short + r]
    # Each bag's rarest ranks and their pairs, for all bags at once (each step one C call over the
    # list); the few bags with short words, or only one, are seen to one by one. A bag with one
    # usable word is named by it alone (-1 - its code); the one empty bag has no block to share.
    rarests = list(map(itemgetter(slice(BLOCK_WORDS)), map(sorted, map(map, repeat(rank.__getitem__), bags))))
    for i in set(map(bisect_right, repeat(ends), repeats)):  # bags that repeat a word
        if len(set(rarests[i])) < len(rarests[i]):  # one of their rarest
            rarests[i] = sorted(set(map(rank.__getitem__, bags[i])))[:BLOCK_WORDS]
    long_words = code[short]  # codes of short words are at least this
    singles: list[int] = []
    for i, rarest in enumerate(rarests):
        if len(rarest) < 2 or rarest[-1] >= long_words:
            if rarest and rarest[0] < long_words <= rarest[-1]:
                rarest = rarests[i] = [r for r in rarest if r < long_words]
            if len(rarest) == 1:
                singles.append(i)
    pairs = [n * (n - 1) // 2 for n in range(BLOCK_WORDS + 1)]  # how many pairs n ranks make
    every = list(map(sum, chain.from_iterable(map(combinations, rarests, repeat(2)))))
    every += [-1 - rarests[i][0] for i in singles]
    owner = list(chain.from_iterable(map(repeat, count(), map(pairs.__getitem__, map(len, rarests)))))
    owner += singles
    sizes = Counter(every)
    useful = set(compress(sizes, map(range(2, MAX_BLOCK + 1).__contains__, sizes.values())))
    blocks: defaultdict[int, list[int]] = defaultdict(list)
    for name, i in compress(zip(every, owner, strict=True), map(useful.__contains__, every)):
        blocks[name].append(i)
    return list(blocks.values())


def lengths(texts: Iterable[tuple[int, ...]], spaced: list[int]) -> list[int]:
    """Each text's length as its words joined by spaces; a text is word numbers, and
    ``spaced[w]`` is the length of word ``w`` and a space."""
    return [max(n - 1, 0) for n in map(sum, map(map, repeat(spaced.__getitem__), texts))]
