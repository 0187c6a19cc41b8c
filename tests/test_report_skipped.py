"""Skipped source lines: runs of them become one finding (``model.coalesce_skipped``), and the
report groups them by file and reason."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.build import BuildResult, build
from genanki_build.config import Config
from genanki_build.decode import decode
from genanki_build.formats import default_registry
from genanki_build.model import Card, Finding, ParseResult, SourceRef, coalesce_skipped
from genanki_build.parsing import parse_file
from genanki_build.report import _finding, _finding_json, to_json
from genanki_build.sources import SourceFile
from tests.accounting import assert_all_lines_accounted, unaccounted_lines
from tests.conftest import write_tree

# A Brainscape page as a student copies it: each card followed by the rating widget.
_PAGE = """Cells Flashcards
1
Q
What is a cell?
A
The unit of life.
How well did you know this?
1
Not at all
2
3

4
5
Perfectly

2
Q
What is a membrane?
A
A cell's boundary.
How well did you know this?
Perfectly
"""


def _skip(line: int, text: str, reason: str = "noise", stage: str = "p", file: str = "f.txt") -> Finding:
    return Finding(stage, "skipped", reason, SourceRef(file, line, line), text)


def _runs(findings: tuple[Finding, ...]) -> list[tuple[str, int, int]]:
    return [(f.message, f.where.first, f.where.last) for f in findings if f.kind == "skipped" and f.where]


def test_parse_file__rating_widget_is_one_finding_and_lines_are_still_counted() -> None:
    result, report = parse_file(SourceFile("cells.txt", _PAGE.encode()), Config(), default_registry())
    assert report.format == "brainscape-page"
    assert [(c.source.first, c.source.last) for c in result.cards] == [(4, 6), (19, 21)]
    # Lines 7-15 are the first widget (line 12 is blank), 22-23 the second.
    assert sorted(_runs(result.findings), key=lambda r: r[1]) == [
        ("title", 1, 1),
        ("card number", 2, 2),
        ("Q marker", 3, 3),
        ("A marker", 5, 5),
        ("rating widget", 7, 15),
        ("card number", 17, 17),
        ("Q marker", 18, 18),
        ("A marker", 20, 20),
        ("rating widget", 22, 23),
    ]
    (widget,) = [f for f in result.findings if f.where and f.where.first == 7]
    assert widget.before == "How well did you know this?\n1\nNot at all\n2\n3\n\n4\n5\nPerfectly"
    # Still the number of lines skipped: 4 + 8 widget lines, then 3 + 2 widget lines.
    assert report.skipped == 17
    assert_all_lines_accounted(_PAGE, "cells.txt", result)


def test_coalesce_skipped__joins_consecutive_lines_of_one_reason() -> None:
    text = "a\nb\nc\nd"
    findings = (_skip(1, "a"), _skip(2, "b"), _skip(3, "c"), _skip(4, "d", "other"))
    merged = coalesce_skipped(findings, text, "f.txt")
    assert merged == (Finding("p", "skipped", "noise", SourceRef("f.txt", 1, 3), "a\nb\nc"), findings[3])


def test_coalesce_skipped__never_steps_over_a_line_with_text() -> None:
    text = "a\nkept\nc"
    findings = (_skip(1, "a"), _skip(3, "c"))
    assert coalesce_skipped(findings, text, "f.txt") == findings


def test_coalesce_skipped__never_steps_over_a_blank_line_a_card_or_finding_names() -> None:
    text = "a\n\nc\n \ne"
    findings = (_skip(1, "a"), _skip(3, "c"), _skip(5, "e"))
    # Line 2 lies inside a card's range; line 4 is named by another finding.
    warning = Finding("p", "warning", "odd", SourceRef("f.txt", 4, 4))
    merged = coalesce_skipped((*findings, warning), text, "f.txt", [SourceRef("f.txt", 2, 2)])
    assert merged == (*findings, warning)
    assert coalesce_skipped(findings, text, "f.txt") == (
        Finding("p", "skipped", "noise", SourceRef("f.txt", 1, 5), "a\n\nc\n \ne"),
    )


def test_coalesce_skipped__keeps_stages_files_and_changes_apart() -> None:
    text = "a\nb\nc"
    findings = (
        _skip(1, "a"),
        _skip(2, "b", stage="q"),
        _skip(3, "c", file="g.txt"),
        Finding("p", "skipped", "noise", SourceRef("f.txt", 3, 3), "c", "after"),
    )
    assert coalesce_skipped(findings, text, "f.txt") == findings


def test_coalesce_skipped__merged_finding_stands_where_its_first_finding_stood() -> None:
    text = "a\nb\nc\nd"
    info = Finding("p", "info", "hello")
    findings = (_skip(1, "a"), info, _skip(2, "b"), _skip(4, "d", "other"), _skip(3, "c"))
    assert coalesce_skipped(findings, text, "f.txt") == (
        Finding("p", "skipped", "noise", SourceRef("f.txt", 1, 3), "a\nb\nc"),
        info,
        findings[3],
    )


def test_coalesce_skipped__a_line_out_of_order_starts_a_new_run() -> None:
    text = "a\nb\nc"
    findings = (_skip(2, "b"), _skip(1, "a"), _skip(3, "c"))
    assert coalesce_skipped(findings, text, "f.txt") == (
        findings[0],
        Finding("p", "skipped", "noise", SourceRef("f.txt", 1, 1), "a"),
        # Line 3 follows the run of line 1 across line 2, which has text: no join.
        findings[2],
    )


def test_coalesce_skipped__a_run_of_several_lines_joins_like_one_line() -> None:
    text = "a\nb\n\nd\ne"
    findings = (
        Finding("p", "skipped", "noise", SourceRef("f.txt", 1, 2), "a\nb"),
        _skip(4, "d"),
        # Its text does not give one line per line of its range: left alone.
        Finding("p", "skipped", "noise", SourceRef("f.txt", 5, 6), "e"),
    )
    assert coalesce_skipped(findings, text, "f.txt") == (
        Finding("p", "skipped", "noise", SourceRef("f.txt", 1, 4), "a\nb\n\nd"),
        findings[2],
    )


@st.composite
def _parsed(draw: st.DrawFn) -> tuple[str, list[SourceRef], list[Finding]]:
    """A file of blank and non-blank lines, card ranges, and findings about its lines (in any order,
    some lines skipped twice, some skipped findings over several lines or with an ``after``)."""
    n = draw(st.integers(1, 25))
    lines = [draw(st.sampled_from(["", " ", "x", "y z"])) for _ in range(n)]
    line = st.integers(1, n)
    cards = [
        SourceRef("f.txt", a, min(n, a + k))
        for a, k in draw(st.lists(st.tuples(line, st.integers(0, 3)), max_size=4))
    ]
    findings: list[Finding] = []
    for at in draw(st.lists(line, max_size=3 * n)):
        reason = draw(st.sampled_from(["r1", "r2"]))
        stage = draw(st.sampled_from(["p", "q"]))
        findings.append(_skip(at, lines[at - 1], reason, stage))
    for at, k in draw(st.lists(st.tuples(line, st.integers(0, 2)), max_size=3)):
        kind = draw(st.sampled_from(["skipped", "warning", "info"]))
        after = draw(st.sampled_from(["", "changed"]))
        findings.append(Finding("p", kind, "r1", SourceRef("f.txt", at, min(n, at + k)), "t", after))
    findings.append(Finding("p", "info", "no place"))
    return "\n".join(lines), cards, draw(st.permutations(findings))


def _by_reason(findings: tuple[Finding, ...] | list[Finding]) -> dict[tuple[str, str], set[int]]:
    out: dict[tuple[str, str], set[int]] = {}
    for f in findings:
        if f.kind == "skipped" and f.where:
            out.setdefault((f.stage, f.message), set()).update(range(f.where.first, f.where.last + 1))
    return out


@settings(max_examples=200, deadline=None)
@given(_parsed())
def test_coalesce_skipped__loses_nothing_and_adds_only_free_blank_lines(
    case: tuple[str, list[SourceRef], list[Finding]],
) -> None:
    text, cards, findings = case
    lines = text.split("\n")
    merged = coalesce_skipped(findings, text, "f.txt", cards)
    before, after = _by_reason(findings), _by_reason(merged)
    named = {
        n for ref in [*cards, *(f.where for f in findings if f.where)] for n in range(ref.first, ref.last + 1)
    }
    assert before.keys() == after.keys()
    for key, was in before.items():
        assert was <= after[key]
        # Any line added to a reason's lines is blank and named by no card and no finding.
        assert all(not lines[n - 1].strip() and n not in named for n in after[key] - was)
    # Findings that are not skipped lines are untouched and keep their order.
    assert [f for f in merged if f.kind != "skipped"] == [f for f in findings if f.kind != "skipped"]
    # A merged finding's text gives each line's text, in order: every finding it took in is there.
    taken = Counter(
        (f.stage, f.message, f.where.first, f.before)
        for f in findings
        if f.kind == "skipped" and f.where and f not in merged
    )
    given = Counter(
        (f.stage, f.message, f.where.first + k, text)
        for f in merged
        if f.kind == "skipped" and f.where and f not in findings
        for k, text in enumerate(f.before.split("\n"))
    )
    assert taken <= given
    assert all(
        len(f.before.split("\n")) == f.where.last - f.where.first + 1
        for f in merged
        if f.where and f not in findings
    )
    # The "nothing lost" accounting gives the same answer.
    as_cards = tuple(Card("q", "a", ref, "p") for ref in cards)
    assert unaccounted_lines(text, "f.txt", ParseResult(as_cards, merged)) == unaccounted_lines(
        text, "f.txt", ParseResult(as_cards, tuple(findings))
    )
    assert coalesce_skipped(merged, text, "f.txt", cards) == merged


def test_build__report_keeps_every_skipped_line(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"cells.txt": _PAGE}, '[collection]\nname = "Bio"\n')
    result = build(src, tmp_path / "out", timestamp=1_700_000_000, write_ledger=False)
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    skipped = [f for f in data["findings"] if f["kind"] == "skipped"]
    assert len(skipped) == 9
    assert data["files"][0]["skipped_lines"] == 17
    text = decode(_PAGE.encode()).text
    covered = {
        n
        for f in skipped
        for a, _, b in [f["where"].removeprefix("cells.txt:").partition("-")]
        for n in range(int(a), int(b or a) + 1)
    }
    assert covered | {n for c in result.cards for n in range(c.source.first, c.source.last + 1)} >= {
        n for n, ln in enumerate(text.split("\n"), start=1) if ln.strip()
    }


def test_report_html__skipped_lines_are_a_row_per_file_and_reason(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"cells.txt": _PAGE}, '[collection]\nname = "Bio"\n')
    build(src, tmp_path / "out", timestamp=1_700_000_000, write_ledger=False)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<b>17</b>skipped lines" in page
    assert "Source lines not on any card (17)</h2>" in page
    # Both widgets in one row: 8 + 2 lines with text (line 12 is blank), each widget's text once.
    assert (
        "<td class=where>cells.txt</td><td>rating widget</td><td class=num>10</td>"
        "<td class=change>7-15, 22-23<details><summary>2 distinct texts</summary>"
        "<span class=label>1×</span>\n<del>How well did you know this?\n1\nNot at all\n2\n3\n\n4\n5\nPerfectly</del>\n"
        "<span class=label>1×</span>\n<del>How well did you know this?\nPerfectly</del>\n</details></td>"
    ) in page
    assert (
        "<td>Q marker</td><td class=num>2</td><td class=change>3, 18<details><summary>1 distinct text"
        "</summary><span class=label>2×</span>\n<del>Q</del>\n</details>"
    ) in page
    # The files table's row, then a row each for title, card number, Q marker, A marker and widget.
    assert page.count("<td class=where>cells.txt</td>") == 6


_SOME_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from('"\\\n<&:-'))
_FINDINGS = st.builds(
    Finding,
    st.sampled_from(["parse", "typos"]) | _SOME_TEXT,
    st.sampled_from(["skipped", "typo", "warning"]),
    _SOME_TEXT,
    st.none() | st.builds(SourceRef, _SOME_TEXT, st.integers(0, 99), st.integers(0, 99)),
    _SOME_TEXT,
    _SOME_TEXT,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_FINDINGS, max_size=5))
def test_finding_json__matches_json_dumps_of_the_finding(findings: list[Finding]) -> None:
    encode = _finding_json()
    for f in findings:
        assert encode(f) == json.dumps(_finding(f), ensure_ascii=False)


def test_report_json__many_findings_one_per_line_in_order() -> None:
    """Findings are written a thousand to a piece; none may be lost or doubled at the seams."""
    findings = tuple(_skip(n, f"line {n}", file="a.txt") for n in range(1, 2502))
    result = BuildResult(Config(), (), (), findings, ())
    text = to_json(result)
    assert json.loads(text)["findings"] == [_finding(f) for f in findings]
    assert sum(1 for line in text.split("\n") if line.startswith('    {"stage"')) == 2501
