"""The Markdown format written for this tool, and the helpers the Markdown family shares."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.formats import ParseOptions, default_registry, markdown
from genanki_build.formats import _markdown_common as md
from genanki_build.model import Markup, NoteType, ParseResult
from genanki_build.render import to_html
from tests.accounting import assert_all_lines_accounted

OPTIONS = ParseOptions()
_MINE = ["markdown", "obsidian", "obsidian-to-anki", "logseq", "qa-lines"]


def _parse(text: str) -> ParseResult:
    result = markdown.parse(text, "notes.md", OPTIONS)
    assert_all_lines_accounted(text, "notes.md", result)
    return result


def test_detect__heading_questions_picked_over_other_formats() -> None:
    text = "# Deck\n\n## What is a cell?\n\nThe unit of life.\n\n## What is DNA?\n\nThe genome.\n"
    fmt, score = default_registry().sniff(text)
    assert fmt.name == "markdown"
    assert score >= 0.7


def test_detect__plain_text_without_markdown_structure_scores_zero() -> None:
    assert markdown.detect("Photosynthesis\nmaking sugar from light\nOsmosis\nwater moving\n") == 0.0


def test_detect__scheduling_comments_leave_the_file_to_obsidian() -> None:
    text = "# Deck\n\nWhat is ==ATP==? <!--SR:!2024-01-01,3,250-->\n\nThe ==cell== divides.\n"
    assert default_registry().sniff(text)[0].name == "obsidian"


def test_parse__h1_names_the_lecture_and_wins_over_front_matter() -> None:
    text = "---\ndeck: Biology\n---\n\n## Before any heading?\n\nYes.\n\n# Week 2\n\n## After it?\n\nNo.\n"
    result = _parse(text)
    assert [c.title for c in result.cards] == ["Biology", "Week 2"]
    assert result.title == "Biology"


def test_parse__front_matter_tags_as_a_string() -> None:
    result = _parse("---\ntags: exam, unit/one\n---\n## Q?\n\nA.\n")
    assert result.cards[0].tags == ("exam", "unit::one")


def test_parse__invalid_front_matter_is_reported_not_fatal() -> None:
    result = _parse("---\ndeck: [unclosed\n---\n## Q?\n\nA.\n")
    assert len(result.cards) == 1
    reasons = {f.message for f in result.findings if f.kind == "skipped"}
    assert "front matter that is not valid YAML" in reasons


def test_parse__section_heading_with_only_cloze_paragraphs_gives_context() -> None:
    text = "## Enzymes\n\nAmylase breaks down ==starch==.\n\nPepsin works in the ==stomach==.\n"
    result = _parse(text)
    assert [c.note_type for c in result.cards] == [NoteType.CLOZE, NoteType.CLOZE]
    assert [c.back for c in result.cards] == ["Enzymes", "Enzymes"]
    assert result.cards[0].front == "Amylase breaks down {{c1::starch}}."


def test_parse__highlights_number_after_existing_clozes() -> None:
    result = _parse("{{c1::Mitosis}} makes ==two== cells, {{c2::meiosis}} ==four==.\n")
    assert result.cards[0].front == "{{c1::Mitosis}} makes {{c3::two}} cells, {{c2::meiosis}} {{c4::four}}."


def test_parse__comparison_in_code_is_not_a_cloze() -> None:
    result = _parse("Some prose with `a == b` in it.\n")
    assert result.cards == ()


def test_parse__heading_without_text_below_is_skipped() -> None:
    result = _parse("## Lonely heading?\n")
    assert result.cards == ()
    assert result.findings[0].message == "section heading"


def test_parse__html_comment_removed_and_reported() -> None:
    result = _parse("## Q?\n\nAnswer <!-- todo: check -->\n")
    assert result.cards[0].back == "Answer"
    fixes = [f for f in result.findings if f.kind == "fix"]
    assert fixes and "HTML comment" in fixes[0].message


def test_parse__cards_are_markdown() -> None:
    result = _parse("Q: What is 2+2?\nA: 4\n")
    assert result.cards[0].markup is Markup.MARKDOWN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[Page|shown]]", "shown"),
        ("[[Page#Section]]", "Section"),
        ("[[general_purpose_language]]", "general purpose language"),
        ("[a page](../notes/a%20page.md)", "a page"),
        ("[site](https://example.org)", "[site](https://example.org)"),
        ("![[diagram.png]]", "![[diagram.png]]"),
        ("![x](img/x.png){:height 10, :width 20}", "![x](img/x.png)"),
        ("[unit](../pascal%20(unit).md)", "unit"),
        ("N/m<sup>2</sup>, H<sub>2</sub>O", "N/m², H₂O"),
        ("one<br>two<br/>three", "one\ntwo\nthree"),
        ("<sup>note</sup>", "<sup>note</sup>"),
    ],
)
def test_clean_field__links(text: str, expected: str) -> None:
    assert md.clean_field(text).text == expected


def test_fence_mask__one_line_backtick_code_is_no_fence() -> None:
    lines = ["```c int x; ```", "text", "```c", "", "```"]
    assert md.fence_mask(lines) == [False, False, True, True, True]


def test_render__markdown_answer_keeps_fences_lists_and_math() -> None:
    result = _parse("## Q?\n\n- $x^2$ grows\n- costs $5 and $10\n\n```\na == b\n```\n")
    html = to_html(result.cards[0].back, Markup.MARKDOWN)
    assert "<li>\\(x^2\\) grows</li>" in html
    assert "<li>costs $5 and $10</li>" in html
    assert "<pre><code>a == b\n</code></pre>" in html


def test_render__double_dollar_math_inside_a_cloze() -> None:
    """Regression: "$$…$$" inside a paragraph rendered as "$\\(…\\)$"."""
    html = to_html("Energy is\n{{c1::$$E = mc^2$$}}", Markup.MARKDOWN)
    assert "{{c1::\\[E = mc^2\\]}}" in html


def test_readme__markdown_cards_example_parses_as_documented() -> None:
    """The README's "Markdown cards" example makes the five cards its text promises."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Markdown cards", 1)[1]
    example = section.split("````markdown\n", 1)[1].split("\n````", 1)[0] + "\n"
    fmt, _ = default_registry().sniff(example)
    assert fmt.name == "markdown"
    result = _parse(example)
    assert [c.note_type for c in result.cards] == [NoteType.BASIC] * 4 + [NoteType.CLOZE]
    assert {c.title for c in result.cards} == {"Organelles"}
    assert {c.tags for c in result.cards} == {("biology", "week-2")}
    assert result.cards[3].back == "```python\ncount = len(ribosomes)\n```"
    assert result.cards[4].back == "Membranes"
    assert [f.message for f in result.findings if f.kind == "skipped"][-1] == "prose between cards"


_PIECES = [
    "",
    "# Deck",
    "## Question?",
    "Q: a question",
    "A: an answer",
    "Multiple answers:",
    "\t- item",
    "- bullet #card",
    "\t- child",
    "-",
    "?",
    "??",
    '<br class="f">',
    "term::definition",
    "term ::@:: definition",
    "a ==cloze== line",
    "{{c1::x}} y",
    "```",
    "```python",
    "~~~",
    "---",
    "deck: x",
    "<!--SR:!2024-01-01,1,250-->",
    "<!--ID: 1-->",
    "START",
    "Basic",
    "Back: b",
    "END",
    "TARGET DECK",
    "title:: Page",
    "  indented text",
    "plain prose line.",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30), st.sampled_from(_MINE))
def test_parse__any_mix_of_markup_accounts_for_every_line(pieces: list[str], name: str) -> None:
    """Whatever the lines, no family parser crashes or loses a line."""
    text = "\n".join(pieces)
    fmt = default_registry().get(name)
    result = fmt.parse(text, "x.md", OPTIONS)
    assert_all_lines_accounted(text, "x.md", result, cards_may_share_lines=name == "logseq")
    assert all(c.front.strip() for c in result.cards)


@pytest.mark.parametrize("label", ["Q:", "**Q:**", "**Q**:", "__Q:__"])
def test_parse__question_labels_may_be_bold(label: str) -> None:
    answer_label = label.replace("Q", "A")
    result = _parse(f"{label} What is 2+2?\n{answer_label} 4\n")
    assert [(c.front, c.back) for c in result.cards] == [("What is 2+2?", "4")]


def test_detect__article_with_long_sections_is_not_a_card_set() -> None:
    paragraph = "This sentence is part of a long article about cells and their parts. " * 12
    text = f"# Cells\n\n## Introduction\n\n{paragraph}\n\n{paragraph}\n\n## History\n\n{paragraph}\n"
    assert markdown.detect(text) < 0.2


def test_detect__term_headings_with_short_definitions_are_cards() -> None:
    text = "## Osmosis\n\nWater crossing a membrane.\n\n## Diffusion\n\nParticles spreading out.\n"
    assert default_registry().sniff(text)[0].name == "markdown"


def test_detect__large_outline_is_sniffed() -> None:
    """Regression: a ``==`` that could not close made every later ``==`` rescan the paragraph;
    a 2000-line outline took seconds to sniff."""
    text = "\n".join(f"- term {i} ::@:: def {i} `x` ==y" for i in range(4000))
    for fmt in default_registry():
        fmt.detect(text)


@pytest.mark.parametrize(
    "code",
    [
        "`if [[ -f x ]]; then`",
        "`fns[0](arg)`",
        "```bash\nif [[ -f x ]]; then echo; fi\nfns[0](arg) <!-- kept --> <br>\n```",
    ],
)
def test_clean_field__code_is_never_touched(code: str) -> None:
    """Regression: wikilink and link clean-up rewrote ``[[ … ]]`` and ``a[0](b)`` inside code."""
    cleaned = md.clean_field(f"Before [[Page]]\n{code}")
    assert cleaned.text == f"Before Page\n{code}"
    assert cleaned.changes == ("unwrapped 1 wikilink",)


def test_highlights_to_cloze__not_inside_a_fence() -> None:
    text = "Equality is ==symmetric==:\n```\nx==y==z\n```"
    assert md.highlights_to_cloze(text) == ("Equality is {{c1::symmetric}}:\n```\nx==y==z\n```", 1)


def test_parse__card_marker_tags_on_question_headings() -> None:
    text = "# Biology #flashcards\n\n## What is ATP? #card #energy\n\nThe cell's energy currency.\n"
    result = _parse(text)
    assert [(c.front, c.tags, c.title) for c in result.cards] == [("What is ATP?", ("energy",), "Biology")]
    assert markdown.detect(text) >= 0.8


def test_parse__a_question_heading_then_qa_cards_gives_every_card() -> None:
    """A `## Question` whose answer was followed by `Q:`/`A:` cards became a section title: its
    card was lost, its answer reported as "prose between cards"."""
    text = (
        "## What does the mitochondrion make?\n\nATP, by oxidative phosphorylation.\n\n"
        "Q: Which lipid makes membranes fluid?\nA: Cholesterol.\n\n"
        "## Membranes\n\nQ: What crosses freely?\nA: Water.\n"
    )
    result = markdown.parse(text, "bio.md", ParseOptions())
    assert [(c.front, c.back) for c in result.cards] == [
        ("What does the mitochondrion make?", "ATP, by oxidative phosphorylation."),
        ("Which lipid makes membranes fluid?", "Cholesterol."),
        ("What crosses freely?", "Water."),
    ]
    assert [f.message for f in result.findings if f.kind == "skipped"] == ["section heading"]


def test_parse__cloze_paragraphs_under_a_heading_are_cloze_cards() -> None:
    """Cloze paragraphs followed by Q:/A: cards under a heading, or after a question heading's
    answer, became the back of a Basic card, raw {{c1::…}} and ==…== shown to students."""
    text = (
        "## Kinds of bonds\n\nThe {{c1::covalent}} bond shares electrons.\n\nThe {{c1::ionic}} bond transfers them.\n\n"
        "Q: What is a bond?\nA: A link.\n\n"
        "## What does this picture show?\n\nA *eukaryotic* cell.\n\nThe {{c1::ribosome::organelle}} reads ==mRNA==.\n"
    )
    result = markdown.parse(text, "bio.md", ParseOptions())
    assert [(c.note_type, c.front, c.back) for c in result.cards] == [
        (NoteType.CLOZE, "The {{c1::covalent}} bond shares electrons.", "Kinds of bonds"),
        (NoteType.CLOZE, "The {{c1::ionic}} bond transfers them.", "Kinds of bonds"),
        (NoteType.BASIC, "What is a bond?", "A link."),
        (NoteType.BASIC, "What does this picture show?", "A *eukaryotic* cell."),
        (NoteType.CLOZE, "The {{c1::ribosome::organelle}} reads {{c2::mRNA}}.", ""),  # the section ended
    ]


@pytest.mark.parametrize(
    "answer", ['```python\nprint("hi")\n```', "- prokaryotic\n- eukaryotic", "By printing it."]
)
def test_detect__one_question_heading_with_a_short_answer_is_a_card(answer: str) -> None:
    """A file of one `## Question?` whose answer was a list or a code block was "not a format
    genanki-build recognises": its card was lost."""
    text = f"## How do you show it?\n\n{answer}\n"
    fmt, _ = default_registry().sniff(text)
    assert fmt.name == "markdown"
    assert [c.front for c in markdown.parse(text, "one.md", ParseOptions()).cards] == ["How do you show it?"]
    # An article with one question among long sections is still not a card file.
    article = "## Why does it matter?\n\n" + "Long prose about many things. " * 40 + "\n"
    assert markdown.detect(article) < 0.2


def test_parse__a_deeper_heading_over_a_cloze_heads_the_cloze_not_the_answer_above() -> None:
    """A `### Detail` over a cloze paragraph was left at the end of the answer above."""
    text = "## What are the stages of mitosis?\nThe cell divides.\n\n### Detail\n\nThe {{c1::prophase}} comes first.\n"
    result = markdown.parse(text, "bio.md", ParseOptions())
    assert [(c.front, c.back) for c in result.cards] == [
        ("What are the stages of mitosis?", "The cell divides."),
        ("The {{c1::prophase}} comes first.", "Detail"),
    ]
