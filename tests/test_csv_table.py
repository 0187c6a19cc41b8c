"""CSV/TSV tables: delimiter sniffing, header rows, extra columns, tolerant fallback."""

from __future__ import annotations

import csv as pycsv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.formats import ParseOptions, default_registry
from genanki_build.formats._rows import CsvError, Row, tolerant_rows
from genanki_build.formats.csv_table import _extras, _layout, detect, header_kind, parse, sniff_delimiter
from genanki_build.model import ParseResult
from tests.accounting import assert_all_lines_accounted


def _parse(text: str, **extra: str) -> ParseResult:
    result = parse(text, "table.csv", ParseOptions(extra=dict(extra)))
    assert_all_lines_accounted(text, "table.csv", result)
    return result


def test_sniff_delimiter__tab_inside_a_comma_table() -> None:
    text = "Word,Meaning\nhaus,house\tbuilding\nbaum,tree\nhund,dog\n"
    assert sniff_delimiter(text)[:2] == (",", 2)


def test_header_kind__known_names_any_case() -> None:
    assert header_kind(["QUESTION", "Answer"]) == "known"
    assert header_kind(["Term", "Definition", "Tags"]) == "known"
    assert header_kind(["Paris", "France"]) == ""


def test_parse__label_like_first_row_kept_unless_deck_toml_says_header() -> None:
    text = (
        "Vocab,Explanation\nephemeral,lasting for a very short time\nubiquitous,present everywhere at once\n"
    )
    kept = _parse(text)
    assert [c.front for c in kept.cards] == ["Vocab", "ephemeral", "ubiquitous"]
    assert [f.kind for f in kept.findings] == ["info"]
    assert "deck.toml" in kept.findings[0].message
    forced = _parse(text, header="true")
    assert [c.front for c in forced.cards] == ["ephemeral", "ubiquitous"]
    assert forced.findings[0].message == "header row"


def test_parse__data_first_row_is_not_a_header() -> None:
    text = "dog,a loyal animal\ncat,a small domesticated feline that purrs\nowl,a bird of prey that hunts at night\n"
    assert [c.front for c in _parse(text).cards] == ["dog", "cat", "owl"]


def test_parse__redundant_column_dropped_with_one_info() -> None:
    text = "Question,Answer,Name\ncat,Katze,cat\ndog,Hund,dog\n"
    result = _parse(text)
    assert [(c.front, c.back) for c in result.cards] == [("cat", "Katze"), ("dog", "Hund")]
    infos = [f for f in result.findings if f.kind == "info"]
    assert len(infos) == 1 and "Name" in infos[0].message


def test_parse__distinct_extra_column_appended_to_back() -> None:
    text = "Front,Back,Example\nrun,laufen,I run daily\nswim,schwimmen,\n"
    result = _parse(text)
    assert [(c.front, c.back) for c in result.cards] == [
        ("run", "laufen\nExample: I run daily"),
        ("swim", "schwimmen"),
    ]
    assert any(f.kind == "info" and "appended" in f.message for f in result.findings)


def test_parse__tags_and_deck_columns() -> None:
    text = "Front;Back;Tags;Deck\nH;hydrogen;chem elements;Chemistry::Elements\n"
    (card,) = _parse(text).cards
    assert card.tags == ("chem", "elements")
    assert card.title == "Elements"


def test_parse__broken_quote_falls_back_and_names_the_line() -> None:
    """Strict parsing used to swallow the rest of the file into one field after a stray quote."""
    text = 'Front,Back\nok,fine\nbad,"open quote\nnext,row\nlast,one\n'
    result = _parse(text)
    assert [(c.front, c.back) for c in result.cards] == [
        ("ok", "fine"),
        ("bad", "open quote"),
        ("next", "row"),
        ("last", "one"),
    ]
    warnings = [(f.where.first if f.where else 0, f.message) for f in result.findings if f.kind == "warning"]
    assert warnings[0][0] == 3 and "strict CSV parsing failed" in warnings[0][1]
    assert (3, "broken quoting; read as this line alone, the open quote running to its end") in warnings


def test_parse__good_multiline_rows_survive_a_broken_one() -> None:
    text = 'Front,Back\n"two\nlines",ok\nx,"y"z"\n"again\ntwo",fine\n'
    result = _parse(text)
    assert [(c.front, c.back, c.source.first, c.source.last) for c in result.cards] == [
        ("two\nlines", "ok", 2, 3),
        ("x", 'yz"', 4, 4),
        ("again\ntwo", "fine", 5, 6),
    ]
    assert [f.where.first for f in result.findings if f.kind == "warning" and f.where] == [4, 4]


def test_parse__header_promising_missing_columns_warns() -> None:
    text = "Question,Answer,Hint\nfirst?,1\nsecond?,2\n"
    result = _parse(text)
    assert len(result.cards) == 2
    assert any(f.kind == "warning" and "Hint" in f.message for f in result.findings)


def test_parse__row_without_answer_is_reported() -> None:
    text = "Question,Answer\nalpha,a\nbeta,\ngamma,c\n"
    result = _parse(text)
    assert [c.front for c in result.cards] == ["alpha", "gamma"]
    assert any(f.kind == "skipped" and f.where is not None and f.where.first == 3 for f in result.findings)


def test_parse__deck_toml_separator() -> None:
    text = "a:b\nc:d\n"
    assert [(c.front, c.back) for c in _parse(text, separator=":").cards] == [("a", "b"), ("c", "d")]


def test_detect__header_table_wins_and_prose_does_not() -> None:
    table = "Question,Answer\nWhat is 2+2?,4\nCapital of Italy?,Rome\n"
    assert default_registry().sniff(table)[0].name == "csv"
    prose = "Rome, the capital, is old.\nIt has, they say, seven hills, and more.\nNobody knows.\n"
    assert detect(prose) == 0.0
    page = "Italy Flashcards\nCapital of Italy?\nRome, on the Tiber\nLongest river?\nPo\n"
    assert detect(page) == 0.0


def test_parse__markdown_pipe_table() -> None:
    text = (
        "| Question | Answer |\n|---|:---:|\n| Capital of Peru? | Lima |\n| Capital of Chile? | Santiago |\n"
    )
    assert default_registry().sniff(text)[0].name == "csv"
    result = _parse(text)
    assert [(c.front, c.back) for c in result.cards] == [
        ("Capital of Peru?", "Lima"),
        ("Capital of Chile?", "Santiago"),
    ]
    assert sorted(f.message for f in result.findings) == ["header row", "table rule"]


# -- the linear readers against the plain ones they replaced --------------------------------------


def _plain_read(text: str, delimiter: str, first_line: int) -> tuple[list[Row], CsvError | None]:
    """``_rows._read`` as first written: reads ``text`` from its start."""
    physical = text.split("\n")
    reader = pycsv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    rows: list[Row] = []
    consumed = 0
    try:
        for fields in reader:
            start, end = consumed, reader.line_num
            consumed = end
            if not any(ln.strip() for ln in physical[start:end]):
                continue
            while start < end - 1 and not physical[start].strip():
                start += 1
            rows.append(Row(start + first_line, end - 1 + first_line, tuple(fields)))
    except pycsv.Error as exc:
        return rows, CsvError(consumed + first_line, str(exc))
    return rows, None


def _plain_tolerant_rows(text: str, delimiter: str) -> tuple[list[Row], set[int]]:
    """:func:`tolerant_rows` as first written: after each broken record, the rest of the text is
    joined again and read from its start (quadratic when many lines break)."""
    physical = text.split("\n")
    rows: list[Row] = []
    alone: set[int] = set()
    start = 1
    while start < 1 + len(physical):
        part, error = _plain_read("\n".join(physical[start - 1 :]), delimiter, start)
        rows.extend(part)
        if error is None:
            break
        line = physical[error.line - 1]
        rows.append(Row(error.line, error.line, tuple(next(pycsv.reader([line], delimiter=delimiter), []))))
        alone.add(error.line)
        start = error.line + 1
    return rows, alone


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='",a b\n;', max_size=60), st.sampled_from([",", ";"]))
def test_tolerant_rows__same_as_reading_the_rest_again(text: str, delimiter: str) -> None:
    assert tolerant_rows(text, delimiter) == _plain_tolerant_rows(text, delimiter)


def _plain_cell(fields: tuple[str, ...], i: int) -> str:
    return fields[i].strip() if i < len(fields) else ""


def _plain_extras(rows: list[Row], width: int) -> tuple[list[int], list[int]]:
    """``_extras`` as first written (no header): each extra cell compared with every other cell."""
    keep: list[int] = []
    drop: list[int] = []
    for col in range(2, width):
        redundant = all(
            not _plain_cell(r.fields, col)
            or any(_plain_cell(r.fields, col) == _plain_cell(r.fields, o) for o in range(width) if o != col)
            for r in rows
        )
        (drop if redundant else keep).append(col)
    return keep, drop


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["", "a", "b", " a", "c"]), min_size=1, max_size=6), min_size=1, max_size=6
    )
)
def test_extras__same_as_comparing_every_pair_of_cells(table: list[list[str]]) -> None:
    rows = [Row(i + 1, i + 1, tuple(cells)) for i, cells in enumerate(table)]
    width = max(len(cells) for cells in table)
    assert _extras(rows, _layout(None, width), width) == _plain_extras(rows, width)


def test_parse__excel_separator_line_and_the_header_as_written() -> None:
    """Excel's `sep=;` line was reported as a row without an answer, and the header row's finding
    showed its cells joined by commas, not the line as written."""
    text = "sep=;\nTerm;Definition\nBonjour;Hello\nMerci;Thanks\n"
    result = parse(text, "fr.csv", ParseOptions())
    assert [(c.front, c.back) for c in result.cards] == [("Bonjour", "Hello"), ("Merci", "Thanks")]
    skipped = [
        (f.where.first if f.where else 0, f.message, f.before) for f in result.findings if f.kind == "skipped"
    ]
    assert skipped == [(1, "Excel's separator line", "sep=;"), (2, "header row", "Term;Definition")]


def test_detect__one_broken_quote_in_a_small_table_is_still_a_table() -> None:
    """A five-line CSV with one unclosed quote was read as a Quizlet export: the header became a
    card and a closing field kept its quotes."""
    text = 'Question,Answer\nWhat is "osmosis"?,diffusion of water\n"Unclosed quote, here,answer one\nnext question,next answer\nlast,"fine"\n'
    fmt, _ = default_registry().sniff(text)
    assert fmt.name == "csv"
    result = parse(text, "b.csv", ParseOptions())
    assert [(c.front, c.back) for c in result.cards] == [
        ('What is "osmosis"?', "diffusion of water"),
        ("next question", "next answer"),
        ("last", "fine"),
    ]
    assert {f.where.first for f in result.findings if f.kind == "warning" and f.where} == {3}
