"""Prose: detected, reported, never turned into cards."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from genanki_build.decode import decode
from genanki_build.formats import ParseOptions, default_registry, prose
from tests.accounting import assert_all_lines_accounted

PARAGRAPH = (
    "Glaciers shape valleys by grinding the rock beneath them. Over thousands of years a river valley "
    "with a V-shaped profile becomes a wide U-shaped trough. The debris they carry is dropped where "
    "the ice melts, forming moraines."
)


def test_detect__paragraphs_are_prose() -> None:
    text = "\n\n".join([PARAGRAPH] * 3) + "\nWatch the video below.\n"
    assert prose.detect(text) >= 0.8
    assert default_registry().sniff(text)[0].name == "prose"


@pytest.mark.parametrize("width", [60, 72, 80, 100])
@pytest.mark.parametrize("between", ["\n\n", "\n"], ids=["blank-line", "no-blank-line"])
def test_detect__prose_hard_wrapped_at_a_fixed_width_is_prose(width: int, between: str) -> None:
    paragraph = PARAGRAPH + " Meltwater streams sort the finer sediment and spread it over outwash plains."
    text = between.join([textwrap.fill(paragraph, width)] * 3) + "\n"
    assert max(map(len, text.split("\n"))) < prose.PARAGRAPH_CHARS  # no line is a paragraph alone
    assert default_registry().sniff(text)[0].name == "prose"
    result = prose.parse(text, "notes.txt", ParseOptions())
    assert_all_lines_accounted(text, "notes.txt", result)
    (note,) = [f for f in result.findings if f.kind == "info"]
    if between == "\n\n":  # without blank lines, a paragraph whose last line is full runs on
        assert "(3 paragraph(s)" in note.message


def test_detect__cards_with_answers_at_a_like_length_are_not_wrapped_prose() -> None:
    """Term and answer lines two by two, and answers of one sentence a line, are no wrapped paragraph."""
    answer = "a long answer that fills most of the line, as wide as the others, and is its own sentence."
    pairs = "\n".join(f"Term {n}\n{answer}" for n in range(8))
    sentences = "\n".join(answer.capitalize() for _ in range(8))
    for text in (pairs, sentences, "Biology Flashcards\n" + pairs):
        assert prose.detect(text) < 0.3


def test_detect__records_of_a_like_length_are_cards_not_wrapped_prose() -> None:
    """Lines a greedy wrap could have made, but holding one record each: no sentence runs on, or
    a card format reads them better."""
    plain = "\n".join(
        f"term{i},a definition that runs on for quite a while, no full stop {i}" for i in range(10)
    )
    sentences = "\n".join(
        f"term{i},A definition that runs on. It has two sentences, see {i}" for i in range(10)
    )
    assert prose.detect(plain) < 0.3
    for text in (plain, sentences):
        assert default_registry().sniff(text)[0].name != "prose"


def test_detect__a_page_copy_with_long_answers_is_not_prose() -> None:
    lines = []
    for term in ("Glacier", "Moraine", "Cirque", "Fjord"):
        lines += [term, PARAGRAPH]
    assert prose.detect("\n".join(lines)) < 0.3
    assert prose.detect("Geography Flashcards\n" + "\n".join(lines)) < 0.3


def test_detect__markdown_notes_are_not_prose() -> None:
    text = f"# Glaciers\n\n{PARAGRAPH}\n\n## What is a moraine?\n\n{PARAGRAPH}\n\n- one\n- two\n"
    assert prose.detect(text) < 0.3


def test_detect__long_questions_are_not_prose() -> None:
    question = PARAGRAPH.replace("moraines.", "moraines?")
    assert prose.detect("\n".join([question] * 4)) < 0.3


def test_detect__empty_text_is_not_prose() -> None:
    assert prose.detect("\n\n") == 0.0


def test_parse__no_cards_every_line_reported_and_one_note_with_advice() -> None:
    text = f"{PARAGRAPH}\n\n{PARAGRAPH}\nWatch the video below.\n"
    result = prose.parse(text, "notes/glaciers.txt", ParseOptions())
    assert result.cards == ()
    assert_all_lines_accounted(text, "notes/glaciers.txt", result)
    (note,) = [f for f in result.findings if f.kind == "info"]
    assert note.message.startswith("notes/glaciers.txt reads as prose, not flashcards (2 paragraph(s)")
    assert "{{c1::" in note.message and "==" in note.message and "## Question" in note.message
    assert (note.where.first, note.where.last) == (1, 4) if note.where else False
    assert [f.where.first for f in result.findings if f.kind == "skipped" and f.where] == [1, 3, 4]


def test_detect__no_corpus_export_reads_as_prose(corpus: Path) -> None:
    """Card files with prose between the cards (Obsidian notes) are still not prose."""
    for path in sorted(corpus.iterdir()):
        if path.suffix in {".txt", ".md", ".csv", ".tsv"} and path.name != "README.md":
            assert prose.detect(decode(path.read_bytes()).text) < 0.3, path.name
