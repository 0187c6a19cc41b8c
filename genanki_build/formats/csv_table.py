"""CSV and TSV tables: Brainscape's CSV export and generic spreadsheets saved as CSV/TSV.

- The delimiter is sniffed among ``,``, ``;``, tab and ``|``: the one that gives the most rows
  with the same number (two or more) of columns wins. ``deck.toml`` may force it with
  ``separator = ","`` (names ``comma``, ``semicolon``, ``tab``, ``pipe`` work too).
- A header row is recognised by its column names (:data:`FRONT_NAMES`, :data:`BACK_NAMES`,
  :data:`TAG_NAMES`, :data:`DECK_NAMES`, case-insensitive) and picks the front and back columns;
  without a header the first two columns are front and back. A first row that merely looks like
  labels (short, over longer data) is kept as a card with an ``info`` finding, since vocabulary
  pairs look the same; ``header = "true"`` (or ``"false"``) in ``deck.toml`` decides for a file.
- Further columns are never silently lost. A column that is empty or only repeats another column
  in every row (Brainscape's ``Name``) is dropped, with one ``info`` finding per file saying so.
  Any other extra column is appended to the back, one line per column (``Name: value`` when the
  header names it), with one ``info`` finding per file.
- A Markdown-style pipe table (``| Question | Answer |`` over ``|---|---|``) loses its outer
  empty cells and its rule line.
- Strict parsing first (Python's :mod:`csv`, ``strict=True``). When quoting is broken (an
  unterminated quote, a stray quote), the broken record is read as its first physical line alone
  and strict parsing resumes on the next line, so one bad quote does not swallow the rest of the
  file; a ``warning`` names the file and each such line. A row with the wrong number of columns
  is used as well as it can be (extra cells joined into the last column) with a ``warning``.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from genanki_build.formats._lines import skipped
from genanki_build.formats._rows import CsvError, Row, read_rows, tolerant_rows
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import Card, Finding, ParseResult, SourceRef

NAME = "csv"

#: Delimiters tried when sniffing, in order of preference on ties.
DELIMITERS: tuple[str, ...] = (",", "\t", ";", "|")
_SPACES = re.compile(r"\s+")
#: Header names (lower-case) of the question column.
FRONT_NAMES: frozenset[str] = frozenset(
    {
        "question",
        "questions",
        "front",
        "term",
        "terms",
        "word",
        "prompt",
        "q",
        "side 1",
        "side a",
        "card front",
    }
)
#: Header names (lower-case) of the answer column.
BACK_NAMES: frozenset[str] = frozenset(
    {
        "answer",
        "answers",
        "back",
        "definition",
        "definitions",
        "meaning",
        "a",
        "response",
        "side 2",
        "side b",
        "card back",
        "translation",
    }
)
#: Header names (lower-case) of a column holding space-separated tags.
TAG_NAMES: frozenset[str] = frozenset({"tags", "tag"})
#: Header names (lower-case) of a column holding a deck or lesson name.
DECK_NAMES: frozenset[str] = frozenset({"deck", "subdeck", "lesson", "chapter", "section"})
_SEPARATOR_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}
_SAMPLE_LINES = 200
_RULE = re.compile(r"^\s*:?-{3,}:?\s*$")
_LABEL = re.compile(r"^[^\W\d_][\w ()/-]{0,24}$")


def separator_option(options: ParseOptions) -> str:
    """The ``separator`` forced in ``deck.toml``, translated from its name; empty when unset."""
    raw = options.extra.get("separator", "")
    return _SEPARATOR_NAMES.get(raw.strip().lower(), raw) if raw.strip() else raw


def _unbalanced(line: str) -> bool:
    """True when a physical line has an odd number of quote characters."""
    return line.count('"') % 2 == 1


def _unframe(rows: list[Row], delimiter: str) -> tuple[list[Row], list[Row]]:
    """A Markdown-style pipe table (``| a | b |``, ``|---|---|``) without its outer empty cells;
    returns (rows, rule rows)."""
    if delimiter != "|" or not rows:
        return rows, []
    if not all(len(r.fields) >= 3 and not r.fields[0].strip() and not r.fields[-1].strip() for r in rows):
        return rows, []
    inner = [Row(r.first, r.last, r.fields[1:-1]) for r in rows]
    rules = [r for r in inner if all(_RULE.match(f) for f in r.fields)]
    return [r for r in inner if r not in rules], rules


def _column_profile(text: str, delimiter: str) -> tuple[int, float, int]:
    """(modal column count, share of sampled rows having it, rows sampled), read the lenient way
    (a quote may run on) or as parse reads a table it cannot read strictly (a line whose quote
    never closes read alone, and not counted: parse warns about it), whichever fits better. So one
    broken line does not swallow the rest of a small table and pass it off as another format."""
    sample = "\n".join(text.split("\n")[:_SAMPLE_LINES])
    readings: list[list[Row]] = []
    try:
        readings.append(read_rows(sample, delimiter, strict=False))
        readings.append(read_rows(sample, delimiter))
    except CsvError:
        read, alone = tolerant_rows(sample, delimiter)
        readings.append([r for r in read if r.first not in alone] or read)
    except csv.Error:
        pass
    return max(
        (_profile(_unframe(rows, delimiter)[0]) for rows in readings), key=itemgetter(1), default=(0, 0.0, 0)
    )


def _profile(rows: list[Row]) -> tuple[int, float, int]:
    if len(rows) > 1 and header_kind(rows[0].fields) == "known":
        rows = rows[1:]  # a header may name more columns than the rows fill
    if not rows:
        return 0, 0.0, 0
    counts = Counter(len(r.fields) for r in rows)
    width, hits = counts.most_common(1)[0]
    return width, hits / len(rows), len(rows)


def sniff_delimiter(text: str) -> tuple[str, int, float]:
    """(delimiter, column count, consistency) of the best delimiter for ``text``."""
    best = (",", 0, 0.0)
    best_key = (-1.0, 0)
    for delimiter in DELIMITERS:
        if delimiter not in text:
            continue  # every row would be one column
        width, share, n = _column_profile(text, delimiter)
        if width < 2 or n < 1:
            continue
        key = (round(share, 2), -DELIMITERS.index(delimiter))
        if key > best_key:
            best, best_key = (delimiter, width, share), key
    return best


def _norm(cell: str) -> str:
    return _SPACES.sub(" ", cell.strip().strip("\ufeff")).lower()


def header_kind(fields: Sequence[str], rest: Sequence[Row] = ()) -> str:
    """``known`` when the cells are recognised column names; ``generic`` when they only look like
    names (short labels, distinct, no sentence punctuation) above clearly longer data; else ``""``."""
    cells = [_norm(c) for c in fields]
    known = FRONT_NAMES | BACK_NAMES | TAG_NAMES | DECK_NAMES
    if any(c in FRONT_NAMES for c in cells) and any(c in BACK_NAMES for c in cells):
        return "known"
    if sum(1 for c in cells if c in known) >= 2:
        return "known"
    if len(rest) < 2 or len(set(cells)) != len(cells) or not all(_LABEL.match(c) for c in cells):
        return ""
    # Labels are short: the data under one of the first two is at least twice as long on average,
    # and under the other clearly longer too.
    ratios = []
    for col in (0, 1):
        values = [len(r.fields[col].strip()) for r in rest if col < len(r.fields)]
        if not values or col >= len(cells):
            return ""
        ratios.append(sum(values) / len(values) / max(1, len(cells[col])))
    return "generic" if max(ratios) >= 2 and min(ratios) >= 1.2 else ""


def _labelled_lines(text: str, delimiter: str) -> bool:
    """True when the first column is mostly the same few labels (``Q:``/``A:`` lines, not a table)."""
    sample = "\n".join(text.split("\n")[:_SAMPLE_LINES])
    try:
        rows = _unframe(read_rows(sample, delimiter, strict=False), delimiter)[0]
        firsts = [_norm(r.fields[0]) for r in rows if r.fields]
    except csv.Error:
        return False
    return len(firsts) >= 4 and len(set(firsts)) < 0.5 * len(firsts)


def detect(text: str) -> float:
    """High for a table whose rows share two or more columns, higher still with a known header."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < 2:
        return 0.0
    delimiter, width, share = sniff_delimiter(text)
    if width < 2 or share < 0.8:
        return 0.0
    first_rows = _unframe(read_rows("\n".join(lines[:3]), delimiter, strict=False), delimiter)[0]
    first = first_rows[0].fields if first_rows else ()
    if _labelled_lines(text, delimiter):
        return 0.0
    if header_kind(first) == "known":
        return round(0.92 * share, 3)
    # Without a header, a tab table is more likely a Quizlet or Anki export (they score higher).
    return round((0.55 if delimiter == "\t" else 0.7) * share, 3)


@dataclass(frozen=True, slots=True)
class _Layout:
    front: int
    back: int
    tags: int | None
    deck: int | None
    names: tuple[str, ...]


def _layout(header: Sequence[str] | None, width: int) -> _Layout:
    if header is None:
        return _Layout(0, 1, None, None, ())
    cells = [_norm(c) for c in header]
    front = next((i for i, c in enumerate(cells) if c in FRONT_NAMES), 0)
    back = next((i for i, c in enumerate(cells) if c in BACK_NAMES and i != front), -1)
    if back < 0:
        back = next(i for i in range(max(width, 2)) if i != front)
    tags = next((i for i, c in enumerate(cells) if c in TAG_NAMES), None)
    deck = next((i for i, c in enumerate(cells) if c in DECK_NAMES), None)
    return _Layout(front, back, tags, deck, tuple(c.strip() for c in header))


def _cell(fields: Sequence[str], i: int | None) -> str:
    return fields[i].strip() if i is not None and i < len(fields) else ""


def _extras(rows: Sequence[Row], layout: _Layout, width: int) -> tuple[list[int], list[int]]:
    """(columns appended to the back, columns dropped as empty or redundant: in every row, empty or
    equal to another of the row's first ``width`` cells)."""
    used = {layout.front, layout.back, layout.tags, layout.deck}
    extra = [col for col in range(width) if col not in used]
    if not extra:
        return [], []
    # How often each value stands in each row: a value is another column's too when it stands twice.
    counts = [Counter(_cell(r.fields, col) for col in range(min(width, len(r.fields)))) for r in rows]
    keep: list[int] = []
    drop: list[int] = []
    for col in extra:
        redundant = all(
            not (v := _cell(r.fields, col)) or seen[v] > 1 for r, seen in zip(rows, counts, strict=True)
        )
        (drop if redundant else keep).append(col)
    return keep, drop


def _column_name(layout: _Layout, col: int) -> str:
    return layout.names[col] if col < len(layout.names) and layout.names[col] else f"column {col + 1}"


#: Excel's first line naming the delimiter (``sep=;``).
_EXCEL_SEP = re.compile(r"\ufeff?sep=([,;\t|])[ \t]*(?:\n|$)")


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """Cards from every data row; the header, broken and empty rows reported."""
    forced = separator_option(options)
    findings: list[Finding] = []
    lines = text.split("\n")
    excel = _EXCEL_SEP.match(text)
    if excel:
        # Excel's first line "sep=;" names the delimiter; it is no row. Blanked, so lines keep their numbers.
        findings.append(skipped(NAME, source, 1, lines[0], "Excel's separator line"))
        text = "\n" + text.split("\n", 1)[1] if "\n" in text else ""
    delimiter = forced or (excel.group(1) if excel else sniff_delimiter(text)[0])
    alone: set[int] = set()
    try:
        rows = read_rows(text, delimiter)
    except CsvError as exc:
        findings.append(
            Finding(
                NAME,
                "warning",
                f"strict CSV parsing failed ({exc}); the broken lines were read one at a time — "
                "check the quoting of the lines reported",
                SourceRef(source, exc.line, exc.line),
            )
        )
        rows, alone = tolerant_rows(text, delimiter)
    rows, rules = _unframe(rows, delimiter)
    findings.extend(skipped(NAME, source, r.first, lines[r.first - 1], "table rule") for r in rules)
    if not rows:
        return ParseResult((), tuple(findings))
    kind = header_kind(rows[0].fields, rows[1:])
    forced_header = options.extra.get("header", "").strip().lower()
    if forced_header in {"true", "yes", "1"}:
        kind = "forced"
    elif forced_header in {"false", "no", "0"}:
        kind = ""
    elif kind == "generic":
        # Label-like first rows are often data too ("Bonjour;Hello"): keep the row, say so.
        findings.append(
            Finding(
                NAME,
                "info",
                "the first row looks like column names but none is a known one; it was kept as a "
                'card — set header = "true" for this file in deck.toml if it is a header',
                SourceRef(source, rows[0].first, rows[0].last),
            )
        )
        kind = ""
    header: tuple[str, ...] | None = rows[0].fields if kind else None
    if header is not None:
        written = "\n".join(lines[rows[0].first - 1 : rows[0].last])
        findings.append(skipped(NAME, source, rows[0].first, written, "header row"))
        data = rows[1:]
    else:
        data = rows
    width = Counter(len(r.fields) for r in data).most_common(1)[0][0] if data else 2
    layout = _layout(header, width)
    if header is not None and len(header) > max((len(r.fields) for r in data), default=0):
        missing = ", ".join(layout.names[max((len(r.fields) for r in data), default=0) :])
        findings.append(
            Finding(
                NAME,
                "warning",
                f"the header names columns no row has ({missing}); rows used as they are",
                SourceRef(source, rows[0].first, rows[0].last),
            )
        )
    keep, drop = _extras(data, layout, width)
    extra_columns = (
        (drop, "column(s) {} ignored: empty or repeating another column in every row"),
        (keep, "extra column(s) {} appended to the back of each card"),
    )
    for columns, what in extra_columns:
        if columns:
            names = ", ".join(_column_name(layout, c) for c in columns)
            where = SourceRef(source, rows[0].first, rows[-1].last)
            findings.append(Finding(NAME, "info", what.format(names), where))
    cards: list[Card] = []
    for row in data:
        line = lines[row.first - 1] if row.first in alone else ""
        card, row_findings = _card(row, layout, keep, width, source, delimiter, line=line)
        findings.extend(row_findings)
        if card is not None:
            cards.append(card)
    return ParseResult(tuple(cards), tuple(findings))


def _card(
    row: Row, layout: _Layout, keep: Sequence[int], width: int, source: str, delimiter: str, *, line: str
) -> tuple[Card | None, list[Finding]]:
    """The card for one data row; ``line`` is the row's physical line when its quoting broke."""
    findings: list[Finding] = []
    fields = list(row.fields)
    where = SourceRef(source, row.first, row.last)
    raw = line or delimiter.join(fields)
    if line:
        findings.append(
            Finding(
                NAME,
                "warning",
                "broken quoting; read as this line alone"
                + (", the open quote running to its end" if _unbalanced(line) else ""),
                where,
                before=raw,
            )
        )
    if len(fields) != width:
        if len(fields) > width >= 2:
            # Unquoted delimiters inside the last column: keep them as text.
            fields = [*fields[: width - 1], delimiter.join(fields[width - 1 :])]
        findings.append(
            Finding(
                NAME,
                "warning",
                f"row has {len(row.fields)} column(s) where the table has {width}; "
                "read as well as possible — check its quoting",
                where,
                before=raw,
            )
        )
    front, back = _cell(fields, layout.front), _cell(fields, layout.back)
    extra = []
    for col in keep:
        value = _cell(fields, col)
        if value:
            extra.append(
                f"{layout.names[col]}: {value}" if col < len(layout.names) and layout.names[col] else value
            )
    back = "\n".join(p for p in (back, *extra) if p)
    if not front or not back:
        reason = "row without a question" if not front else "row without an answer"
        return None, findings + [
            skipped(NAME, source, n, raw, reason) for n in range(row.first, row.last + 1)
        ]
    tags = tuple(sorted({t for t in _cell(fields, layout.tags).replace(",", " ").split() if t}))
    deck = _cell(fields, layout.deck)
    title = deck.split("::")[-1].strip() if deck else ""
    card = Card(front=front, back=back, source=where, format=NAME, tags=tags, title=title)
    return card, findings


FORMAT = Format(
    NAME,
    "CSV/TSV tables (Brainscape CSV export, spreadsheets); header row detected.",
    detect,
    parse,
    ceiling=0.92,
    settings=frozenset({"separator", "header"}),
)
