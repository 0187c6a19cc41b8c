"""The pipeline as data: an ordered list of named stages.

Each stage is a pure function ``(cards, context) -> StageResult``. Read the order here, skip a stage
by name (``run(..., skip={"typos"})``), or insert one with :func:`with_stage`.

Some stages look at one card at a time (:data:`PER_CARD`). The run of them at the head of the
pipeline (:func:`head`) is done file by file as each file is parsed, in the parse workers, and kept
in the parse cache with the parse: a rebuild spends no time on them for files that did not change.
So is the per-card stage after the next one (:func:`ahead`), on the cards as the head leaves them:
at its turn, only the cards the stage in between replaced go through it (:class:`Ahead`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from genanki_build import (
    clean,
    cloze,
    dedupe,
    guard,
    ids,
    incomplete,
    lectures,
    media,
    render,
    typos,
    vocabulary,
)
from genanki_build.model import Card, Finding
from genanki_build.stage import Context, Stage, StageResult

STAGES: tuple[tuple[str, Stage], ...] = (
    ("clean", clean.clean_cards),
    ("incomplete", incomplete.flag_incomplete),
    # Lectures reads only a card's title, file, format and tags, which typos and cloze never
    # change, and they never read what it sets: placed here it joins the per-file head.
    ("lectures", lectures.assign_lectures),
    ("typos", typos.fix_typos),
    ("cloze", cloze.make_cloze),
    ("dedupe", dedupe.merge_duplicates),
    ("ids", ids.assign_ids),
    ("resolve_media", media.resolve_media),
    ("render", render.render_cards),
    ("guard", guard.guard_cards),
)

#: Stages whose result for a card, and whose findings about it, depend on nothing but that card,
#: ``context.config`` and ``context.include_incomplete``: never on other cards, the ledger, the media
#: present or the build time. Each returns one card per card, in order, and its findings are the
#: findings it added to each card, in card order. So running one over the cards file by file, or
#: over any of them, and putting the pieces together gives what one run over all the cards gives
#: (tests check each of them).
PER_CARD = frozenset({"clean", "incomplete", "lectures", "cloze", "render", "guard"})

#: Collection-wide stages that can read each file's cards ahead of time: ``summary(cards)`` of one
#: file's cards. When such a stage comes right after the head, a build works out its summaries with
#: the head, in the parse workers, keeps them in the parse cache and hands them to the stage in
#: ``context.summaries``; the stage reads those cards no more.
SUMMARIES: dict[str, Callable[[tuple[Card, ...]], object]] = {"typos": vocabulary.summarize_file}


#: Stages a build cannot leave out, and why: without them the package would harm students or
#: Anki would refuse it. The others only improve the cards.
REQUIRED: Mapping[str, str] = MappingProxyType(
    {
        "ids": "it gives every note its GUID; without it students would get every note again",
        "resolve_media": "it packages pictures and removes references that leave the source folder",
        "render": "it turns text into the HTML Anki shows, escaping what is not markup",
        "guard": "it keeps notes Anki would refuse, such as an unbalanced cloze, out of the package",
    }
)


class PipelineError(ValueError):
    """A stage name is unknown or repeated, or a required stage is skipped."""


def check_skip(
    skip: Iterable[str],
    stages: Sequence[tuple[str, Stage]] = STAGES,
    *,
    required: Mapping[str, str] = REQUIRED,
) -> None:
    """Raise :class:`PipelineError` when ``skip`` names a stage that is unknown or ``required``."""
    names = [n for n, _ in stages]
    unknown = sorted(set(skip) - set(names))
    if unknown:
        raise PipelineError(
            f"cannot skip unknown stage(s) {', '.join(unknown)}; stages are: {', '.join(names)}"
        )
    for name in sorted(set(skip) & required.keys()):
        optional = ", ".join(n for n in names if n not in required)
        raise PipelineError(
            f"the {name} stage cannot be skipped: {required[name]} (stages you may skip: {optional})"
        )


def stage_names() -> list[str]:
    """The stage names, in order."""
    return [name for name, _ in STAGES]


def head(skip: Iterable[str] = (), stages: Sequence[tuple[str, Stage]] = STAGES) -> tuple[str, ...]:
    """The names of the stages, not in ``skip``, before the first one not in :data:`PER_CARD`:
    the ones a build runs on each file as it parses it."""
    skipped = set(skip)
    names: list[str] = []
    for name in (n for n, _ in stages if n not in skipped):
        if name not in PER_CARD:
            break
        names.append(name)
    return tuple(names)


def summarized(skip: Iterable[str] = (), stages: Sequence[tuple[str, Stage]] = STAGES) -> str:
    """The stage right after :func:`head`, when it has a summary in :data:`SUMMARIES`; else ``""``."""
    skipped = set(skip)
    rest = [n for n, _ in stages if n not in skipped][len(head(skip, stages)) :]
    return rest[0] if rest and rest[0] in SUMMARIES else ""


def ahead(skip: Iterable[str] = (), stages: Sequence[tuple[str, Stage]] = STAGES) -> str:
    """The stage after the one after :func:`head`, when it is in :data:`PER_CARD`; else ``""``.
    A build works out its results ahead of time, on the head's cards (:class:`Ahead`)."""
    skipped = set(skip)
    rest = [n for n, _ in stages if n not in skipped][len(head(skip, stages)) :]
    return rest[1] if len(rest) > 1 and rest[1] in PER_CARD else ""


@dataclass(frozen=True, slots=True)
class Ahead:
    """A per-card stage's results worked out before its turn, on the cards as they were then."""

    stage: str
    """The stage's name."""
    inputs: tuple[Card, ...]
    """The cards it was run on."""
    changed: Mapping[int, Card]
    """By position in :attr:`inputs`, the card it made where that is not the input card itself."""


def new_findings(before: Sequence[Card], after: Sequence[Card]) -> list[Finding]:
    """What a :data:`PER_CARD` stage that turned ``before`` into ``after`` found: what it added to
    each card's findings, in card order."""
    return [
        f
        for old, new in zip(before, after, strict=True)
        if new is not old
        for f in new.findings[len(old.findings) :]
    ]


def _run_ahead(stage: Stage, cards: tuple[Card, ...], context: Context, ahead: Ahead) -> StageResult:
    """``stage(cards, context)``, taking the result worked out ahead for each card that is still
    the very card it was worked out on."""
    if len(cards) != len(ahead.inputs):
        return stage(cards, context)
    todo = [i for i, (card, then) in enumerate(zip(cards, ahead.inputs, strict=True)) if card is not then]
    out = list(cards)
    for i, card in ahead.changed.items():
        out[i] = card
    fresh = stage(tuple(cards[i] for i in todo), context).cards
    for i, card in zip(todo, fresh, strict=True):
        out[i] = card
    return StageResult(tuple(out), tuple(new_findings(cards, out)))


def stage(name: str, stages: Sequence[tuple[str, Stage]] = STAGES) -> Stage:
    """The stage called ``name``."""
    for known, function in stages:
        if known == name:
            return function
    raise PipelineError(f"no stage called {name!r}; stages are: {', '.join(n for n, _ in stages)}")


def with_stage(
    stages: Sequence[tuple[str, Stage]], name: str, stage: Stage, *, after: str
) -> tuple[tuple[str, Stage], ...]:
    """A copy of ``stages`` with ``(name, stage)`` inserted after the stage called ``after``."""
    names = [n for n, _ in stages]
    if name in names:
        raise PipelineError(f"stage {name!r} is already in the pipeline")
    if after not in names:
        raise PipelineError(f"no stage called {after!r}; stages are: {', '.join(names)}")
    i = names.index(after) + 1
    return (*stages[:i], (name, stage), *stages[i:])


def run(
    cards: Iterable[Card],
    context: Context,
    *,
    skip: Iterable[str] = (),
    stages: Sequence[tuple[str, Stage]] = STAGES,
    timings: dict[str, float] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    ahead: Ahead | None = None,
) -> StageResult:
    """Run ``cards`` through every stage not in ``skip``; return the final cards and all findings.

    ``progress(name, i, n)`` is called before the ``i``-th of ``n`` stages runs. ``ahead`` holds
    results of a :data:`PER_CARD` stage worked out before (see :class:`Ahead`)."""
    import time

    skip = set(skip)
    check_skip(skip, stages, required={})  # any stage may be left out of a run, just not out of a build
    current = tuple(cards)
    findings: list[Finding] = []
    for i, (name, stage) in enumerate(stages):
        if name in skip:
            continue
        if progress is not None:
            progress(name, i, len(stages))
        started = time.perf_counter()
        if ahead is not None and name == ahead.stage and name in PER_CARD:
            result = _run_ahead(stage, current, context, ahead)
        else:
            result = stage(current, context)
        if context.summaries:
            context = replace(context, summaries=MappingProxyType({}))  # for the first stage only
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
        current = result.cards
        findings.extend(result.findings)
    return StageResult(current, tuple(findings))
