"""Prose: detected, reported, never turned into cards."""

from __future__ import annotations

from pathlib import Path

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
