"""The build report: ``report.json`` for tools, and the counts and helpers it shares with
``report.html`` for a maintainer's browser (:mod:`genanki_build.report_html`)."""

from __future__ import annotations

import json
import operator
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from genanki_build.model import Finding

if TYPE_CHECKING:
    from genanki_build.build import BuildResult


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "stage": f.stage,
        "kind": f.kind,
        "where": str(f.where) if f.where else "",
        "message": f.message,
        "before": f.before,
        "after": f.after,
    }


def counts(result: BuildResult) -> dict[str, Any]:
    """Notes per deck, per note type and per deck and note type; findings per kind (a ``skipped``
    finding names a run of lines; ``files`` counts the lines)."""
    # One pass over the cards, in C: a 100,000-card build has a handful of (deck, type) pairs.
    pairs = Counter(zip(map(_DECK, result.cards), map(_NOTE_TYPE, result.cards), strict=True))
    per_deck: Counter[str] = Counter()
    per_type: Counter[str] = Counter()
    per_deck_type: dict[str, Counter[str]] = {}
    for (deck, note_type), n in pairs.items():
        per_deck[deck] += n
        per_type[note_type.value] += n
        per_deck_type.setdefault(deck, Counter())[note_type.value] += n
    kinds = Counter(map(_KIND, result.findings))
    return {
        "notes": len(result.cards),
        "excluded": len(result.excluded),
        "per_deck": dict(sorted(per_deck.items())),
        "per_note_type": dict(sorted(per_type.items())),
        "per_deck_note_type": {d: dict(sorted(per_deck_type[d].items())) for d in sorted(per_deck_type)},
        "findings": dict(sorted(kinds.items())),
    }


_DECK = operator.attrgetter("deck")
_NOTE_TYPE = operator.attrgetter("note_type")
_KIND = operator.attrgetter("kind")


def to_json(result: BuildResult) -> str:
    """The whole report as JSON."""
    return "".join(iter_json(result))


def iter_json(result: BuildResult) -> Iterator[str]:
    """:func:`to_json` piece by piece, for writing a large report without holding it whole."""
    yield from iter_json_head(result)
    yield json_tail(result)


def iter_json_head(result: BuildResult) -> Iterator[str]:
    """:func:`iter_json` up to the findings' end; :func:`json_tail` gives the rest, the step timings.
    Apart, a caller can write the findings while a step it times is still running."""
    data = {
        "collection": result.config.name,
        "counts": counts(result),
        "files": [
            {
                "path": f.path,
                "encoding": f.encoding,
                "format": f.format,
                "score": f.score,
                "cards": f.cards,
                "lines": f.lines,
                "skipped_lines": f.skipped,
                "problem": f.problem,
            }
            for f in result.files
        ],
        "findings": _FINDINGS_SLOT,
    }
    # Findings go one compact object per line. A 100,000-card build has hundreds of thousands of
    # them, and the indenting encoder (pure Python) held millions of fragments at once: 0.8 GB.
    yield _indented(data).rpartition(_SLOT_JSON)[0]
    if not result.findings:
        yield "[]"
        return
    encode = _finding_json()
    findings = result.findings
    # A thousand findings a piece: one write per finding cost more than encoding them.
    for start in range(0, len(findings), 1000):
        lead = "[\n    " if start == 0 else ",\n    "
        yield lead + ",\n    ".join(map(encode, findings[start : start + 1000]))
    yield "\n  ]"


def json_tail(result: BuildResult) -> str:
    """What follows the findings in ``report.json``: the step timings, read from ``result`` now."""
    timings = {k: round(v, 4) for k, v in result.timings.items()}
    # The slot's last occurrence: only stage names follow the findings.
    return _indented({"findings": _FINDINGS_SLOT, "timings": timings}).rpartition(_SLOT_JSON)[2]


def _indented(data: dict[str, Any]) -> str:
    """``data`` as ``report.json`` indents it, the findings standing in their slot."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


class _Once(dict[str, str]):
    """``once[text]`` is ``convert(text)``, worked out once per distinct text: for texts that repeat
    over many findings (stages, kinds, reasons, file names, page-noise lines). Starts over at
    :data:`_ONCE_MAX` texts, so a report of many distinct texts holds no second copy of them."""

    def __init__(self, convert: Callable[[str], str]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, text: str) -> str:
        if len(self) >= _ONCE_MAX:
            self.clear()
        done = self[text] = self.convert(text)
        return done


_ONCE_MAX = 4096


def _finding_json() -> Callable[[Finding], str]:
    """A function giving exactly ``JSONEncoder(ensure_ascii=False).encode(_finding(f))``, faster:
    the object is written field by field, and the few distinct stages, kinds, messages and file
    names are encoded once each. A test compares the two."""
    string = json.encoder.encode_basestring  # what the encoder uses with ensure_ascii=False
    once = _Once(string)
    # A file name as a JSON string without its closing quote: a place is that, ":line" and '"'.
    open_file = _Once(lambda file: string(file)[:-1])

    def encode(f: Finding) -> str:
        w = f.where
        if w is None:
            where = '""'
        elif w.first <= 0:
            where = f'{open_file[w.file]}"'
        elif w.first == w.last:
            where = f'{open_file[w.file]}:{w.first}"'
        else:
            where = f'{open_file[w.file]}:{w.first}-{w.last}"'
        return (
            f'{{"stage": {once[f.stage]}, "kind": {once[f.kind]}, "where": {where}, '
            f'"message": {once[f.message]}, "before": {string(f.before)}, "after": {string(f.after)}}}'
        )

    return encode


#: Stands for the findings list while the rest of ``report.json`` is indented.
_FINDINGS_SLOT = "\x00findings\x00"
_SLOT_JSON = json.dumps(_FINDINGS_SLOT)
