"""Quizlet's own export (and the same text pasted into Quizlet's importer).

Each card is a term and a definition joined by a separator (tab, comma, or a custom string such as
``---``, ``/////``, ``*`` or `` - ``), cards joined by a newline, ``;`` or a custom string.

The separators are sniffed per file: every run of separator-like characters (:data:`SEPARATOR_CHARS`)
that occurs in the text is a candidate, as is tab and each candidate flanked by spaces. The pair
(card separator, term separator) that splits the most records into exactly two non-empty parts wins;
on near ties a newline card separator and then the longer term separator are preferred, so
``/////`` beats ``/`` in a file whose definitions contain single slashes. ``deck.toml`` may set
``separator`` and ``card_separator`` for a file (``tab``, ``newline``, ``comma``, ``semicolon`` or
the literal string) to skip sniffing.

Candidates in :data:`EXCLUDED_SEPARATORS` (and any containing ``::``) are never sniffed: they belong
to other formats (Obsidian's ``question::answer``, ``Q:``/``A:`` notes, fill-in blanks ``____``).

A term is always one line. With a newline card separator, a line without the term separator right
after a card continues that card's definition (Quizlet writes a definition's line breaks as they
are); elsewhere it is reported. A custom card separator of two or more characters (``$$``) may
enclose definitions that span lines. Spaces around the separators are trimmed.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from genanki_build.formats._lines import skipped
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import Card, Finding, ParseResult, SourceRef

NAME = "quizlet-export"

#: Characters a custom separator is made of (runs of them are candidates).
SEPARATOR_CHARS = "-/*|~=+,;>#$@\\–—→"
#: Candidates never sniffed (set them in ``deck.toml`` to use them anyway).
EXCLUDED_SEPARATORS: frozenset[str] = frozenset({":", "::", ":::", "_", "__", "___", "____", "."})
#: Term separators that are the CSV format's business unless nothing better fits.
CSV_LIKE = frozenset({",", ";", "|"})
_NAMED = {"tab": "\t", "\\t": "\t", "newline": "\n", "\\n": "\n", "comma": ",", "semicolon": ";"}
_RUN = re.compile("[" + re.escape(SEPARATOR_CHARS) + "]+")
_MAX_CANDIDATES = 12
_MAX_RUN = 10
_SAMPLE_CHARS = 32_768


@dataclass(frozen=True, slots=True)
class Sniffed:
    """The separators chosen for a text, and how well they fit."""

    card_sep: str
    """Between cards."""
    term_sep: str
    """Between term and definition."""
    fit: float
    """Share of records split into exactly two non-empty parts (half credit for more parts)."""
    records: int
    """Number of records."""


def _named(value: str) -> str:
    return _NAMED.get(value.strip().lower(), value) if value.strip() else value


def _term_candidates(text: str) -> list[str]:
    counts: Counter[str] = Counter()
    for match in _RUN.finditer(text):
        run = match.group()
        if len(run) <= _MAX_RUN and run not in EXCLUDED_SEPARATORS and "::" not in run:
            counts[run] += 1
    cands = [run for run, n in counts.most_common(_MAX_CANDIDATES) if n >= 2]
    spaced = [f" {run} " for run in cands if text.count(f" {run} ") >= 2]
    tab = ["\t"] if text.count("\t") >= 2 else []
    return tab + cands + spaced


def _records(text: str, card_sep: str) -> list[str]:
    return [r for r in text.split(card_sep) if r.strip()]


def _split(record: str, term_sep: str) -> tuple[str, str, float] | None:
    """Term, definition and how well ``term_sep`` splits ``record``: 1.0 when it occurs exactly
    once with text on both sides, 0.5 when it occurs again inside the definition."""
    parts = record.split(term_sep)
    if len(parts) < 2:
        return None
    term, definition = parts[0].strip(), term_sep.join(parts[1:]).strip()
    if not term or not definition or "\n" in term:
        return None  # a term is one line; only definitions may span several
    if len(parts) == 2:
        return term, definition, 1.0
    # Runs of the separator's own characters ("/" in "/////") leave empty parts: no credit.
    return (term, definition, 0.5) if all(p.strip() for p in parts) else None


#: A list item: a bullet or a number, a space, text.
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·▪◦]|\d{1,3}[.)])\s+\S")


def _without_lists(records: list[str], term_sep: str) -> list[str]:
    """``records`` (lines) but the list items that continue a definition: items without the
    separator right after a card (or after such items), which :func:`parse` adds to its back."""
    kept: list[str] = []
    in_card = False
    for record in records:
        if in_card and term_sep not in record and _LIST_ITEM.match(record):
            continue
        in_card = _split(record, term_sep) is not None
        kept.append(record)
    return kept


def _score_pair(text: str, card_sep: str, term_sep: str) -> Sniffed | None:
    records = _records(text, card_sep)
    if not records:
        return None
    if len(card_sep) < 2 and card_sep != "\n" and any("\n" in r.strip() for r in records):
        # A one-character card separator (``;``) must account for the line breaks too; a longer
        # custom one (``$$``) is how Quizlet users keep line breaks inside definitions.
        return None
    if card_sep == "\n":
        records = _without_lists(records, term_sep)
    good = [s for s in (_split(r, term_sep) for r in records) if s is not None]
    terms = [t for t, _, _ in good]
    if len(terms) >= 4 and len(set(terms)) < 0.5 * len(terms):
        return None  # the same few labels on every line (``Q:``/``A:``): not terms
    return Sniffed(card_sep, term_sep, sum(w for _, _, w in good) / len(records), len(records))


def _sample(text: str) -> str:
    """The start of ``text`` sniffing looks at: whole lines, at most :data:`_SAMPLE_CHARS`."""
    if len(text) <= _SAMPLE_CHARS:
        return text
    cut = text.rfind("\n", 0, _SAMPLE_CHARS)
    return text[: cut if cut > 0 else _SAMPLE_CHARS]


def sniff(text: str) -> Sniffed | None:
    """The best separators for ``text`` (judged on its start), or None when nothing splits."""
    text = _sample(text)
    terms = _term_candidates(text)
    card_seps = ["\n", *(c for c in terms if c != "\t" and not c.startswith(" ") and text.count(c) >= 2)]
    best: Sniffed | None = None
    best_key: tuple[float, int, int] = (-1.0, 0, 0)
    for card_sep in card_seps:
        for term_sep in terms:
            if term_sep == card_sep or term_sep.strip() == card_sep or card_sep in term_sep:
                continue
            found = _score_pair(text, card_sep, term_sep)
            if found is None or found.fit == 0:
                continue
            # Near ties (2 points) go to newline card separators, then longer term separators.
            key = (round(found.fit * 50) / 50, card_sep == "\n", len(term_sep.strip() or term_sep))
            if key > best_key:
                best, best_key = found, key
    return best


def detect(text: str) -> float:
    """High when one separator splits nearly every record into a term and a definition."""
    found = sniff(text)
    if found is None or found.records < 2:
        return 0.0
    ramp = max(0.0, (found.fit - 0.5) * 2)
    sep = found.term_sep.strip() or found.term_sep
    base = 0.75 if sep == "\t" else 0.6 if sep in CSV_LIKE else 0.9
    return round(base * ramp * min(1.0, found.records / 3), 3)


def _line_index(text: str) -> list[int]:
    """Offsets where each physical line starts."""
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _spans(text: str, card_sep: str) -> Iterable[tuple[int, int]]:
    """(start, end) offsets of each non-blank record, trimmed of surrounding whitespace."""
    pos = 0
    for piece in text.split(card_sep):
        start, end = pos, pos + len(piece)
        pos = end + len(card_sep)
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            yield start + lead, start + lead + len(stripped)


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """One card per record; lines that are no card are reported."""
    term_sep = _named(options.extra.get("separator", ""))
    card_sep = _named(options.extra.get("card_separator", ""))
    if not term_sep or not card_sep:
        found = sniff(text)
        term_sep = term_sep or (found.term_sep if found else "\t")
        card_sep = card_sep or (found.card_sep if found else "\n")
    starts = _line_index(text)
    lines = text.split("\n")

    def line_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset)

    cards: list[Card] = []
    findings: list[Finding] = []
    previous_end_line = -1
    for start, end in _spans(text, card_sep):
        record = text[start:end]
        first, last = line_of(start), line_of(max(start, end - 1))
        where = SourceRef(source, first, last)
        term, sep, definition = record.partition(term_sep)
        if sep and "\n" in term.strip():
            # A term is one line: lines above it in the same record belong to no card.
            head, _, term = term.rpartition("\n")
            above = first + head.count("\n")
            findings.extend(_skip_lines(lines, source, first, above, "no term/definition separator"))
            first = above + 1
            where = SourceRef(source, first, last)
        term, definition = term.strip(), definition.strip()
        if not sep:
            if card_sep == "\n" and cards and previous_end_line == first - 1:
                prev = cards[-1]
                cards[-1] = Card(
                    front=prev.front,
                    back=f"{prev.back}\n{record.strip()}",
                    source=SourceRef(source, prev.source.first, last),
                    format=NAME,
                )
                previous_end_line = last
                continue
            findings.extend(_skip_lines(lines, source, first, last, "no term/definition separator"))
            continue
        if not term or not definition:
            reason = "definition without a term" if not term else "term without a definition"
            findings.extend(_skip_lines(lines, source, first, last, reason))
            previous_end_line = -1
            continue
        if term_sep in definition:
            findings.append(
                Finding(
                    NAME,
                    "suspect",
                    f"the separator {term_sep.strip() or repr(term_sep)} occurs more than once; "
                    "split at the first — check the term and definition",
                    where,
                    before=record,
                )
            )
        cards.append(Card(front=term, back=definition, source=where, format=NAME))
        previous_end_line = last
    used = {n for c in cards for n in range(c.source.first, c.source.last + 1)}
    used |= {f.where.first for f in findings if f.where is not None and f.kind == "skipped"}
    findings.extend(
        skipped(NAME, source, n, line, "only separators, no term or definition")
        for n, line in enumerate(lines, start=1)
        if line.strip() and n not in used
    )
    return ParseResult(tuple(cards), tuple(findings))


def _skip_lines(lines: list[str], source: str, first: int, last: int, reason: str) -> list[Finding]:
    return [
        skipped(NAME, source, n, lines[n - 1], reason)
        for n in range(first, last + 1)
        if n - 1 < len(lines) and lines[n - 1].strip()
    ]


FORMAT = Format(
    NAME,
    "Quizlet export: term and definition joined by a tab or custom separator, one card per record.",
    detect,
    parse,
    ceiling=0.9,
    settings=frozenset({"separator", "card_separator"}),
)
