"""The pipeline as data: its head, and the promise the per-card stages make."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from genanki_build import pipeline
from genanki_build.model import Card
from genanki_build.parsing import parse_sources
from genanki_build.sources import read_sources
from genanki_build.stage import Context, LedgerEntry, Stage, StageResult
from tests.conftest import SOURCE, write_tree

#: Cards with cloze lists, picture-only answers, mojibake, symbol-font junk and Markdown, in several
#: files: enough for every per-card stage to change something.
MIXED = {
    "a/lists.txt": (
        "L1: Lists Flashcards\nThe four Ps of marketing\nProduct, price, place and promotion\n"
        "What does this chart show?\nSee picture\nWhat is a \u00e2\u20ac\u0153brand\u00e2\u20ac\ufffd?\n"
        "A name -> a promise.\n"
    ),
    "b/notes.md": "# L2 Markdown\n\n## What is *reach*?\n\nHow many people see an ad.\n\n## What is {{c1::frequency}}?\n\nHow often.\n",
    "c/export.txt": (
        "#separator:tab\n#html:true\nWhat is <b>CPM</b>?\tCost per <i>mille</i>\nTerm\tDefinition\n"
        'Which logo? <img alt="{{c1::x}}" src="logo.png">\tThe old one\n'
    ),
}


def _inputs(root: Path) -> dict[str, tuple[tuple[Card, ...], Context]]:
    """What each stage of the pipeline is given when ``root`` is built."""
    sources = read_sources(root)
    cards = parse_sources(sources).cards
    context = Context(config=sources.config)
    seen: dict[str, tuple[tuple[Card, ...], Context]] = {}
    for name, stage in pipeline.STAGES:
        seen[name] = (cards, context)
        cards = stage(cards, context).cards
    return seen


def _by_file(cards: tuple[Card, ...]) -> list[tuple[Card, ...]]:
    groups: dict[str, list[Card]] = {}
    for card in cards:
        groups.setdefault(card.source.file, []).append(card)
    return [tuple(group) for group in groups.values()]


def _pieced(stage: Stage, cards: tuple[Card, ...], context: Context) -> StageResult:
    results = [stage(group, context) for group in _by_file(cards)]
    return StageResult(
        tuple(c for r in results for c in r.cards), tuple(f for r in results for f in r.findings)
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, tuple[tuple[Card, ...], Context]]]:
    mixed = write_tree(tmp_path_factory.mktemp("mixed"), MIXED, deck_toml='[collection]\nname = "M"\n')
    return [_inputs(SOURCE), _inputs(mixed)]


@pytest.mark.parametrize("name", sorted(pipeline.PER_CARD))
def test_per_card_stage__file_by_file_gives_what_all_at_once_gives(
    name: str, inputs: list[dict[str, tuple[tuple[Card, ...], Context]]]
) -> None:
    """A build runs the head of the pipeline file by file (in workers, and from the cache); a stage
    listed as per-card that looked across cards would build differently warm and cold."""
    stage = pipeline.stage(name)
    changed = False
    for tree in inputs:
        cards, context = tree[name]
        whole = stage(cards, context)
        assert len(_by_file(cards)) > 1
        assert _pieced(stage, cards, context) == whole
        changed = changed or whole.cards != cards
    assert changed, f"no input gives the {name} stage anything to do"


@pytest.mark.parametrize("name", sorted(pipeline.PER_CARD))
def test_per_card_stage__reads_no_ledger_media_or_clock(
    name: str, inputs: list[dict[str, tuple[tuple[Card, ...], Context]]]
) -> None:
    """The cache keys a head stage's result by deck.toml and --include-incomplete only."""
    stage = pipeline.stage(name)
    entry = LedgerEntry("g", "f", 1, "a.txt", "front", "back")
    for tree in inputs:
        cards, context = tree[name]
        other = Context(
            config=context.config,
            build_time=context.build_time + 86_400,
            ledger=MappingProxyType({"g": entry}),
            media=frozenset({"chart.png", "a/chart.png"}),
        )
        assert stage(cards, other) == stage(cards, context)


def test_head__is_the_leading_run_of_per_card_stages() -> None:
    assert pipeline.head() == ("clean", "incomplete", "lectures")
    assert pipeline.head(skip={"incomplete"}) == ("clean", "lectures")
    assert pipeline.head(skip={"clean", "incomplete", "lectures"}) == ()
    assert set(pipeline.head()) <= pipeline.PER_CARD


def test_stage__unknown_name_says_which_exist() -> None:
    with pytest.raises(pipeline.PipelineError, match="stages are: clean, incomplete"):
        pipeline.stage("spelling")


def test_summarized__is_the_stage_right_after_the_head_when_it_has_a_summary() -> None:
    assert pipeline.summarized() == "typos"
    assert pipeline.summarized(skip={"clean", "lectures"}) == "typos"
    assert pipeline.summarized(skip={"typos"}) == ""  # cloze comes next and reads cards as they come


@pytest.mark.parametrize("name", sorted(pipeline.PER_CARD))
def test_per_card_stage__one_card_out_per_card_in_and_findings_are_what_it_added(
    name: str, inputs: list[dict[str, tuple[tuple[Card, ...], Context]]]
) -> None:
    """What lets a build take some cards' results from work done ahead and find the findings again."""
    stage = pipeline.stage(name)
    for tree in inputs:
        cards, context = tree[name]
        result = stage(cards, context)
        assert len(result.cards) == len(cards)
        assert [c.source for c in result.cards] == [c.source for c in cards]
        assert list(result.findings) == pipeline.new_findings(cards, result.cards)


def test_ahead__is_the_per_card_stage_after_the_one_after_the_head() -> None:
    assert pipeline.ahead() == "cloze"
    assert pipeline.ahead(skip={"cloze"}) == ""  # dedupe looks at every card
    assert pipeline.ahead(skip={"typos"}) == ""  # cloze is then the stage right after the head


def test_run__results_worked_out_ahead_give_what_the_stage_gives(
    inputs: list[dict[str, tuple[tuple[Card, ...], Context]]],
) -> None:
    """Cloze is worked out ahead on the head's cards; typos then replaces some. At cloze's turn only
    those go through the stage, and the result is what running it on every card gives."""
    real = pipeline.stage("cloze")
    seen: list[int] = []

    def counted(cards: tuple[Card, ...], context: Context) -> StageResult:
        seen.append(len(cards))
        return real(cards, context)

    stages = [("typos", pipeline.stage("typos")), ("cloze", counted)]
    made_ahead = went_through = 0
    for tree in inputs:
        head_cards, context = tree["typos"]
        expected = pipeline.run(head_cards, context, stages=stages)
        made = real(head_cards, context).cards
        changed = {
            i: new for i, (new, old) in enumerate(zip(made, head_cards, strict=True)) if new is not old
        }
        ahead = pipeline.Ahead("cloze", head_cards, changed)
        seen.clear()
        assert pipeline.run(head_cards, context, stages=stages, ahead=ahead) == expected
        replaced = sum(new is not old for new, old in zip(tree["cloze"][0], head_cards, strict=True))
        assert seen == [replaced] and replaced < len(head_cards)
        made_ahead, went_through = made_ahead + len(changed), went_through + replaced
    assert made_ahead and went_through  # both paths taken
