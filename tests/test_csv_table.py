"""CSV/TSV tables: delimiter sniffing, header rows, extra columns, tolerant fallback."""

from __future__ import annotations

from genanki_build.formats import ParseOptions, default_registry
from genanki_build.formats.csv_table import detect, header_kind, parse, sniff_delimiter
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
