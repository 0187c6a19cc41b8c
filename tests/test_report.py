"""The build report: counts, every finding with file:line and before/after, files with format and encoding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from genanki_build.build import BuildResult, build
from genanki_build.config import Config
from genanki_build.model import Finding, SourceRef
from genanki_build.report import iter_json_head, json_tail, to_json
from genanki_build.report_html import word_diff
from tests.conftest import write_tree

_SET = """L2: Pricing Flashcards
1
Q
Which 3 pricing strategies?
A
· Cost-based
· Value-based
Competition-based
2
Q
What is a costumer?
A
Someone who buys.
3
Q
What is a costumer?
A
Someone who buys.
4
Q
What is value?
A
Benefits minus costs.
"""

_SECOND = """L2: Pricing Flashcards
1
Q
What is value?
A
What the customer gets for what they give.
2
Q
Pricing map
A
See picture
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    root = tmp_path_factory.mktemp("report")
    src = write_tree(
        root / "src", {"a.txt": _SET, "b.txt": _SECOND.encode("cp1252")}, '[collection]\nname = "Econ"\n'
    )
    result = build(src, root / "out", timestamp=1_700_000_000)
    return root / "out", result


def test_report_json__counts_per_deck_and_note_type(built: tuple[Path, Any]) -> None:
    out, _ = built
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    counts = data["counts"]
    # Four cards in a.txt, one a copy; two in b.txt, one a "see picture" card left out.
    assert counts["notes"] == 4
    assert counts["per_note_type"] == {"basic": 3, "cloze": 1}
    assert counts["per_deck_note_type"] == {"Econ::L2 Pricing": {"basic": 3, "cloze": 1}}
    assert counts["excluded"] == 1


def test_report_json__files_with_format_and_encoding(built: tuple[Path, Any]) -> None:
    out, _ = built
    files = {f["path"]: f for f in json.loads((out / "report.json").read_text(encoding="utf-8"))["files"]}
    assert files["a.txt"]["format"] == files["b.txt"]["format"] == "brainscape-page"
    assert files["a.txt"]["encoding"].replace("-", "").lower().startswith("utf8")
    assert files["b.txt"]["encoding"]


def test_report_json__every_finding_has_where_and_before_after(built: tuple[Path, Any]) -> None:
    out, _ = built
    findings = json.loads((out / "report.json").read_text(encoding="utf-8"))["findings"]
    by_kind: dict[str, list[dict[str, str]]] = {}
    for f in findings:
        by_kind.setdefault(f["kind"], []).append(f)
    (cloze,) = by_kind["cloze"]
    assert cloze["where"] == "a.txt:4-8"
    assert "{{c3::Competition-based}}" in cloze["after"]
    (merge,) = by_kind["merge"]
    assert "a.txt:11-13" in merge["message"] and "a.txt:16-18" in merge["message"]
    (conflict,) = by_kind["conflict"]
    assert conflict["where"] == "a.txt:21-23" and "b.txt:4-6" in conflict["message"]
    assert "Benefits minus costs." in conflict["before"]
    assert any(f["where"].startswith("b.txt:") for f in by_kind["excluded"])
    assert all(f["where"] for f in by_kind["skipped"])


def test_report_html__summary_sections_and_diffs(built: tuple[Path, Any]) -> None:
    out, _ = built
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.index("class=tiles") < page.index("id=decks") < page.index("id=files")
    for anchor in ("k-cloze", "k-merge", "k-conflict", "k-excluded", "k-skipped"):
        assert f"id={anchor}" in page
    assert "<td class=where>a.txt:4-8</td>" in page
    assert "<b>1</b>conflicts" in page


def test_word_diff__marks_only_the_changed_words() -> None:
    assert word_diff("What is a costumer?", "What is a customer?") == (
        "What is a <del>costumer?</del><ins>customer?</ins>"
    )


def test_word_diff__escapes_html() -> None:
    assert word_diff("a <b> c", "a <i> c") == "a <del>&lt;b&gt;</del><ins>&lt;i&gt;</ins> c"
    assert word_diff("", "<new>") == "<ins>&lt;new&gt;</ins>"
    assert word_diff("<old>", "") == "<del>&lt;old&gt;</del>"


def test_iter_json_head__and_json_tail_are_the_report_with_timings_read_last() -> None:
    """The head can be written while a timed step still runs: a timing added after it is in the tail."""
    findings = (
        Finding("p", "skipped", "noise", SourceRef("a.txt", 3, 4), "x\ny"),
        Finding("p", "info", "done"),
    )
    result = BuildResult(Config(), (), (), findings, (), timings={"parse": 1.23456})
    head = "".join(iter_json_head(result))
    result.timings["package"] = 2.0
    text = head + json_tail(result)
    assert text == to_json(result)
    report = json.loads(text)
    assert report["timings"] == {"parse": 1.2346, "package": 2.0}
    assert [f["where"] for f in report["findings"]] == ["a.txt:3-4", ""]


def test_json_tail__without_timings_or_findings() -> None:
    result = BuildResult(Config(), (), (), (), ())
    assert json.loads(to_json(result))["timings"] == {}
    assert json.loads(to_json(result))["findings"] == []


def test_report_html__every_link_has_a_place_to_go(tmp_path: Path) -> None:
    """Tiles linked to sections a build without such findings does not have (#k-excluded …)."""
    import re

    src = write_tree(tmp_path / "src", {"a.csv": "front,back\nWhat is a cell?,The unit of life\n"})
    build(src, tmp_path / "out", timestamp=1_700_000_000)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    targets = set(re.findall(r"href=#([\w-]+)", page))
    assert targets and targets <= set(re.findall(r"id=([\w-]+)", page))


def test_report_html__a_suspect_word_is_not_shown_struck_out(tmp_path: Path) -> None:
    """A word left as it is was drawn in red and struck through, as if removed."""
    src = write_tree(tmp_path / "src", {"a.csv": "front,back\nWhat is firminitiated?,A word nobody knows\n"})
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    assert [f.before for f in result.findings if f.kind == "suspect"] == ["firminitiated"]
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "firminitiated" in page and "<del>firminitiated</del>" not in page


def test_source_ref__a_whole_file_is_named_without_a_line() -> None:
    """File-level findings read "file.txt:0"."""
    assert (str(SourceRef("a.txt", 0, 0)), str(SourceRef("a.txt", 3, 3)), str(SourceRef("a.txt", 3, 5))) == (
        "a.txt",
        "a.txt:3",
        "a.txt:3-5",
    )
