"""Quizlet's own export: separators sniffed per file, overrides from deck.toml."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.formats import ParseOptions, default_registry
from genanki_build.formats.quizlet_export import detect, parse, sniff
from tests.accounting import assert_all_lines_accounted


def _cards(text: str, **extra: str) -> list[tuple[str, str]]:
    result = parse(text, "set.txt", ParseOptions(extra=dict(extra)))
    assert_all_lines_accounted(text, "set.txt", result, cards_may_share_lines=True)
    return [(c.front, c.back) for c in result.cards]


def test_sniff__longest_separator_wins_over_its_own_characters() -> None:
    text = "and/or/////either or both\nhe/she/////a person\nI/O/////input/output\n"
    found = sniff(text)
    assert found is not None
    assert (found.card_sep, found.term_sep) == ("\n", "/////")
    assert _cards(text) == [("and/or", "either or both"), ("he/she", "a person"), ("I/O", "input/output")]


def test_parse__dashes_inside_text_with_triple_dash_separator() -> None:
    text = "X-ray---short-wave radiation\nT-cell ---a white blood cell\nWell-being--- health and happiness\n"
    assert _cards(text) == [
        ("X-ray", "short-wave radiation"),
        ("T-cell", "a white blood cell"),
        ("Well-being", "health and happiness"),
    ]


def test_parse__spaced_single_dash_separator() -> None:
    text = "anti-freeze - a liquid that lowers the freezing point\nre-entry - coming back in\nco-op - a shop run by members\n"
    assert _cards(text) == [
        ("anti-freeze", "a liquid that lowers the freezing point"),
        ("re-entry", "coming back in"),
        ("co-op", "a shop run by members"),
    ]


def test_parse__custom_card_separator() -> None:
    text = "uno*one ## dos*two ## tres*three ## cuatro*four"
    assert _cards(text) == [("uno", "one"), ("dos", "two"), ("tres", "three"), ("cuatro", "four")]


def test_parse__deck_toml_separators_override_sniffing() -> None:
    """``::`` is never sniffed (it is Obsidian's), but a file may ask for it."""
    text = "sun::Sonne|moon::Mond|star::Stern"
    assert _cards(text, separator="::", card_separator="|") == [
        ("sun", "Sonne"),
        ("moon", "Mond"),
        ("star", "Stern"),
    ]
    assert _cards("a\tb\nc\td\n", separator="tab", card_separator="newline") == [("a", "b"), ("c", "d")]


def test_parse__term_without_definition_is_reported() -> None:
    text = "alpha---first\nbeta---\ngamma---third\n"
    result = parse(text, "set.txt", ParseOptions())
    assert [c.front for c in result.cards] == ["alpha", "gamma"]
    (finding,) = result.findings
    assert finding.kind == "skipped"
    assert finding.where is not None and finding.where.first == 2
    assert "without a definition" in finding.message


def test_parse__separator_twice_splits_at_first_and_says_so() -> None:
    text = "a---b---c\nd---e\nf---g\n"
    result = parse(text, "set.txt", ParseOptions())
    assert (result.cards[0].front, result.cards[0].back) == ("a", "b---c")
    assert [f.kind for f in result.findings] == ["suspect"]


def test_parse__line_before_first_card_is_reported() -> None:
    text = "My vocabulary\nhund\tdog\nkatt\tcat\nfugl\tbird\n"
    result = parse(text, "set.txt", ParseOptions())
    assert len(result.cards) == 3
    assert [(f.kind, f.where.first if f.where else 0) for f in result.findings] == [("skipped", 1)]


def test_detect__not_labelled_question_answer_lines() -> None:
    text = "Q:\tWhat is 2+2?\nA:\t4\nQ:\tCapital of France?\nA:\tParis\nQ:\tColour of the sky?\nA:\tBlue\n"
    assert detect(text) == 0.0


def test_detect__not_page_copies_or_obsidian() -> None:
    page = "Botany Week 1 Flashcards\nWhat is xylem?\nTissue that carries water\nWhat is phloem?\nTissue that carries sugars\n"
    obsidian = "What is xylem::tissue that carries water\nWhat is phloem::tissue that carries sugars\n"
    markdown = "# Deck\n\n- first point\n- second point\n- third point\n"
    assert detect(page) == 0.0
    assert detect(obsidian) == 0.0
    assert detect(markdown) == 0.0


def test_detect__registry_picks_quizlet_export_for_custom_separator() -> None:
    text = "cat/////die Katze\ndog/////der Hund\nhouse/////das Haus\n"
    fmt, score = default_registry().sniff(text)
    assert fmt.name == "quizlet-export"
    assert score > 0.8


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäé ", min_size=1, max_size=20).map(str.strip).filter(bool)


@settings(max_examples=100, deadline=None)
@given(
    pairs=st.lists(st.tuples(_WORD, _WORD), min_size=3, max_size=15, unique_by=lambda p: p[0]),
    term_sep=st.sampled_from(["\t", "---", "/////", " - ", "*", "~~"]),
)
def test_parse__recovers_generated_sets(pairs: list[tuple[str, str]], term_sep: str) -> None:
    text = "".join(f"{t}{term_sep}{d}\n" for t, d in pairs)
    assert _cards(text) == pairs


def test_detect__comma_export_with_commas_in_definitions() -> None:
    """Not a consistent CSV table, so the CSV format declines; the Quizlet export takes it."""
    text = (
        "apple,a fruit, often red or green\nbanana,a long yellow fruit\n"
        "cherry,a small, round, red fruit\ngrape,a fruit that grows in bunches\nlemon,a sour, yellow citrus fruit\n"
    )
    fmt, score = default_registry().sniff(text)
    assert (fmt.name, score >= 0.2) == ("quizlet-export", True)
    assert _cards(text)[2] == ("cherry", "a small, round, red fruit")


def test_parse__custom_card_separator_keeps_line_breaks_in_definitions() -> None:
    text = (
        "mitosis\tdivision into two\nidentical cells$$\nmeiosis\tdivision into four\ngametes$$\n"
        "osmosis\twater through a membrane$$\n"
    )
    result = parse(text, "set.txt", ParseOptions())
    assert_all_lines_accounted(text, "set.txt", result)
    assert [(c.front, c.back, c.source.first, c.source.last) for c in result.cards] == [
        ("mitosis", "division into two\nidentical cells", 1, 2),
        ("meiosis", "division into four\ngametes", 3, 4),
        ("osmosis", "water through a membrane", 5, 5),
    ]


def test_detect__not_blocks_between_divider_lines() -> None:
    """Regression: multi-line records split by ``--------`` once scored 0.9 on a comment's ``-->``."""
    block = "START\nBasic\nWhat is stress?\nBack: force per area\n<!--ID: {n}-->\nEND\n--------\n"
    text = "".join(block.format(n=n) for n in range(6))
    assert detect(text) < 0.2


def test_parse__lines_above_a_term_in_one_record_are_reported() -> None:
    text = "Spanish animals\nperro\tdog$$gato\tcat$$pez\tfish"
    result = parse(text, "set.txt", ParseOptions(extra={"separator": "tab", "card_separator": "$$"}))
    assert_all_lines_accounted(text, "set.txt", result, cards_may_share_lines=True)
    assert [(c.front, c.back) for c in result.cards] == [("perro", "dog"), ("gato", "cat"), ("pez", "fish")]
    assert result.cards[0].source.first == 2
    assert [(f.kind, f.where.first if f.where else 0) for f in result.findings] == [("skipped", 1)]


def test_detect__a_list_continuing_a_definition_does_not_count_against_it() -> None:
    """A short export whose first definition is a list was "not a format genanki-build
    recognises" (score 0.05): every list line counted as a record without a separator."""
    text = "Krebs cycle\tproduces:\n- NADH\n- FADH2\n- ATP\nGlycolysis\tsplits glucose\nETC\tmakes most ATP\n"
    fmt, score = default_registry().sniff(text)
    assert (fmt.name, score) == ("quizlet-export", detect(text)) and score >= 0.5
    result = parse(text, "q.txt", ParseOptions())
    assert [(c.front, c.back) for c in result.cards] == [
        ("Krebs cycle", "produces:\n- NADH\n- FADH2\n- ATP"),
        ("Glycolysis", "splits glucose"),
        ("ETC", "makes most ATP"),
    ]
    # Prose with one tab and a list is still not an export.
    assert detect("Intro\tnote\n- one\n- two\nSome prose line here.\nAnother prose line.\n") < 0.2
