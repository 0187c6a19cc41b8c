"""The delimited and export formats on the third-party corpus (skipped when it is absent), and on
generated junk.

Counts are what a person counts in each file (the corpus README gives rough ones); every file must be
detected as its format and every non-blank line accounted for.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.decode import decode
from genanki_build.formats import ParseOptions, default_registry
from genanki_build.model import NoteType
from tests.accounting import assert_all_lines_accounted

#: File-name prefix -> (format, fewest cards, most cards).
EXPECTED = {
    "quizlet-import-dashsep": ("quizlet-export", 54, 54),
    "quizlet-import-slashsep": ("quizlet-export", 281, 281),
    "quizlet-mcq-blankline": ("mcq", 120, 130),
    "brainscape-csv": ("csv", 14, 14),
    "anki-txt-legacy": ("anki-text", 209, 209),
    "anki-txt-headers-multiline": ("anki-text", 102, 102),
    "anki-txt-headers-cloze": ("anki-text", 159, 159),
}


def _file(corpus: Path, prefix: str) -> Path:
    matches = sorted(corpus.glob(f"{prefix}__*"))
    if not matches:
        pytest.skip(f"no {prefix} file in the corpus")
    return matches[0]


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_corpus__detected_counted_and_accounted(corpus: Path, prefix: str) -> None:
    path = _file(corpus, prefix)
    name, fewest, most = EXPECTED[prefix]
    text = decode(path.read_bytes()).text
    fmt, _ = default_registry().sniff(text)
    assert fmt.name == name
    result = fmt.parse(text, path.name, ParseOptions())
    assert fewest <= len(result.cards) <= most
    assert all(c.front.strip() for c in result.cards)
    assert_all_lines_accounted(text, path.name, result, cards_may_share_lines=False)


def test_corpus__mcq_backs_are_option_text_never_bare_letters(corpus: Path) -> None:
    path = _file(corpus, "quizlet-mcq-blankline")
    text = decode(path.read_bytes()).text
    result = default_registry().get("mcq").parse(text, path.name, ParseOptions())
    for card in result.cards:
        for line in card.back.split("\n"):
            assert len(line) > 3 and line[1:3] == ". ", card


def test_corpus__anki_cloze_notes_keep_their_guids(corpus: Path) -> None:
    path = _file(corpus, "anki-txt-headers-cloze")
    text = decode(path.read_bytes()).text
    result = default_registry().get("anki-text").parse(text, path.name, ParseOptions())
    assert all(c.note_type is NoteType.CLOZE for c in result.cards)
    assert all(c.guid_given and c.guid for c in result.cards)
    assert len({c.guid for c in result.cards}) == len(result.cards)


def test_corpus__no_delimited_format_steals_other_files(corpus: Path) -> None:
    mine = {"quizlet-export", "mcq", "csv", "anki-text"}
    for path in sorted(corpus.iterdir()):
        if path.name == "README.md" or any(path.name.startswith(p + "__") for p in EXPECTED):
            continue
        text = decode(path.read_bytes()).text
        assert default_registry().sniff(text)[0].name not in mine, path.name


def test_seeds__no_delimited_format_wins() -> None:
    source = Path(__file__).resolve().parent.parent / "source"
    mine = {"quizlet-export", "mcq", "csv", "anki-text"}
    for path in sorted(source.glob("*.txt")):
        text = decode(path.read_bytes()).text
        for fmt in default_registry():
            if fmt.name in mine:
                assert fmt.detect(text) < 0.2, (path.name, fmt.name)


_SAMPLES = [
    "a. one",
    "b. two",
    "c.three",
    "d) four",
    "c",
    "b, d",
    "Answer: a",
    "",
    "Q?",
    "x---y",
    "#separator:tab",
    "#html:true",
    "#guid column:1",
    '"q\tw"',
    'a\t"b',
    "Front,Back",
    "g\th\ti",
    '""',
    ";",
]
_LINE = st.one_of(st.sampled_from(_SAMPLES), st.text(alphabet='ab cd\t,;"|-/*#:.?', max_size=15))


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINE, max_size=25).map("\n".join))
def test_parse__any_text_is_accounted_for_and_never_crashes(text: str) -> None:
    """Regression: a line holding only ``;`` or ``""`` used to vanish without a finding."""
    for name in ("quizlet-export", "anki-text", "csv", "mcq"):
        fmt = default_registry().get(name)
        assert 0.0 <= fmt.detect(text) <= 1.0
        result = fmt.parse(text, "junk.txt", ParseOptions())
        assert_all_lines_accounted(text, "junk.txt", result, cards_may_share_lines=name == "quizlet-export")
        assert all(card.front.strip() for card in result.cards), name
