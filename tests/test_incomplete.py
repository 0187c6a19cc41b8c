"""The incomplete stage: answers that only point at a lost picture are left out, or tagged."""

from __future__ import annotations

import pytest

from genanki_build import pipeline
from genanki_build.config import Config
from genanki_build.incomplete import TAG, flag_incomplete, is_placeholder
from genanki_build.model import Card, Markup, NoteType, SourceRef
from genanki_build.parsing import parse_sources
from genanki_build.sources import read_sources
from genanki_build.stage import Context

from .conftest import SOURCE


@pytest.mark.parametrize(
    "answer",
    [
        "Se billede",
        "Se model",
        "Se Model",
        "se billede af model",
        "See picture",
        "see image",
        "See picture.",
        "See the image above",
        "(see picture)",
        "siehe Bild",
        "Siehe Abbildung!",
        "voir image",
        "Voir l'image",
        "ver imagen",
        "zie afbeelding",
        "vedi immagine",
        "se bild",
        "[image]",
        "  Se billede  \n",
        "<div>Se&nbsp;billede</div>",
    ],
)
def test_is_placeholder__phrases_in_several_languages(answer: str) -> None:
    assert is_placeholder(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "Yes",
        "",
        "Picture",
        "image",
        "model",
        "See how customers behave",
        "The model shows three stages",
        "Se billede af model og forklar hvert trin",
        "See picture: a funnel with four stages",
        "see",
    ],
)
def test_is_placeholder__real_answers_are_not(answer: str) -> None:
    assert not is_placeholder(answer)


def test_is_placeholder__deck_toml_adds_phrases() -> None:
    assert not is_placeholder("Kig på tavlen")
    assert is_placeholder("Kig på tavlen!", ["Kig på tavlen"])


def _card(back: str, front: str = "Customer Journey Model", **kw: object) -> Card:
    return Card(front, back, SourceRef("f.txt", 2, 3), "test", **kw)  # type: ignore[arg-type]


def test_flag_incomplete__excluded_and_reported_by_default() -> None:
    card = _card("Se billede af model")
    result = flag_incomplete((card, _card("An answer")), Context())
    out, other = result.cards
    assert out.flags == {"incomplete", "excluded"}
    assert TAG not in out.tags
    (finding,) = result.findings
    assert (finding.kind, finding.where, finding.before) == ("excluded", card.source, "Se billede af model")
    assert "se billede af model" in finding.message
    assert out.findings == (finding,)
    assert other == _card("An answer")


def test_flag_incomplete__include_incomplete_keeps_and_tags() -> None:
    result = flag_incomplete((_card("See picture", tags=("exam",)),), Context(include_incomplete=True))
    (out,) = result.cards
    assert out.flags == {"incomplete"}
    assert out.tags == ("exam", TAG)
    assert [f.kind for f in result.findings] == ["info"]


def test_flag_incomplete__deck_toml_placeholders_used() -> None:
    context = Context(config=Config(placeholders=("Kig på tavlen",)))
    (out,) = flag_incomplete((_card("kig på tavlen."),), context).cards
    assert "excluded" in out.flags


@pytest.mark.parametrize(
    "card",
    [
        _card('Se billede <img src="funnel.png">', markup=Markup.HTML),
        _card("See picture ![](funnel.png)", markup=Markup.MARKDOWN),
        _card("See picture", note_type=NoteType.CLOZE, front="{{c1::Funnel}}"),
    ],
)
def test_flag_incomplete__picture_present_or_cloze_not_flagged(card: Card) -> None:
    result = flag_incomplete((card,), Context())
    assert result.cards == (card,)
    assert result.findings == ()


def test_flag_incomplete__idempotent() -> None:
    once = flag_incomplete((_card("Se model"), _card("Yes")), Context())
    twice = flag_incomplete(once.cards, Context())
    assert twice.cards == once.cards
    assert twice.findings == ()


def test_seeds__placeholders_left_out_and_reported() -> None:
    """Every card the seed build leaves out only pointed at a picture; and there are such cards."""
    if not SOURCE.is_dir():
        pytest.skip("no source/ folder")
    sources = read_sources(SOURCE)
    result = pipeline.run(parse_sources(sources).cards, Context(config=sources.config))
    excluded = [c for c in result.cards if "excluded" in c.flags]
    assert excluded
    assert all(is_placeholder(c.back) for c in excluded)
    reported = {f.where for f in result.findings if f.kind == "excluded"}
    assert {c.source for c in excluded} <= reported


def test_flag_incomplete__a_card_about_the_phrase_is_kept() -> None:
    """Vocabulary cards whose answer is "see picture" in another language were left out."""
    cards = (
        _card("Siehe Bild", front="How do you say 'see the picture' in German?"),
        _card("see picture", front="Translate: siehe Bild"),
        _card("siehe Bild", front="Where is the mitochondrion?"),
    )
    result = flag_incomplete(cards, Context())
    assert ["excluded" in c.flags for c in result.cards] == [False, False, True]


def test_flag_incomplete__a_phrase_inside_a_word_is_not_about_the_phrase() -> None:
    """ "response model" held "se model": a card whose answer was only "See model" was packaged."""
    cards = (
        _card("See model", front="Which response model did we discuss?"),
        _card("see image", front="What does the cover image show?"),
    )
    assert ["excluded" in c.flags for c in flag_incomplete(cards, Context()).cards] == [True, True]
