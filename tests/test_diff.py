"""Release notes: `genanki-build diff` and `build --against` list notes added, changed and removed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from genanki_build.build import build
from genanki_build.cli import main
from genanki_build.diff import compare, read_package, to_markdown, word_diff
from genanki_build.errors import BuildError
from tests.conftest import write_tree
from tests.test_history import DECK_TOML, L1, L2, V1_TIME, V2_TIME, brainscape, v2_l1


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """v1 and v2 of the history test's deck, v2 built --against v1; returns (v1.apkg, v2.apkg, v2 out)."""
    tmp = tmp_path_factory.mktemp("releases")
    src = write_tree(
        tmp / "src",
        {"l1.txt": brainscape("L1 Basics", L1), "l2.txt": brainscape("L2 Customers", L2)},
        DECK_TOML,
    )
    build(src, tmp / "v1", timestamp=V1_TIME)
    write_tree(src, {"l1.txt": brainscape("L1 Basics", v2_l1())})
    build(src, tmp / "v2", timestamp=V2_TIME, against=tmp / "v1" / "History.apkg")
    return tmp / "v1" / "History.apkg", tmp / "v2" / "History.apkg", tmp / "v2"


def test_diff__lists_added_changed_removed(releases: tuple[Path, Path, Path]) -> None:
    old, new, _ = releases
    changes = compare(read_package(old), read_package(new))
    assert [n.title for n in changes.added] == ["What is a marketing funnel?"]
    assert [n.title for n in changes.removed] == ["What is a value proposition?"]
    assert sorted(n.title for _, n in changes.changed) == [
        "What do we call the controllable levers of marketing?",
        "What does CRM stand for?",
        "What is a market segment?",
    ]
    text = to_markdown(changes)
    assert "1 added, 3 changed, 1 removed (9 notes in all, was 9)." in text
    assert "## Added (1)" in text and "## Changed (3)" in text and "## Removed (1)" in text
    assert "  - Front: What is a ~~marker~~ **market** segment?" in text
    assert "**History::L1 Basics**" in text


def test_diff__build_against_writes_changes_md(releases: tuple[Path, Path, Path]) -> None:
    old, new, out = releases
    written = (out / "CHANGES.md").read_text(encoding="utf-8")
    assert written == to_markdown(compare(read_package(old), read_package(new)))


def test_diff__cli_prints_markdown_and_first_release(
    releases: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    old, new, _ = releases
    runner = CliRunner()
    both = runner.invoke(main, ["diff", str(old), str(new)])
    assert both.exit_code == 0, both.output
    assert both.output.startswith("# Changes\n")
    first = runner.invoke(main, ["diff", str(new), "--out", str(tmp_path / "CHANGES.md")])
    assert first.exit_code == 0, first.output
    text = (tmp_path / "CHANGES.md").read_text(encoding="utf-8")
    assert "First release: 9 notes." in text and "## Added (9)" in text


def test_diff__same_package_has_no_change(releases: tuple[Path, Path, Path]) -> None:
    _, new, _ = releases
    text = to_markdown(compare(read_package(new), read_package(new)))
    assert "0 added, 0 changed, 0 removed" in text and "No note changed." in text


def test_diff__unreadable_package_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.apkg"
    bad.write_text("not a zip", encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(bad), str(tmp_path / "missing.apkg")])
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}: not an .apkg (not a zip file)\n"
    with pytest.raises(BuildError, match="no such package"):
        read_package(tmp_path / "missing.apkg")


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("a b c", "a x c", "a ~~b~~ **x** c"),
        ("one two", "one two three", "one two **three**"),
        ("<b>bold</b> text", "bold text", "bold text"),  # markup alone is no change to read
        ("x * y", "x * z", "x \\* ~~y~~ **z**"),
    ],
)
def test_diff__word_diff(before: str, after: str, expected: str) -> None:
    assert word_diff(before, after) == expected


def test_diff__cli_build_against_reports_changes_path(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"l1.txt": brainscape("L1 Basics", L1)}, DECK_TOML)
    runner = CliRunner()
    first = runner.invoke(main, ["build", str(src), "--out", str(tmp_path / "v1")])
    assert first.exit_code == 0, first.output
    previous = tmp_path / "v1" / "History.apkg"
    write_tree(src, {"l1.txt": brainscape("L1 Basics", v2_l1())})
    second = runner.invoke(
        main, ["build", str(src), "--out", str(tmp_path / "v1"), "--against", str(previous)]
    )
    assert second.exit_code == 0, second.output
    assert f"changes: {tmp_path / 'v1' / 'CHANGES.md'}" in second.output
    assert "history: 3 edited note(s) kept their GUID, 1 removed" in second.output
    assert "1 added, 3 changed, 1 removed" in (tmp_path / "v1" / "CHANGES.md").read_text(encoding="utf-8")
