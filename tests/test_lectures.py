"""The lectures stage: lecture, subdeck and tags from the export title, else the file name, else deck.toml."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from genanki_build.config import Config, FileOverride
from genanki_build.lectures import assign_lectures, clean_title, lecture_key, lecture_parts
from genanki_build.model import Card, SourceRef
from genanki_build.stage import Context


@pytest.mark.parametrize(
    ("title", "cleaned", "key"),
    [
        ("L8: Customer Engagement Flashcards", "L8 Customer Engagement", "L08"),
        ("L4: Customer Experience and CRM in the digital age Flashcards", "L4 Customer Experience and CRM in the digital age", "L04"),
        ("1.7Homburg, Jozi&Kuehnl (2017), Customer experience management, Flashcards", "1.7 Homburg, Jozi&Kuehnl (2017), Customer experience management", "01.07"),
        ("1.4 Managing Customer Relationships Flashcards", "1.4 Managing Customer Relationships", "01.04"),
        ("Lecture 12 - Branding", "L12 Branding", "L12"),
        ("Week 3: Pricing | Quizlet", "Week 3 Pricing", "Week03"),
        ("Introduction to  marketing", "Introduction to marketing", "Introduction_to_marketing"),
    ],
)  # fmt: skip
def test_clean_title__and_sortable_key(title: str, cleaned: str, key: str) -> None:
    assert clean_title(title) == cleaned
    assert lecture_key(cleaned) == key


def test_lecture_key__sorts_by_number() -> None:
    keys = [lecture_key(t) for t in ("L10 x", "L2 y", "L8 z")]
    assert sorted(keys) == ["L02", "L08", "L10"]


def test_lecture_parts__anki_deck_path_keeps_its_levels_below_the_collection() -> None:
    assert lecture_parts("Marketing::L4: CRM Flashcards::Part 2", "Marketing") == ["L4 CRM", "Part 2"]
    assert lecture_parts("Other::L4 CRM", "Marketing") == ["Other", "L4 CRM"]


def _card(file: str = "000_export.txt", title: str = "", **kw: object) -> Card:
    return Card("Q", "A", SourceRef(file, 2, 3), "quizlet-page", title=title, **kw)  # type: ignore[arg-type]


def _run(card: Card, config: Config | None = None) -> Card:
    (out,) = assign_lectures((card,), Context(config=config or Config(name="Marketing"))).cards
    return out


def test_assign_lectures__from_the_export_title() -> None:
    card = _run(_card(title="L8: Customer Engagement Flashcards", tags=("exam",)))
    assert card.deck == "Marketing::L8 Customer Engagement"
    assert card.lecture == "L8 Customer Engagement"
    assert card.tags == ("exam", "lecture::L08", "source::quizlet-page")


def test_assign_lectures__from_the_file_name_without_a_title() -> None:
    card = _run(_card(file="notes/week_3_pricing.md"))
    assert card.deck == "Marketing::week 3 pricing"
    assert "lecture::Week03" in card.tags


def test_assign_lectures__deck_toml_override_and_tags_win() -> None:
    override = FileOverride(lecture="L3 Segmentation", tags=("exam",))
    config = Config(name="Marketing", files=MappingProxyType({"a.txt": override}))
    card = _run(_card(file="a.txt", title="L8: Something else Flashcards"), config)
    assert card.deck == "Marketing::L3 Segmentation"
    assert {"lecture::L03", "exam"} <= set(card.tags)


def test_assign_lectures__anki_deck_column_gives_a_nested_subdeck() -> None:
    card = _run(_card(title="Marketing::L4 CRM::Part 2"))
    assert card.deck == "Marketing::L4 CRM::Part 2"
    assert "lecture::L04::Part_2" in card.tags


def test_assign_lectures__is_idempotent() -> None:
    cards = (_card(title="Marketing::L4 CRM::Part 2"), _card(title="1.4 Managing Flashcards"), _card())
    context = Context(config=Config(name="Marketing"))
    once = assign_lectures(cards, context).cards
    assert assign_lectures(once, context).cards == once


def test_assign_lectures__an_anki_exports_deck_path_keeps_its_levels() -> None:
    """anki-text once passed only the last part of the deck column on: "Bio::Cells::Organelles" and
    "Bio::Plants::Organelles" both became "Bio::Organelles"."""
    from genanki_build.formats import anki_text
    from genanki_build.formats.base import ParseOptions

    text = (
        "#separator:tab\n#html:false\n#deck column:3\n"
        "What holds DNA?\tThe nucleus\tBio::Cells::Organelles\n"
        "What makes sugar?\tThe chloroplast\tBio::Plants::Organelles\n"
    )
    cards = anki_text.FORMAT.parse(text, "export.txt", ParseOptions()).cards
    out = assign_lectures(cards, Context(config=Config(name="Bio"))).cards
    assert [c.deck for c in out] == ["Bio::Cells::Organelles", "Bio::Plants::Organelles"]
