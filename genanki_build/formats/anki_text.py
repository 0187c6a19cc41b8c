"""Anki's "Notes in Plain Text" export.

Two generations:

- Since Anki 2.1.55 the file opens with ``#key:value`` header lines: ``#separator:`` (``tab``,
  ``comma``, ``semicolon``, ``pipe``, ``space``, ``colon`` or a literal character), ``#html:``
  (``true``/``false``), ``#tags column:``, ``#deck column:``, ``#notetype column:``, ``#guid column:``
  (1-based), and ``#tags:``, ``#deck:``, ``#notetype:`` for the whole file; ``#columns:`` names the
  columns, and a column named Tags, Deck, Notetype or GUID is read as such.
- Older exports have no header: tab-separated, two or more columns, fields HTML-escaped
  (``&lt;``, ``<br />``); with three or more columns, a last column holding only tag lists is read
  as the tags.

Fields may be quoted and span lines, with ``""`` for a quote inside (read with :mod:`csv`).

- A GUID column becomes :attr:`Card.guid` with ``guid_given``, so a re-import updates the same
  notes. A GUID seen twice in one file is given to the first note only; the later ones get none
  (the ids stage assigns one) and a ``warning`` says so.
- A note whose notetype name contains "cloze", or whose first field holds ``{{cN::…}}``, stays a
  Cloze note: first field = text, second = extra. Hints (``{{c1::x::hint}}``) are kept as written.
- A note with an empty first field is skipped, and so is one with an empty back, unless it has a
  GUID: then it is a note of an Anki collection, kept as it is (with an ``info`` finding).
- Other notes: first field = front, second = back; further fields are appended to the back,
  except an "Add Reverse" switch (:data:`REVERSE_SWITCH`), which flags the card ``reverse``, as
  does a notetype named like Anki's "Basic (and reversed card)".
- The deck column (or ``#deck:``) becomes the card's title, its ``::`` path kept: the lectures stage
  makes each part a level of subdeck; the tags column gives the card's tags.
- Markup is HTML when ``#html:true``, or, in an old export, when fields hold entities or tags.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from genanki_build.formats._lines import skipped
from genanki_build.formats._rows import CsvError, Row, read_rows, tolerant_rows
from genanki_build.formats.base import Format, ParseOptions
from genanki_build.model import CLOZE_OPEN, Card, Finding, Markup, NoteType, ParseResult, SourceRef

NAME = "anki-text"

_HEADER = re.compile(r"^#(?P<key>[a-z][a-z ]*[a-z]):(?P<value>.*)$", re.IGNORECASE)
#: Header keys Anki writes or reads.
KNOWN_HEADERS = frozenset(
    {
        "separator",
        "html",
        "tags",
        "columns",
        "notetype",
        "deck",
        "notetype column",
        "deck column",
        "tags column",
        "guid column",
        "if matches",
    }
)
_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ", "colon": ":"}
#: What shows a field without a ``#html:`` header is HTML: an entity, a line break as Anki writes
#: it, a picture, or a formatting tag closed in the same field. A lone ``<div>`` or ``<script>x``
#: is text someone typed (an Anki export writes a typed ``<`` as ``&lt;``): read as HTML it would
#: vanish from the card.
_HTML_MARKS = re.compile(r"&(?:lt|gt|amp|nbsp|quot|#\d+);|<br\s*/?>|<img\b[^<>]*>", re.IGNORECASE)
_OPEN_TAG = re.compile(r"<(div|b|i|u|span|ul|ol|li|p)\b[^<>]*>", re.IGNORECASE)
_CLOSE_TAG = re.compile(r"</(div|b|i|u|span|ul|ol|li|p)\s*>", re.IGNORECASE)


def _shows_html(field: str) -> bool:
    """True when ``field`` holds HTML by the cues above: each pattern runs once over it (a tag
    searched for its own closing tag would make a field of many unclosed ones quadratic)."""
    if "<" not in field and "&" not in field:
        return False
    if _HTML_MARKS.search(field):
        return True
    opened = {m.lower() for m in _OPEN_TAG.findall(field)}
    return bool(opened) and not opened.isdisjoint(m.lower() for m in _CLOSE_TAG.findall(field))


_TAG_LIST = re.compile(r"^(?:[^\s<>&\"]+(?:\s+[^\s<>&\"]+)*)?$")
#: Values of a Basic note's third or later field that switch on its reversed card ("Add Reverse")
#: rather than hold text; such a field is not appended to the back, the card is flagged ``reverse``.
REVERSE_SWITCH: frozenset[str] = frozenset({"y", "yes", "x", "1", "true"})
#: A notetype name that always makes a reversed card, as Anki's "Basic (and reversed card)" does;
#: its "optional reversed" type makes one only when the switch is set. English names only, as for
#: "cloze": Anki's own names are translated.
_ALWAYS_REVERSED = re.compile(r"\band reversed\b", re.IGNORECASE)
_SAMPLE_LINES = 200


@dataclass
class _Headers:
    lines: int = 0
    values: dict[str, str] = field(default_factory=dict)

    def column(self, key: str) -> int | None:
        raw = self.values.get(f"{key} column", "").strip()
        return int(raw) - 1 if raw.isdigit() and int(raw) > 0 else None


def _headers(lines: Sequence[str]) -> _Headers:
    found = _Headers()
    for line in lines:
        match = _HEADER.match(line.strip())
        if not match or match.group("key").lower() not in KNOWN_HEADERS:
            break
        found.values[match.group("key").lower()] = match.group("value").strip()
        found.lines += 1
    return found


def _separator(raw: str) -> str:
    name = raw.strip().lower()
    if name in _SEPARATORS:
        return _SEPARATORS[name]
    return raw[:1] if raw else "\t"


def _legacy_rows(text: str) -> list[Row]:
    sample = "\n".join(text.split("\n")[:_SAMPLE_LINES])
    try:
        return read_rows(sample, "\t", strict=False)
    except csv.Error:
        return []


def _legacy_tags_column(rows: Sequence[Row]) -> int | None:
    """The last column of an old header-less export with three or more columns, when every value
    in it is a short tag list (``::`` allowed) and one tag recurs in many of them: Anki put the
    tags there when asked to include them."""
    widths = {len(r.fields) for r in rows}
    if len(widths) != 1 or (width := widths.pop()) < 3:
        return None
    values = [r.fields[-1].strip() for r in rows]
    filled = [v for v in values if v]
    if not filled or not all(_TAG_LIST.match(v) and len(v.split()) <= 4 for v in values):
        return None
    # Tags are shared between notes; words of a text column rarely are.
    top = Counter(t for v in filled for t in set(v.split())).most_common(1)[0][1]
    return width - 1 if top >= max(2, 0.3 * len(filled)) else None


def _named_column(names: Sequence[str], key: str) -> int | None:
    return names.index(key) if key in names else None


def detect(text: str) -> float:
    """Near-certain with Anki's headers; for an old export, consistent tab columns with HTML."""
    head = text.split("\n", 12)[:12]
    headers = _headers(head)
    if "separator" in headers.values or "html" in headers.values:
        return 0.99
    if headers.lines >= 1:
        return 0.8
    if "\t" not in text:
        return 0.0  # every row below would be one column: not notes
    rows = _legacy_rows(text)
    if len(rows) < 2:
        return 0.0
    widths = [len(r.fields) for r in rows]
    width = max(set(widths), key=widths.count)
    share = widths.count(width) / len(widths)
    if width < 2 or share < 0.9:
        return 0.0
    firsts = [r.fields[0].strip().lower() for r in rows]
    if len(set(firsts)) < 0.5 * len(firsts):
        return 0.0  # the same few labels (``Q:``/``A:``) in the first column: not notes
    html = sum(1 for r in rows if any(_shows_html(f) for f in r.fields))
    multiline = sum(1 for r in rows if r.last > r.first)
    if html >= max(1, len(rows) // 50):
        return round(0.85 * share, 3)
    if multiline:
        return round(0.8 * share, 3)
    return round(0.5 * share, 3)


def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    """One card per note row; header lines reported, duplicate GUIDs warned about."""
    lines = text.split("\n")
    headers = _headers(lines[:50])
    findings = [
        skipped(NAME, source, n + 1, lines[n], "Anki export header")
        for n in range(headers.lines)
        if lines[n].strip()
    ]
    sep = _separator(options.extra.get("separator", "") or headers.values.get("separator", "tab"))
    body = "\n".join(lines[headers.lines :])
    try:
        rows = read_rows(body, sep, first_line=headers.lines + 1)
    except CsvError:
        rows, alone = tolerant_rows(body, sep, first_line=headers.lines + 1)
        findings.extend(
            Finding(
                NAME,
                "warning",
                "broken quoting (a quote that does not close properly); read as this line alone "
                "— check its quotes",
                SourceRef(source, n, n),
                before=lines[n - 1],
            )
            for n in sorted(alone)
        )
    html_flag = headers.values.get("html", "").lower()
    if html_flag:
        markup = Markup.HTML if html_flag == "true" else Markup.TEXT
    else:
        has_html = any(_shows_html(f) for r in rows for f in r.fields)
        markup = Markup.HTML if has_html else Markup.TEXT
    # ``#columns:`` names the columns; a "Tags", "Deck", "Notetype" or "GUID" column counts as the
    # matching ``#… column:`` header when that header is absent.
    names = [n.strip().lower().replace(" ", "") for n in headers.values.get("columns", "").split(sep)]
    meta = {
        key: headers.column(key) if headers.column(key) is not None else _named_column(names, key)
        for key in ("guid", "notetype", "deck", "tags")
    }
    if headers.lines == 0 and meta["tags"] is None:
        meta["tags"] = _legacy_tags_column(rows)
    meta_cols = {c for c in meta.values() if c is not None}
    file_tags = tuple(headers.values.get("tags", "").split())
    file_deck = headers.values.get("deck", "")
    file_notetype = headers.values.get("notetype", "")
    seen_guids: dict[str, SourceRef] = {}
    cards: list[Card] = []
    for row in rows:
        where = SourceRef(source, row.first, row.last)

        def cell(col: int | None, fields: tuple[str, ...] = row.fields) -> str:
            return fields[col] if col is not None and col < len(fields) else ""

        fields = [f for i, f in enumerate(row.fields) if i not in meta_cols]
        while fields and not fields[-1].strip():
            fields.pop()
        front = fields[0].strip() if fields else ""
        rest = [f.strip() for f in fields[1:]]
        notetype = cell(meta["notetype"]) or file_notetype
        cloze = "cloze" in notetype.lower() or bool(CLOZE_OPEN.search(front))
        # A Basic note's third field may be the "Add Reverse" switch of Anki's optional-reversed
        # note type (and of this project's own export): a switch value is not text for the back.
        reverse = not cloze and (
            bool(_ALWAYS_REVERSED.search(notetype)) or any(f.lower() in REVERSE_SWITCH for f in rest[1:])
        )
        extras = [f for f in rest[1:] if f and not (not cloze and f.lower() in REVERSE_SWITCH)]
        joiner = "<br><br>" if markup is Markup.HTML else "\n\n"
        back = joiner.join(f for f in rest[:1] + extras if f)
        guid = cell(meta["guid"]).strip()
        if front and not back and not cloze and guid:
            # A note an Anki collection holds (it has a GUID) whose answer is empty: kept as it is,
            # so the export of a collection reads back whole; a row without one is a stray line.
            message = "note with an empty back, kept: it has a GUID, so it is a note of an Anki collection"
            findings.append(Finding(NAME, "info", message, where))
        elif not front or (not back and not cloze):
            reason = "note with an empty first field" if not front else "note with an empty back"
            findings.extend(
                skipped(NAME, source, n, lines[n - 1], reason)
                for n in range(row.first, row.last + 1)
                if n - 1 < len(lines) and lines[n - 1].strip()
            )
            continue
        given = bool(guid)
        if guid and guid in seen_guids:
            findings.append(
                Finding(
                    NAME,
                    "warning",
                    f"GUID {guid!r} already used by the note at {seen_guids[guid]}; this note gets a "
                    "new GUID, so re-importing it will add a note instead of updating one",
                    where,
                )
            )
            guid, given = "", False
        elif guid:
            seen_guids[guid] = where
        deck = cell(meta["deck"]).strip() or file_deck
        tags = {*file_tags, *cell(meta["tags"]).split()}
        cards.append(
            Card(
                front=front,
                back=back,
                source=where,
                format=NAME,
                note_type=NoteType.CLOZE if cloze else NoteType.BASIC,
                markup=markup,
                title="::".join(p.strip() for p in deck.split("::") if p.strip()),
                tags=tuple(sorted(tags)),
                guid=guid,
                guid_given=given,
                flags=frozenset({"reverse"}) if reverse else frozenset(),
            )
        )
    return ParseResult(tuple(cards), tuple(findings))


FORMAT = Format(
    NAME,
    "Anki 'Notes in Plain Text' export (with #separator/#html/#… column headers, or the older kind).",
    detect,
    parse,
    ceiling=0.99,
    settings=frozenset({"separator"}),
)
