"""The pipeline as data: an ordered list of named stages.

Each stage is a pure function ``(cards, context) -> StageResult``. Read the order here, skip a stage
by name (``run(..., skip={"typos"})``), or insert one with :func:`with_stage`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from genanki_build import clean, cloze, dedupe, guard, ids, incomplete, lectures, media, render, typos
from genanki_build.model import Card, Finding
from genanki_build.stage import Context, Stage, StageResult

STAGES: tuple[tuple[str, Stage], ...] = (
    ("clean", clean.clean_cards),
    ("incomplete", incomplete.flag_incomplete),
    ("typos", typos.fix_typos),
    ("cloze", cloze.make_cloze),
    ("lectures", lectures.assign_lectures),
    ("dedupe", dedupe.merge_duplicates),
    ("ids", ids.assign_ids),
    ("resolve_media", media.resolve_media),
    ("render", render.render_cards),
    ("guard", guard.guard_cards),
)


class PipelineError(ValueError):
    """A stage name is unknown or repeated."""


def stage_names() -> list[str]:
    """The stage names, in order."""
    return [name for name, _ in STAGES]


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
) -> StageResult:
    """Run ``cards`` through every stage not in ``skip``; return the final cards and all findings.

    ``progress(name, i, n)`` is called before the ``i``-th of ``n`` stages runs."""
    import time

    skip = set(skip)
    unknown = skip - {n for n, _ in stages}
    if unknown:
        raise PipelineError(
            f"cannot skip unknown stage(s) {', '.join(sorted(unknown))}; "
            f"stages are: {', '.join(n for n, _ in stages)}"
        )
    current = tuple(cards)
    findings: list[Finding] = []
    for i, (name, stage) in enumerate(stages):
        if name in skip:
            continue
        if progress is not None:
            progress(name, i, len(stages))
        started = time.perf_counter()
        result = stage(current, context)
        if timings is not None:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
        current = result.cards
        findings.extend(result.findings)
    return StageResult(current, tuple(findings))
