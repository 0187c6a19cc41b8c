"""Golden tests: every ``tests/fixtures/formats/<format>/<case>.<ext>`` beside ``<case>.json``.

The input is decoded and its format detected exactly as a build does; the detected format, the
cards and the skipped lines must match the JSON, and every line must be accounted for. The schema
is described in ``tests/fixtures/formats/README.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from genanki_build.decode import decode
from genanki_build.formats import ParseOptions, default_registry
from genanki_build.model import ParseResult
from tests.accounting import assert_all_lines_accounted

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "formats"


def _cases() -> list[Any]:
    cases = []
    for expected in sorted(GOLDEN.glob("*/*.json")):
        inputs = [p for p in expected.parent.glob(expected.stem + ".*") if p.suffix != ".json"]
        assert len(inputs) == 1, f"{expected}: expected exactly one input beside it, found {inputs}"
        spec = json.loads(expected.read_text(encoding="utf-8"))
        marks = []
        if spec.get("xfail"):
            marks.append(pytest.mark.xfail(reason=spec["xfail"], strict=True))
        case_id = f"{expected.parent.name}/{inputs[0].name}"
        cases.append(pytest.param(inputs[0], spec, id=case_id, marks=marks))
    return cases


def _parse(path: Path) -> tuple[str, str, ParseResult]:
    text = decode(path.read_bytes()).text
    fmt, _ = default_registry().sniff(text)
    return text, fmt.name, fmt.parse(text, path.name, ParseOptions())


def _card(card: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """The card as the JSON describes it, limited to the keys the JSON gives."""
    full = {
        "front": card.front,
        "back": card.back,
        "note_type": str(card.note_type),
        "lines": [card.source.first, card.source.last],
        "markup": str(card.markup),
        "tags": list(card.tags),
        "guid": card.guid,
        "deck": card.deck,
    }
    return {key: full[key] for key in spec}


@pytest.mark.parametrize(("path", "spec"), _cases())
def test_golden__cards_match(path: Path, spec: dict[str, Any]) -> None:
    text, detected, result = _parse(path)
    assert detected == spec["format"]
    keys = spec["cards"][0] if spec["cards"] else {}
    assert [_card(c, keys) for c in result.cards] == spec["cards"]
    if "title" in spec:
        assert result.title == spec["title"]
    if "skipped_lines" in spec:
        lines = sorted({f.where.first for f in result.findings if f.kind == "skipped" and f.where})
        assert lines == sorted(spec["skipped_lines"])
    assert_all_lines_accounted(
        text, path.name, result, cards_may_share_lines=spec.get("cards_may_share_lines", False)
    )
