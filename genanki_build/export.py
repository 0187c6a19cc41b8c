"""Built cards as data for other tools: ``cards.jsonl``, and CSV, TSV, JSON lines or Markdown.

CSV and TSV carry Anki's own file headers (``#separator``, ``#html:true``, ``#guid column``,
``#notetype column``, ``#deck column``, ``#tags column``), so importing one with Anki's text importer
updates the notes a student already has from the package (same GUID, same note type) instead of
adding duplicates.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice

from genanki_build.ledger import plain_text
from genanki_build.model import CLOZE_DELETION, Card, NoteType
from genanki_build.notetypes import FIELDS

#: The formats :func:`export_cards` writes.
FORMATS = ("csv", "tsv", "jsonl", "md")


def card_record(card: Card) -> dict[str, object]:
    """One note as the ``cards.jsonl`` object: guid, note_type, deck, fields, tags, source, status.
    Its fields are the package's (:func:`note_fields`)."""
    names = FIELDS[card.note_type.value]
    return {
        "guid": card.guid,
        "note_type": card.note_type.value,
        "deck": card.deck,
        "fields": dict(zip(names, note_fields(card), strict=True)),
        "tags": list(card.tags),
        "source": {"file": card.source.file, "lines": [card.source.first, card.source.last]},
        "also_from": [{"file": s.file, "lines": [s.first, s.last]} for s in card.also_from],
        "status": card.status,
    }


def to_jsonl(cards: Iterable[Card]) -> str:
    """Every card as one JSON line, in order."""
    return "".join(iter_jsonl(cards))


def iter_jsonl(cards: Iterable[Card]) -> Iterator[str]:
    """:func:`to_jsonl` piece by piece (a thousand lines a piece), for writing a large collection
    without holding it whole."""
    lines = _jsonl_lines(cards)
    while piece := "".join(islice(lines, 1000)):
        yield piece


def _jsonl_lines(cards: Iterable[Card]) -> Iterator[str]:
    """Each card's line: exactly ``json.dumps(card_record(card), ensure_ascii=False,
    sort_keys=True)`` and a newline (a test compares them), written by hand: at 100,000 cards,
    building and sorting the dicts took most of ``cards.jsonl``'s time."""
    string = _string
    (b0, i0), (b1, i1), (b2, i2) = _sorted_fields(NoteType.BASIC)
    (c0, j0), (c1, j1) = _sorted_fields(NoteType.CLOZE)
    basic, cloze = string(NoteType.BASIC.value), string(NoteType.CLOZE.value)
    # Neighbouring cards share a deck, a file and tags: each is encoded once per run.
    deck = file = ""
    tags: tuple[str, ...] = ()
    deck_json = file_json = string("")
    tags_json = ""
    for card in cards:
        if card.deck != deck:
            deck, deck_json = card.deck, string(card.deck)
        src = card.source
        if src.file != file:
            file, file_json = src.file, string(src.file)
        if card.tags != tags:
            tags, tags_json = card.tags, ", ".join(map(string, card.tags))
        if card.note_type is NoteType.CLOZE:
            v: tuple[str, ...] = (card.front, card.back)
            kind, fields = cloze, f"{c0}{string(v[j0])}, {c1}{string(v[j1])}"
        else:
            v = (card.front, card.back, "y" if "reverse" in card.flags else "")
            kind, fields = basic, f"{b0}{string(v[i0])}, {b1}{string(v[i1])}, {b2}{string(v[i2])}"
        also = (
            ", ".join(f'{{"file": {string(s.file)}, "lines": [{s.first}, {s.last}]}}' for s in card.also_from)
            if card.also_from
            else ""
        )
        # A card without flags is "ok" (most are).
        status = string(card.status) if card.flags else '"ok"'
        yield (
            f'{{"also_from": [{also}], "deck": {deck_json}, "fields": {{{fields}}}, '
            f'"guid": {string(card.guid)}, "note_type": {kind}, '
            f'"source": {{"file": {file_json}, "lines": [{src.first}, {src.last}]}}, '
            f'"status": {status}, "tags": [{tags_json}]}}\n'
        )


#: What ``json.dumps(..., ensure_ascii=False)`` writes for a string, quotes included.
_string = json.encoder.encode_basestring


def _sorted_fields(note_type: NoteType) -> list[tuple[str, int]]:
    """A note type's field names as JSON keys (``"Back": ``), sorted as ``sort_keys`` sorts them,
    each with its value's place in :func:`note_fields`' list."""
    names = FIELDS[note_type.value]
    return [(f"{_string(name)}: ", i) for name, i in sorted((name, i) for i, name in enumerate(names))]


def note_fields(card: Card) -> list[str]:
    """The note's field values as the package writes them."""
    if card.note_type is NoteType.CLOZE:
        return [card.front, card.back]
    return [card.front, card.back, "y" if "reverse" in card.flags else ""]


def to_table(cards: Iterable[Card], note_type_names: Mapping[str, str], *, tab: bool = False) -> str:
    """CSV (or TSV) with Anki's headers: guid, note type, deck, tags, then the fields.

    ``note_type_names`` maps ``basic``/``cloze`` to the names the package gives those note types.
    """
    out = io.StringIO()
    out.write(f"#separator:{'tab' if tab else 'comma'}\n")
    out.write("#html:true\n#guid column:1\n#notetype column:2\n#deck column:3\n#tags column:4\n")
    writer = csv.writer(out, delimiter="\t" if tab else ",", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    for card in cards:
        tags = " ".join(card.tags)
        writer.writerow(
            [
                card.guid,
                note_type_names[card.note_type.value],
                card.deck,
                tags,
                *note_fields(card),
            ]
        )
    return out.getvalue()


def _md_text(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def to_markdown(cards: Iterable[Card], collection: str) -> str:
    """A readable Markdown document: one section per deck, each note as a question and its answer.

    Fields are shown as plain text (HTML dropped); cloze deletions are shown in bold.
    """
    lines = [f"# {_md_text(collection)}"]
    by_deck: dict[str, list[Card]] = {}
    for card in cards:  # one section a deck, in the order decks first appear
        by_deck.setdefault(card.deck, []).append(card)
    for deck, deck_cards in by_deck.items():
        lines += ["", f"## {_md_text(deck)}", ""]
        lines += _md_notes(deck_cards)
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_notes(cards: Iterable[Card]) -> list[str]:
    lines: list[str] = []
    for card in cards:
        front = card.front
        if card.note_type is NoteType.CLOZE:
            front = CLOZE_DELETION.sub(lambda m: f"\x00{m.group(1)}\x01", front)
        shown = _md_text(plain_text(front)).replace("\x00", "**").replace("\x01", "**")
        lines.append(f"- **Q:** {shown}" if card.note_type is NoteType.BASIC else f"- {shown}")
        back = plain_text(card.back)
        if back:
            label = "A" if card.note_type is NoteType.BASIC else "Extra"
            lines.append(f"  **{label}:** {_md_text(back)}")
    return lines


def export_cards(
    cards: Iterable[Card],
    fmt: str,
    *,
    collection: str,
    note_type_names: Mapping[str, str],
) -> str:
    """The cards in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "jsonl":
        return to_jsonl(cards)
    if fmt in {"csv", "tsv"}:
        return to_table(cards, note_type_names, tab=fmt == "tsv")
    if fmt == "md":
        return to_markdown(cards, collection)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
