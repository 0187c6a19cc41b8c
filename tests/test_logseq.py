"""Logseq pages with #card blocks."""

from __future__ import annotations

from genanki_build.formats import ParseOptions, default_registry, logseq
from genanki_build.model import ParseResult
from tests.accounting import assert_all_lines_accounted


def _parse(text: str, *, share: bool = False) -> ParseResult:
    result = logseq.parse(text, "pages/p.md", ParseOptions())
    assert_all_lines_accounted(text, "pages/p.md", result, cards_may_share_lines=share)
    return result


def test_detect__outline_without_card_tags_is_not_logseq() -> None:
    assert logseq.detect("- one\n- two\n\t- three\n") == 0.0


def test_detect__card_tag_picks_logseq() -> None:
    text = "- What is a gene? #card\n\t- A unit of heredity\n- note\n"
    assert default_registry().sniff(text)[0].name == "logseq"


def test_parse__card_tag_in_brackets_and_any_case() -> None:
    result = _parse("- Gene? #[[card]]\n\t- unit\n- Allele? #Card\n\t- variant\n")
    assert [c.front for c in result.cards] == ["Gene?", "Allele?"]


def test_parse__hashtag_cards_prefix_is_not_card() -> None:
    result = _parse("- Gene? #cardiology\n\t- unit\n")
    assert result.cards == ()


def test_parse__nested_card_inside_an_answer_is_a_card_too() -> None:
    text = "- Cell parts #card\n\t- nucleus\n\t- What does it hold? #card\n\t\t- DNA\n"
    result = _parse(text, share=True)
    assert [(c.front, c.source.first, c.source.last) for c in result.cards] == [
        ("Cell parts", 1, 4),
        ("What does it hold?", 3, 4),
    ]
    assert result.cards[0].back == "- nucleus\n- What does it hold? #card\n  - DNA"


def test_parse__block_properties_stripped_and_reported() -> None:
    result = _parse("- Q? #card\n  card-ease-factor:: 2.5\n\t- A\n")
    assert result.cards[0].back == "A"
    assert any(f.kind == "fix" and "block property" in f.message for f in result.findings)


def test_parse__card_without_children_is_skipped() -> None:
    result = _parse("- A question nobody answered? #card\n")
    assert result.cards == ()
    assert result.findings[0].message == "#card block without a question or an answer"


def test_parse__space_indented_outline() -> None:
    result = _parse("- Q? #card\n  - first\n    - deeper\n  - second\n")
    assert result.cards[0].back == "- first\n  - deeper\n- second"


def test_parse__continuation_lines_keep_code_indentation() -> None:
    text = "- Show a loop #card\n\t- ```python\n\t  for x in xs:\n\t      print(x)\n\t  ```\n"
    result = _parse(text)
    assert result.cards[0].back == "```python\nfor x in xs:\n    print(x)\n```"
