"""The clean stage: text repair, each change explained, idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.build import build
from genanki_build.check import import_into
from genanki_build.clean import _MAY_CHANGE, apply_rules, clean_cards, clean_text
from genanki_build.model import Card, Markup, SourceRef
from genanki_build.render import text_to_html
from genanki_build.stage import Context
from tests.conftest import write_tree


def _clean(text: str, markup: Markup = Markup.TEXT) -> str:
    return clean_text(text, markup)[0]


def _why(text: str, markup: Markup = Markup.TEXT) -> list[str]:
    return [why for why, _, _ in clean_text(text, markup)[1]]


# --- ftfy ------------------------------------------------------------------------------------------


def test_clean_text__mojibake_repaired_and_explained() -> None:
    # "café" encoded as UTF-8 and read as Windows-1252
    assert _clean("Le cafÃ© est bon") == "Le café est bon"
    assert any("ftfy" in why for why in _why("Le cafÃ© est bon"))


def test_clean_text__ligatures_undone() -> None:
    assert _clean("ﬁrm proﬁts and ﬂow") == "firm profits and flow"


@pytest.mark.parametrize(
    "text", ["你好吗？", "我很好，谢谢！", "你好\u3000世界", "ｶﾀｶﾅ", "ＬＯＵＤ　ＮＯＩＳＥＳ"]
)
def test_clean_text__cjk_full_width_forms_kept(text: str) -> None:
    """ftfy's fix_character_width turned "你好吗？" into "你好吗?" and "我很好，谢谢！" into
    "我很好,谢谢!": ASCII punctuation in Chinese text, where the full-width forms are right."""
    assert clean_text(text) == (text, [])


@pytest.mark.parametrize("text", ["１", "ﬁ", "the ﬁ and ﬂ ligatures", "U+FB01 (ﬁ)"])
def test_clean_text__character_a_card_is_about_kept(text: str) -> None:
    """A card about "１" or "ﬁ" had it narrowed to "1" or taken apart to "fi"."""
    assert clean_text(text) == (text, [])


def test_clean_text__curly_quotes_and_entities_kept() -> None:
    """Quotes stay curly; an entity stays an entity (render escapes plain text; unescaping here would
    shrink ``&amp;lt;`` on every run)."""
    assert _clean("CE’s “value” &amp; more") == "CE’s “value” &amp; more"


# --- symbol fonts and arrows -----------------------------------------------------------------------


def test_clean_text__wingdings_private_use_arrow_becomes_arrow() -> None:
    assert _clean("decision making in business \uf0e0 important source") == (
        "decision making in business → important source"
    )


def test_clean_text__unknown_private_use_removed_and_reported() -> None:
    text, changes = clean_text("a \ue123 b")
    assert text == "a b"
    assert "U+E123 removed" in changes[0][0]


def test_clean_text__symbol_font_bullet_becomes_list_item() -> None:
    assert _clean("\uf0b7 first\n\uf0b7 second") == "- first\n- second"


def test_clean_text__lone_wingdings_e_becomes_arrow() -> None:
    assert _clean("spreading across a larger network è complex network") == (
        "spreading across a larger network → complex network"
    )


@pytest.mark.parametrize(
    "text",
    ["un café è buono", "Abbè Pierre", "la città è bella", "è at the start", "networks è"],
)
def test_clean_text__e_kept_in_words_and_accented_text(text: str) -> None:
    assert _clean(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "lui è medico",
        "la casa è grande",
        "questa è una mela",
        "Roma è bella",
        "Mario è alto",
        "Piano è forte",
    ],
)
def test_clean_text__italian_e_between_italian_words_kept(text: str) -> None:
    """Italian "lui è medico" became "lui → medico" ("a lone Wingdings “è” is an arrow"): an "è"
    counted as Italian only when its field had another accented letter, so 7 of 8 cards of an
    Italian file were changed. Italian words the English dictionary knows as loanwords ("bella",
    "alto") read Italian too."""
    assert clean_text(text) == (text, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Price è Demand", "Price → Demand"),
        ("Awareness è Interest è Desire è Action", "Awareness → Interest → Desire → Action"),
        ("Price (P) è Demand (D)", "Price (P) → Demand (D)"),
        ("CRM è loyalty", "CRM → loyalty"),
    ],
)
def test_clean_text__wingdings_e_between_english_phrases_becomes_arrow(text: str, expected: str) -> None:
    assert _clean(text) == expected
    assert _why(text) == ["a lone Wingdings “è” between English words is an arrow"]


@pytest.mark.parametrize("text", ["CRM è CLV", "Q1 è Q2", "Kotler è Keller", "network è\ncomplex"])
def test_clean_text__wingdings_e_without_english_on_both_sides_kept(text: str) -> None:
    """No evidence either way: never fix when in doubt."""
    assert _clean(text) == text


def test_clean_cards__e_kept_when_the_other_field_is_italian() -> None:
    """The words either side read English, but the card is an Italian one."""
    card = _card("Price è Demand", "il prezzo e la domanda")
    assert clean_cards((card,), Context()).cards == (card,)
    english = _card("Price è Demand", "the law of demand")
    assert clean_cards((english,), Context()).cards[0].front == "Price → Demand"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("value –> loyalty", "value → loyalty"),
        ("value–>loyalty", "value→loyalty"),
        ("value -> loyalty", "value → loyalty"),
        ("value --> loyalty", "value → loyalty"),
        ("-> first", "→ first"),
    ],
)
def test_clean_text__typed_arrows_become_arrows(text: str, expected: str) -> None:
    assert _clean(text) == expected


@pytest.mark.parametrize("text", ["ptr->next is a field", "a <-> b", "x<–>y", "x > y - 1"])
def test_clean_text__arrow_lookalikes_kept(text: str) -> None:
    assert _clean(text) == text


def test_clean_text__markdown_code_untouched() -> None:
    text = "a -> b and `c -> d`\n\n```\nx   ->   y\n\n\n\nz\n```\nsee https://example.com/a->b"
    assert _clean(text, Markup.MARKDOWN) == (
        "a → b and `c -> d`\n\n```\nx   ->   y\n\n\n\nz\n```\nsee https://example.com/a->b"
    )


def test_clean_text__html_only_text_outside_tags_changes() -> None:
    text = '<a href="http://x.org/a->b" title="a -> b">a -&gt; b</a> <code>c -&gt; d</code>'
    assert _clean(text, Markup.HTML) == (
        '<a href="http://x.org/a->b" title="a -> b">a → b</a> <code>c -&gt; d</code>'
    )


def test_clean_text__html_no_break_space_kept() -> None:
    assert _clean("a\u00a0b", Markup.HTML) == "a\u00a0b"


# --- bullets and list labels ------------------------------------------------------------------------


def test_clean_text__bullets_become_dash_items() -> None:
    text = "Why?\n· More complexity\n•More social\n  ▪ Omnichannel\n◦ Seamless"
    assert _clean(text) == "Why?\n- More complexity\n- More social\n  - Omnichannel\n- Seamless"


def test_clean_text__bullets_render_as_a_list() -> None:
    assert "<ul><li>More complexity</li><li>More social</li></ul>" in text_to_html(
        _clean("Why?\n· More complexity\n· More social")
    )


def test_clean_text__bullet_glued_after_a_sentence_starts_a_line() -> None:
    assert _clean("Continuous renewal of CE’s.· Seamless relationships\n· Networked") == (
        "Continuous renewal of CE’s.\n- Seamless relationships\n- Networked"
    )


@pytest.mark.parametrize("text", ["·CH3", "Lewis notation:\n·CH3 and ·OH", "· is the middle dot U+00B7"])
def test_clean_text__middle_dot_that_starts_no_list_item_kept(text: str) -> None:
    """The answer "·CH3" (a methyl radical) became "CH3", and "· is the middle dot U+00B7" lost its
    dot: any "·" at a line's start was a bullet, glued to the text or in a one-line field."""
    assert clean_text(text) == (text, [])


def test_text_to_html__middle_dot_is_not_a_list_marker() -> None:
    """Left by the clean stage, a one-line "· is …" still became a one-item list, dot gone."""
    assert text_to_html("· is the middle dot U+00B7") == "· is the middle dot U+00B7"
    assert text_to_html(_clean("Why?\n· More")) == "Why?<ul><li>More</li></ul>"


def test_clean_text__middle_dot_inside_a_line_kept() -> None:
    assert _clean("kg·m/s² and a · b") == "kg·m/s² and a · b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Cultural mindsets toward CE’sa. Experiential response",
            "Cultural mindsets toward CE’s a. Experiential response",
        ),
        ("designing CE’sd. Connectivity of touchpoints", "designing CE’s d. Connectivity of touchpoints"),
        ("the firm'sb. Consistency", "the firm's b. Consistency"),
    ],
)
def test_clean_text__glued_list_label_split(text: str, expected: str) -> None:
    assert _clean(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "brands (e.g. Something else)",
        "that is, i.e. The point",
        "the U.S. Market",
        "cars, trains, etc. The rest",
        "CE’s a. Experiential",
        "it’s a. b",
        "Jones’sz. Zed",
    ],
)
def test_clean_text__abbreviations_are_not_list_labels(text: str) -> None:
    assert _clean(text) == text


def test_clean_text__markdown_keeps_labels_glued() -> None:
    """The label rule is for plain text only; Markdown authors wrote what they meant."""
    assert _clean("CE’sa. Experiential", Markup.MARKDOWN) == "CE’sa. Experiential"


# --- whitespace -------------------------------------------------------------------------------------


def test_clean_text__whitespace_normalized() -> None:
    assert _clean("  a   b \t\n\n\n\n c\u00a0d\u200b  \n") == "a b\n\n c d"


def test_clean_text__indentation_after_the_first_line_kept() -> None:
    """A quoted CSV field "def f(x):\\n    return x" became "def f(x):\\nreturn x" ("whitespace
    normalized"): plain text lost every line's leading spaces."""
    assert clean_text("def f(x):\n    return x") == ("def f(x):\n    return x", [])
    assert _clean("  def f(x):\n\tif x:\n\t\treturn x   \n") == "def f(x):\n    if x:\n        return x"


def test_text_to_html__indentation_kept_as_no_break_spaces() -> None:
    """render stripped every line, so the kept indentation never reached the card."""
    assert text_to_html("def f(x):\n    return x") == "def f(x):<br>&nbsp;&nbsp;&nbsp;&nbsp;return x"
    assert text_to_html("Steps:\n- one\n  more") == "Steps:<ul><li>one</li></ul>&nbsp;&nbsp;more"


def test_clean_text__markdown_indentation_kept() -> None:
    assert _clean("- a\n    - b   c", Markup.MARKDOWN) == "- a\n    - b c"


def test_clean_text__clean_text_unchanged() -> None:
    text = "What is customer engagement (CE)?\n- one\n- two → three"
    assert clean_text(text) == (text, [])


# --- the stage --------------------------------------------------------------------------------------


def _card(front: str, back: str, markup: Markup = Markup.TEXT) -> Card:
    return Card(front, back, SourceRef("f.txt", 3, 4), "test", markup=markup, identity=f"{front}\x1f{back}")


def test_clean_cards__every_change_is_a_finding_with_source_and_before_after() -> None:
    card = _card("a –> b", "· one\n· two")
    result = clean_cards((card,), Context())
    (out,) = result.cards
    assert (out.front, out.back) == ("a → b", "- one\n- two")
    assert out.identity == card.identity
    assert [(f.kind, f.where, f.before, f.after) for f in result.findings] == [
        ("fix", card.source, "a –> b", "a → b"),
        ("fix", card.source, "· one\n· two", "- one\n- two"),
    ]
    assert result.findings[0].message.startswith("front: ")
    assert out.findings == result.findings


def test_clean_cards__clean_cards_pass_through() -> None:
    card = _card("What is CRM?", "An ongoing process")
    result = clean_cards((card,), Context())
    assert result.cards == (card,) and result.findings == ()


# --- properties -------------------------------------------------------------------------------------

_PIECES = [
    *"aAbBsS .\n\t-–><`’'·•▪◦è()&;#/:éÃ©ﬁ\u00a0\u200b\uf0e0\uf0b7\ue000你？１\u3000",
    *["http://x.y/", "e.g. ", "CE’sa. Ex", "```\n", "<b>", "</b>", "&gt;", " -> ", "\n· "],
]
_TRICKY = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(_TRICKY, st.text(max_size=40)), markup=st.sampled_from(list(Markup)))
def test_clean_text__idempotent(text: str, markup: Markup) -> None:
    once = _clean(text, markup)
    assert _clean(once, markup) == once


@settings(max_examples=50, deadline=None)
@given(front=_TRICKY, back=_TRICKY)
def test_clean_cards__stage_idempotent(front: str, back: str) -> None:
    once = clean_cards((_card(front, back),), Context())
    twice = clean_cards(once.cards, Context())
    assert twice.cards == once.cards
    assert twice.findings == ()


def test_clean_text__bullet_before_a_one_line_field_is_dropped() -> None:
    """Quizlet topic labels ("- Cultural mindsets") rendered as a one-item list on the front."""
    text, changes = clean_text("- Cultural mindsets toward CE’s")
    assert text == "Cultural mindsets toward CE’s"
    assert [why for why, _, _ in changes] == ["bullet before a one-line field dropped (a label, not a list)"]


def test_clean_text__bullets_of_a_real_list_stay() -> None:
    assert clean_text("- one\n- two")[0] == "- one\n- two"
    assert clean_text("- one", Markup.MARKDOWN)[0] == "- one"


_ALPHABET = "ab Z.-'’>`@:/\t\n\u00a0•è\uf0e0–sa.&gt;"


@settings(max_examples=200)
@given(
    st.text(alphabet=_ALPHABET, max_size=30)
    | st.text(alphabet=st.characters(max_codepoint=0x7E), max_size=40),
    st.sampled_from(Markup),
)
def test_clean_text__fast_path__agrees_with_every_rule(text: str, markup: Markup) -> None:
    """The one-search fast path may only skip text that no rule would change."""
    assert clean_text(text, markup) == apply_rules(text, markup)


@pytest.mark.parametrize(
    "text", ["a  b", " a", "a ", "- a", "a -> b", "CE'sa. Apple", "x\ty", "a\nb", "caf\u00e9"]
)
def test_clean_text__fast_path__lets_rule_triggers_through(text: str) -> None:
    assert _MAY_CHANGE.search(text)


def test_clean_text__run_of_bullets__one_list_marker() -> None:
    """Each pass turned one bullet of a run into "- ", so five bullets outlasted the pass limit and
    cleaning was not idempotent (found by hypothesis)."""
    assert _clean("•••••a") == "a"  # a one-line field: a label, not a one-item list
    assert _clean("x\n•• y\n• z") == "x\n- y\n- z"
    assert _clean(_clean("•·•·•·a\nb")) == _clean("•·•·•·a\nb")


# --- what Anki sees ---------------------------------------------------------------------------------

#: Correct cards the clean stage used to change: CSV rows, and each field as Anki must show it.
_CORRECT_ROWS = (
    ("lui è medico", "he is a doctor", "lui è medico", "he is a doctor"),
    ("你好吗？", "我很好，谢谢！", "你好吗？", "我很好，谢谢！"),
    (
        '"def f(x):\n    return x"',
        "a function",
        "def f(x):<br>&nbsp;&nbsp;&nbsp;&nbsp;return x",
        "a function",
    ),
    ("Lewis notation for a methyl radical", "·CH3", "Lewis notation for a methyl radical", "·CH3"),
    ("What is ·?", "· is the middle dot U+00B7", "What is ·?", "· is the middle dot U+00B7"),
)


def test_build__correct_cards_reach_anki_as_written(tmp_path: Path, collection: Any) -> None:
    """What a student's Anki imports from a build, field for field: a correct card unchanged (a
    Wingdings arrow between English phrases still repaired)."""
    rows = [*_CORRECT_ROWS, ("Price è Demand", "the law of demand", "Price → Demand", "the law of demand")]
    csv = "front,back\n" + "".join(f"{front},{back}\n" for front, back, _, _ in rows)
    src = write_tree(tmp_path / "src", {"cards.csv": csv}, deck_toml='[collection]\nname = "Clean"\n')
    build(src, tmp_path / "out", write_ledger=False)
    import_into(collection, tmp_path / "out" / "Clean.apkg")
    notes = [collection.get_note(nid) for nid in collection.find_notes("")]
    seen = {(note["Front"], note["Back"]) for note in notes}
    assert seen == {(front, back) for _, _, front, back in rows}


def test_clean_text__every_arrow_on_a_long_line_is_read_from_its_neighbours() -> None:
    """Each lone "è" searched its whole line for the word before it: 60,000 characters took 6 s.
    Only the few characters either side are read now, with the same answers."""
    text = clean_text("Price è Demand " * 300)[0]
    assert text.count("→") == 300 and "è" not in text
