"""The cloze stage: which cards become cloze notes, what the cloze text is, and what Anki makes of it."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genanki_build.build import build
from genanki_build.check import import_into
from genanki_build.cloze import cloze_for, is_term, make_cloze
from genanki_build.cloze_lists import split_list
from genanki_build.config import Config
from genanki_build.model import Card, Markup, NoteType, SourceRef
from genanki_build.stage import Context
from tests.conftest import SOURCE, write_tree


def _card(front: str, back: str, **kw: Any) -> Card:
    return Card(front, back, SourceRef("f.txt", 3, 4), "quizlet-page", **kw)


def _text(front: str, back: str) -> str | None:
    made = cloze_for(_card(front, back))
    return made[0] if made else None


# --- enumerations -----------------------------------------------------------------------------


def test_cloze__inline_lettered_list_named_by_its_count() -> None:
    text = _text(
        "Cultural mindsets toward CE’s 3 orientations",
        "a. Experiential response orientation b. Touchpoint journey orientation c. Alliance orientation",
    )
    assert text == (
        "Cultural mindsets toward CE’s 3 orientations\n"
        "a. {{c1::Experiential response orientation}} b. {{c2::Touchpoint journey orientation}} "
        "c. {{c3::Alliance orientation}}"
    )


def test_cloze__a_bullet_before_the_question_is_dropped() -> None:
    """A question copied with a list marker ("- Cultural mindsets …") rendered as the list's first item."""
    text = _text("- Cultural mindsets 3 orientations", "a. One b. Two c. Three")
    assert text == "Cultural mindsets 3 orientations\na. {{c1::One}} b. {{c2::Two}} c. {{c3::Three}}"


def test_cloze__lettered_lines_named_by_count_and_noun() -> None:
    text = _text(
        "Strategic directions 4 ways of designing",
        "a. Thematic cohesion\nb. Consistency\nc. Context sensitivity\nd. Connectivity",
    )
    assert text == (
        "Strategic directions 4 ways of designing\na. {{c1::Thematic cohesion}}\nb. {{c2::Consistency}}\n"
        "c. {{c3::Context sensitivity}}\nd. {{c4::Connectivity}}"
    )


def test_cloze__bullet_list_with_bulletless_last_line_named_by_noun() -> None:
    """Web copies drop the bullet of a list's last line; it is still the last item."""
    text = _text(
        "Evolution of online CRM",
        "· Seamless relationships\n· Networked relationships\nAnthropomorphized relationships",
    )
    assert text == (
        "Evolution of online CRM\n· {{c1::Seamless relationships}}\n· {{c2::Networked relationships}}\n"
        "· {{c3::Anthropomorphized relationships}}"
    )


def test_cloze__long_trailing_line_goes_to_back_extra() -> None:
    made = cloze_for(
        _card(
            "Three stages of the funnel",
            "- Awareness\n- Consideration\n- Purchase\n"
            "Each of these stages is measured separately by most firms, and the budget follows the "
            "measurements that were taken in the previous year.",
        )
    )
    assert made is not None
    text, extra, _ = made
    assert text.count("{{c") == 3
    assert extra.startswith("Each of these stages")


def test_cloze__comma_list_only_when_the_count_matches() -> None:
    assert _text("Which 4 touchpoints?", "Brand-owned, partner-owned, customer-owned, social/external") == (
        "Which 4 touchpoints?\n{{c1::Brand-owned}}, {{c2::partner-owned}}, {{c3::customer-owned}}, "
        "{{c4::social/external}}"
    )
    assert (
        _text("Which 3 touchpoints?", "Brand-owned, partner-owned, customer-owned, social/external") is None
    )
    assert _text("Which touchpoints matter?", "Brand-owned, partner-owned, customer-owned") is None


def test_cloze__numbered_lines_keep_their_labels_and_punctuation_outside() -> None:
    assert _text("The 4 Ps of marketing are:", "1. Product.\n2. Price\n3. Place\n4. Promotion") == (
        "The 4 Ps of marketing are:\n1. {{c1::Product}}.\n2. {{c2::Price}}\n3. {{c3::Place}}\n"
        "4. {{c4::Promotion}}"
    )


@pytest.mark.parametrize(
    ("front", "back"),
    [
        pytest.param("What is CRM?", "- a process\n- a strategy", id="what-is-definition"),
        pytest.param("Definition of customer value", "a. benefits\nb. costs", id="definition-of"),
        pytest.param("Describe CRM as a process", "· one\n· two", id="describe"),
        pytest.param(
            "Examples of loyalty tools",
            "- Many companies offer frequency marketing programs that reward customers who buy "
            "frequently or in large amounts of goods\n- Loyalty rewards",
            id="long-items-are-explanations",
        ),
        pytest.param(
            "What are the two extremes of a customer relationship?",
            "At one extreme, basic relationships.\nAt the other extreme, full partnerships.\n"
            "In between, other levels.",
            id="sentences-not-a-list",
        ),
        pytest.param(
            "Omnichannel relationships", "· Customers differ\n· Channels interact", id="no-list-noun"
        ),
        pytest.param("The 3 stages of CE", "· Awareness\n· Interest", id="count-mismatch"),
        pytest.param("Customer experience", "The evolvement of a person's responses", id="term"),
        pytest.param("Which strategies?", "· Task based::hint\n· Experiential", id="item-with-colons"),
    ],
)
def test_cloze__stays_basic(front: str, back: str) -> None:
    assert cloze_for(_card(front, back)) is None


@pytest.mark.parametrize(
    ("front", "back"),
    [
        pytest.param("Do 2 parallel lines ever meet?", "No, never", id="do"),
        pytest.param("Are the 2 kidneys identical in size?", "no, the left is usually larger", id="are"),
        pytest.param("Is a < b when a = 1 and b = 2?", "Yes, 1 < 2 holds.", id="is-with-equations"),
        pytest.param(
            "See the figure. Are the 2 kidneys\nidentical in size?",
            "No, the left is larger",
            id="wrapped-last-sentence",
        ),
    ],
)
def test_enumeration__yes_no_question_with_a_number_stays_basic(front: str, back: str) -> None:
    """Any number in a yes/no question was read as the answer's item count: "Do 2 parallel lines
    ever meet?" / "No, never" became the cloze "{{c1::No}}, {{c2::never}}"."""
    assert cloze_for(_card(front, back)) is None


@pytest.mark.parametrize(
    ("front", "back"),
    [
        pytest.param("What does sorted([3, 1, 2]) return?", "[1, 2, 3]", id="numbers-in-code"),
        pytest.param(
            "it takes two to tango", "Actions or communications need more than one person", id="idiom"
        ),
        pytest.param(
            "2. Patella", "the kneecap; a sesamoid bone in the tendon of the quadriceps", id="card-number"
        ),
    ],
)
def test_enumeration__a_number_that_counts_no_word_is_not_a_count(front: str, back: str) -> None:
    """A number that counts nothing (in code, before "to", a card's own number) was taken as the
    item count, and a two- or three-part answer became a cloze of its comma-separated pieces."""
    assert cloze_for(_card(front, back)) is None


@pytest.mark.parametrize(
    ("front", "back", "expected"),
    [
        pytest.param(
            "Name the 3 types of muscle",
            "skeletal, cardiac, smooth",
            "Name the 3 types of muscle\n{{c1::skeletal}}, {{c2::cardiac}}, {{c3::smooth}}",
            id="name-the-3",
        ),
        pytest.param(
            "Can you name the 3 types of muscle?",
            "skeletal, cardiac, smooth",
            "Can you name the 3 types of muscle?\n{{c1::skeletal}}, {{c2::cardiac}}, {{c3::smooth}}",
            id="request-not-yes-no",
        ),
        pytest.param(
            "Noble gases; name two",
            "Helium\nNeon",
            "Noble gases; name two\n{{c1::Helium}}\n{{c2::Neon}}",
            id="name-two",
        ),
        pytest.param(
            "What are the 4 chambers of the heart?",
            "left atrium, right atrium, left ventricle, right ventricle",
            "What are the 4 chambers of the heart?\n{{c1::left atrium}}, {{c2::right atrium}}, "
            "{{c3::left ventricle}}, {{c4::right ventricle}}",
            id="what-are-the-4",
        ),
        pytest.param(
            "Which 2 are noble gases?",
            "helium, neon",
            "Which 2 are noble gases?\n{{c1::helium}}, {{c2::neon}}",
            id="which-2-are",
        ),
    ],
)
def test_enumeration__a_count_of_what_the_question_asks_for_still_converts(
    front: str, back: str, expected: str
) -> None:
    assert _text(front, back) == expected


def test_cloze__declared_note_type_stays_basic() -> None:
    """A Basic note from an Anki export (its own GUID, or an anki-text/anki-package file) became a
    cloze note: a changed note type breaks every student's copy of it on re-import."""
    front, back = "Name the 3 types of muscle", "skeletal, cardiac, smooth"
    assert cloze_for(_card(front, back)) is not None  # the same card from another format converts
    assert cloze_for(_card(front, back, guid="k9xLm2xQ", guid_given=True)) is None
    for fmt in ("anki-text", "anki-package"):
        assert cloze_for(Card(front, back, SourceRef("f.txt", 3, 3), fmt)) is None


def test_cloze__a_card_whose_source_asks_for_its_reverse_stays_basic() -> None:
    """Obsidian's `??` asked for a reversed pair; a list answer made it a cloze with no reverse."""
    front, back = "Name the two noble gases of the first two periods", "- Helium\n- Neon"
    assert cloze_for(_card(front, back)) is not None
    assert cloze_for(replace(_card(front, back), flags=frozenset({"reverse"}))) is None


def test_cloze__anki_text_export_with_guids_keeps_its_basic_notes(tmp_path: Path) -> None:
    """The build turned "Is 2 < 3?" / "yes & sure" from an export with a GUID column into a cloze."""
    export = "#separator:tab\n#html:false\n#guid column:1\nk9xLm2xQ\tIs 2 < 3?\tyes & sure\n"
    src = write_tree(tmp_path / "src", {"export.txt": export}, '[collection]\nname = "Test"\n')
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    assert [(c.note_type, c.guid) for c in result.cards] == [(NoteType.BASIC, "k9xLm2xQ")]


# --- fill in the blank and completions --------------------------------------------------------


def test_cloze__underscore_blank_is_filled() -> None:
    assert _text("The capital of France is ___.", "Paris") == "The capital of France is {{c1::Paris}}."


def test_cloze__multiple_choice_blank_stays_basic() -> None:
    """A blank in a question that lists its options was clozed with the chosen option's text,
    which then also stood among the visible options."""
    question = "Alfalfa can yield up to ____ tons/acre.\na. 2\nb. 4\nc. 6"
    assert _text(question, "c. 6") is None


def test_cloze__ellipsis_blank_mid_sentence_drops_the_answers_full_stop() -> None:
    assert _text("Loyalty … profitability", "drives.") == "Loyalty {{c1::drives}} profitability"


def test_cloze__ellipsis_before_a_question_is_not_a_blank() -> None:
    assert _text("All lead up to the fourth step…\nWhat is it?", "Engaging customers.") is None


@pytest.mark.parametrize(
    ("front", "back"),
    [
        pytest.param(
            "We shall fight on the beaches [...] we shall never surrender", "Winston Churchill", id="brackets"
        ),
        pytest.param(
            "Art. 5 GDPR: personal data shall be processed lawfully, fairly [...]",
            "Principle of lawfulness",
            id="brackets-at-end",
        ),
        pytest.param("To be or not to be […] that is the question", "Hamlet", id="brackets-ellipsis-char"),
        pytest.param(
            "Section 1 Theft Act 1968: a person is guilty of theft if he dishonestly appropriates property "
            "belonging to another ...",
            "Definition of theft",
            id="trailing-off",
        ),
        pytest.param('"To be or not to be … that is the question"', "Hamlet", id="inside-quotation-marks"),
    ],
)
def test_blank__omission_marks_are_not_blanks(front: str, back: str) -> None:
    """An ellipsis marking words left out of a quotation, or a sentence trailing off, was filled
    with the answer: "…beaches [{{c1::Winston Churchill}}] we shall…"."""
    assert cloze_for(_card(front, back)) is None


@pytest.mark.parametrize(
    ("front", "back", "expected"),
    [
        pytest.param(
            "The ____ is the powerhouse of the cell",
            "mitochondrion",
            "The {{c1::mitochondrion}} is the powerhouse of the cell",
            id="mid-sentence-underscores",
        ),
        pytest.param(
            "The powerhouse of the cell is the …",
            "mitochondrion",
            "The powerhouse of the cell is the {{c1::mitochondrion}}",
            id="ellipsis-after-dangling-word",
        ),
        pytest.param(
            "The heart has ( ) chambers.", "four", "The heart has {{c1::four}} chambers.", id="parentheses"
        ),
        pytest.param(
            "To be or not to be [...] that is the ____",
            "question",
            "To be or not to be [...] that is the {{c1::question}}",
            id="omission-beside-a-blank",
        ),
    ],
)
def test_blank__real_blanks_are_filled(front: str, back: str, expected: str) -> None:
    assert _text(front, back) == expected


def test_blank__task_box_is_not_a_blank() -> None:
    assert _text("Before the exam:\n- [ ] revise the Krebs cycle", "done") is None


@pytest.mark.parametrize(
    "front",
    [
        pytest.param("The powerhouse of the cell is the ____", id="underscores"),
        pytest.param("The powerhouse of the cell is the [ ]", id="brackets"),
    ],
)
def test_blank__trailing_blank_is_replaced(front: str) -> None:
    """A blank at the end of the question was read as a completion: the blank stayed and the cloze
    followed it ("…is the ____ {{c1::mitochondrion}}")."""
    assert _text(front, "mitochondrion") == "The powerhouse of the cell is the {{c1::mitochondrion}}"


@pytest.mark.parametrize(
    ("front", "back"),
    [pytest.param("A", "adenine", id="lone-letter"), pytest.param("Vitamin A", "retinol", id="name-letter")],
)
def test_completion__a_capital_letter_is_not_an_article(front: str, back: str) -> None:
    """A one-letter front "A" was read as the article of an unfinished sentence: "A {{c1::adenine}}"."""
    assert cloze_for(_card(front, back)) is None


def test_completion__a_sentence_start_still_completes() -> None:
    assert _text("DNA is", "deoxyribonucleic acid") == "DNA is {{c1::deoxyribonucleic acid}}"
    assert _text("The mitochondrion makes a", "lot of ATP") == "The mitochondrion makes a {{c1::lot of ATP}}"


def test_cloze__completion_resolves_the_repeated_word_and_numbered_items() -> None:
    text = _text(
        "CEM is an approach that entails three main categories: a",
        "a firm’s (1) cultural mindsets, (2) strategic directions, and (3) capabilities.",
    )
    assert text == (
        "CEM is an approach that entails three main categories: a firm’s (1) {{c1::cultural mindsets}}, "
        "(2) {{c2::strategic directions}}, and (3) {{c3::capabilities}}."
    )


def test_cloze__completion_without_items_is_one_deletion() -> None:
    assert _text("Customer engagement is driven by", "trust and satisfaction.") == (
        "Customer engagement is driven by {{c1::trust and satisfaction}}."
    )


def test_cloze__completion_too_long_stays_basic() -> None:
    assert _text("The purpose of marketing is to", " ".join(["word"] * 45)) is None


# --- explicit cloze, markup, reverse, the stage ---------------------------------------------


def test_cloze__explicit_cloze_kept_as_is_with_hint() -> None:
    card = _card("The {{c1::heart::organ}} pumps {{c2::blood}}", "", note_type=NoteType.CLOZE)
    result = make_cloze((card,), Context())
    assert result.cards == (card,)
    assert result.findings == ()


def test_cloze__html_cards_are_left_alone() -> None:
    card = _card("Evolution of CRM", "<ul><li>a one</li><li>b two</li></ul>", markup=Markup.HTML)
    assert cloze_for(card) is None


def test_make_cloze__records_a_finding_with_where_and_before_after() -> None:
    card = _card("Evolution of online CRM", "· Seamless\n· Networked")
    result = make_cloze((card,), Context())
    (out,) = result.cards
    assert out.note_type is NoteType.CLOZE and out.back == ""
    (finding,) = result.findings
    assert finding.kind == "cloze" and finding.where == card.source
    assert finding.before == "Evolution of online CRM\n· Seamless\n· Networked"
    assert finding.after == out.front
    assert out.findings == (finding,)


def test_split_list__no_list_in_prose() -> None:
    assert split_list("Customers now interact with firms through myriad touch points.") is None


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("Customer experience", True),
        ("Meta-analytic model", True),
        ("What is CRM?", False),
        ("Describe CRM as strategy", False),
        ("Three main categories:", False),
        ("The overall process of building and maintaining profitable customer relationships", False),
    ],
)
def test_is_term__short_fronts_without_question(front: str, expected: bool) -> None:
    assert is_term(_card(front, "an answer")) is expected


def test_make_cloze__reverse_flag_only_when_enabled_and_only_for_terms() -> None:
    cards = (_card("Customer experience", "a construct"), _card("What is CRM?", "a process"))
    off = make_cloze(cards, Context())
    assert all("reverse" not in c.flags for c in off.cards)
    on = make_cloze(cards, Context(config=Config(reverse=True)))
    assert ["reverse" in c.flags for c in on.cards] == [True, False]
    assert on.cards[0].status == "ok"


_LINES = st.sampled_from(
    [
        "· Seamless relationships",
        "- Networked relationships",
        "a. Thematic cohesion",
        "b. Consistency",
        "1. Product",
        "2. Price",
        "Anthropomorphized relationships",
        "a. One b. Two c. Three",
        "a firm’s (1) mindsets, (2) directions, and (3) capabilities.",
        "Brand-owned, partner-owned, customer-owned",
        "A long explanation that goes on and on about customers and firms and their many relations.",
    ]
)
_FRONTS = st.sampled_from(
    [
        "Evolution of online CRM",
        "Which 3 types?",
        "4 ways of designing",
        "The capital is ___",
        "It entails three categories: a",
        "What is CRM?",
        "Customer experience",
        "Which two strategies?",
    ]
)


@settings(max_examples=150, deadline=None)
@given(front=_FRONTS, lines=st.lists(_LINES, min_size=1, max_size=5), reverse=st.booleans())
def test_make_cloze__is_idempotent(front: str, lines: list[str], reverse: bool) -> None:
    context = Context(config=Config(reverse=reverse))
    once = make_cloze((_card(front, "\n".join(lines)),), context).cards
    twice = make_cloze(once, context)
    assert twice.cards == once
    assert twice.findings == ()


# --- Anki judges ------------------------------------------------------------------------------

_BRAINSCAPE = """L3: Relationships Flashcards
1
Q
Evolution of online CRM
A
· Seamless relationships
· Networked relationships
· Omnichannel relationships
Personalized relationships
2
Q
Cultural mindsets toward CE’s 3 orientations
A
a. Experiential response orientation b. Touchpoint journey orientation c. Alliance orientation
3
Q
What is CRM?
A
An ongoing process of building customer relationships.
4
Q
Customer experience
A
A multidimensional construct of a customer's responses.
"""


def _build(tmp_path: Path, reverse: bool) -> Path:
    toml = f'[collection]\nname = "Test"\n[options]\nreverse = {str(reverse).lower()}\n'
    src = write_tree(tmp_path / "src", {"deck.txt": _BRAINSCAPE}, toml)
    build(src, tmp_path / "out", timestamp=1_700_000_000)
    return tmp_path / "out" / "Test.apkg"


def _cards_per_note(col: Any) -> dict[str, int]:
    out = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        out[note.fields[0].split("<")[0].split("\n")[0]] = len(note.card_ids())
    return out


def test_cloze__anki_renders_one_card_per_item(tmp_path: Path, collection: Any) -> None:
    import_into(collection, _build(tmp_path, reverse=False))
    per_note = _cards_per_note(collection)
    assert per_note == {
        "Evolution of online CRM": 4,
        "Cultural mindsets toward CE’s 3 orientations": 3,
        "What is CRM?": 1,
        "Customer experience": 1,
    }
    (cid,) = collection.find_cards('"Text:Evolution*" card:2')
    question = collection.get_card(cid).question()
    assert "Seamless relationships" in question and "Networked relationships" not in question


def test_reverse__anki_adds_a_reversed_card_to_terms_only_when_enabled(
    tmp_path: Path, collection: Any
) -> None:
    import_into(collection, _build(tmp_path, reverse=True))
    per_note = _cards_per_note(collection)
    assert per_note["Customer experience"] == 2
    assert per_note["What is CRM?"] == 1
    assert per_note["Evolution of online CRM"] == 4


def test_cloze__seed_enumerations_render_one_card_per_item_in_anki(tmp_path: Path, collection: Any) -> None:
    result = build(SOURCE, tmp_path / "out", timestamp=1_700_000_000, write_ledger=False)
    import_into(collection, tmp_path / "out" / "Marketing.apkg")
    counts: dict[str, int] = {}
    for nid in collection.find_notes("note:*Cloze"):
        note = collection.get_note(nid)
        deletions = set(re.findall(r"\{\{c(\d+)::", note["Text"]))
        assert len(note.card_ids()) == len(deletions) > 0
        counts[note["Text"]] = len(deletions)
    expected = {
        "Evolution of online CRM": 5,
        "3 orientations": 3,
        "4 ways of designing": 4,
        "three main categories": 3,
        "Which challenges are there in online CRM?": 5,
    }
    for cue, n in expected.items():
        assert [v for text, v in counts.items() if cue in text] == [n], cue
    # Definitions stay Basic.
    assert not [t for t in counts if "What is" in t or "Definition of" in t]
    assert len(counts) == sum(1 for c in result.cards if c.note_type is NoteType.CLOZE)


def test_cloze__a_list_with_sub_items_stays_basic() -> None:
    """A nested sub-item became a sibling deletion: the outline was lost and a detail quizzed as a part."""
    front = "Name the parts of the nuclear envelope."
    flat = "- outer membrane\n- inner membrane, with pores"
    assert cloze_for(_card(front, flat)) is not None
    assert cloze_for(_card(front, flat + "\n  - nested: nuclear lamina")) is None


def test_numbers__a_long_run_of_letters_before_a_count() -> None:
    """An optional word before each number was tried from every start: a 20,000-letter question
    (a DNA sequence) took seconds. The word before a number is still read."""
    from genanki_build.cloze import _numbers

    assert _numbers("Name the " + "ACGT" * 5000 + " 3 bases") == {3}
    assert _numbers("Which 4 are") == {4} and _numbers("name two kinds") == {2}


def test_cloze__a_right_aligned_numbered_list_is_not_nested() -> None:
    """ " 9." above "10." read as a sub-item: a plain ten-item list stayed Basic."""
    from genanki_build.cloze_lists import split_list

    assert split_list("\n".join(f"{i:>2}. item{i}" for i in range(1, 11))) is not None
