"""``deck.toml``: every documented setting reads; a misspelt table or setting is an error that names
it and the closest real one, never silently ignored; a per-file table naming no file, or a setting
the file's format does not read, is a warning."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from genanki_build import config
from genanki_build.build import build
from genanki_build.config import parse_config
from genanki_build.errors import ConfigError

from .conftest import write_tree

ROOT = Path(__file__).resolve().parent.parent


def _toml_blocks(text: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", text, re.DOTALL)


def test_parse_config__the_documented_examples_read() -> None:
    readme = _toml_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    docstring = [config.__doc__.split("Example::", 1)[1].split('"""')[0]] if config.__doc__ else []
    assert readme and docstring
    for example in [*readme, *docstring]:
        text = "\n".join(line[4:] if line.startswith("    ") else line for line in example.splitlines())
        parse_config(text)  # raises on any table or setting deck.toml does not have


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[option]\nreverse = true\n", "has no table 'option' (did you mean 'options'?"),
        (
            "[options]\ninclude_incomplte = true\n",
            "[options] has no setting 'include_incomplte' (did you mean",
        ),
        ("[colection]\nname = 'x'\n", "did you mean 'collection'?"),
        ("[typos]\nkeeps = ['x']\n", "[typos] has no setting 'keeps' (did you mean 'keep'?"),
        ("[parse]\nsomething = 1\n", "[parse] has no setting 'something' (settings: noise, placeholders)"),
        ('name = "x"\n', "'name' is outside every table"),
        ("[collection]\nname = 5\n", "[collection] name must be a string"),
        ('[files."a.txt"]\nlecture = 3\n', '[files."a.txt"] lecture must be a string'),
        ('[files."a.txt"]\nformat = ["csv"]\n', '[files."a.txt"] format must be a string'),
        ("[options]\nreverse = 'yes'\n", "reverse must be true or false"),
    ],
)
def test_parse_config__a_wrong_name_or_type_is_an_error_naming_it(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "src/deck.toml")
    assert str(raised.value).startswith("src/deck.toml")
    assert message in str(raised.value)


def test_parse_config__a_far_off_name_gets_no_guess() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config("[zzz]\n")
    assert "did you mean" not in str(raised.value)


def test_parse_config__format_settings_are_kept_for_the_format() -> None:
    parsed = parse_config('[files."a.csv"]\nformat = "csv"\nseparator = ";"\nheader = "true"\n')
    assert dict(parsed.override("a.csv").options) == {"separator": ";", "header": "true"}


DECK = '[collection]\nname = "T"\nnamespace = "test/config"\n'
TSV = "Term\tDefinition\ncell\tthe unit of life\nnucleus\tholds the DNA\n"


def test_build__a_file_table_naming_no_file_is_a_warning(tmp_path: Path) -> None:
    deck = DECK + '[files."lectures/cells.tsv"]\nlecture = "L1"\n'
    src = write_tree(tmp_path / "src", {"lecture/cells.tsv": TSV}, deck)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    (warning,) = [f for f in result.warnings if "names no card source" in f.message]
    assert '[files."lectures/cells.tsv"]' in warning.message
    assert "did you mean 'lecture/cells.tsv'?" in warning.message
    assert len(result.cards) == 2  # the file itself still builds


def test_build__a_setting_the_format_does_not_read_is_a_warning(tmp_path: Path) -> None:
    deck = DECK + '[files."cells.tsv"]\nformat = "csv"\nseperator = "tab"\nheader = "true"\n'
    src = write_tree(tmp_path / "src", {"cells.tsv": TSV}, deck)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    (warning,) = result.warnings
    assert "'seperator' is not a setting of the csv format (did you mean 'separator'?" in warning.message
    assert warning.where is not None and warning.where.file == "cells.tsv"
    assert {c.front for c in result.cards} == {"cell", "nucleus"}


def test_build__settings_the_format_reads_give_no_warning(tmp_path: Path) -> None:
    deck = DECK + '[files."cells.tsv"]\nformat = "csv"\nseparator = "tab"\nheader = "true"\n'
    src = write_tree(tmp_path / "src", {"cells.tsv": TSV}, deck)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    assert not result.warnings
