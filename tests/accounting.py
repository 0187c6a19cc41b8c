"""The "nothing lost" check every format's tests share.

``assert_all_lines_accounted(text, source, result)`` fails unless every non-blank line of ``text``
lies inside a card's source range (``card.source`` or one of ``card.also_from``) or is named by a
``skipped`` finding, and nothing points outside the file or at another file. Unless told
otherwise, no line may sit in two cards' ranges.
"""

from __future__ import annotations

from genanki_build.model import ParseResult


def unaccounted_lines(text: str, source: str, result: ParseResult) -> list[int]:
    """Numbers of non-blank lines of ``text`` that no card covers and no skipped finding names."""
    covered: set[int] = set()
    for card in result.cards:
        for ref in (card.source, *card.also_from):
            if ref.file == source:
                covered.update(range(ref.first, ref.last + 1))
    for finding in result.findings:
        if finding.kind == "skipped" and finding.where is not None and finding.where.file == source:
            covered.update(range(finding.where.first, finding.where.last + 1))
    lines = text.split("\n")
    return [n for n, line in enumerate(lines, start=1) if line.strip() and n not in covered]


def assert_all_lines_accounted(
    text: str, source: str, result: ParseResult, *, cards_may_share_lines: bool = False
) -> None:
    """Every non-blank line is on a card or in a skipped finding, and every reference is sound."""
    lines = text.split("\n")
    missing = unaccounted_lines(text, source, result)
    assert not missing, f"{source}: lines on no card and in no finding: " + ", ".join(
        f"{n} {lines[n - 1].strip()[:50]!r}" for n in missing[:10]
    )
    refs = [ref for card in result.cards for ref in (card.source, *card.also_from)]
    refs += [f.where for f in result.findings if f.kind == "skipped" and f.where is not None]
    for ref in refs:
        assert ref.file == source, f"{ref} names another file than {source}"
        assert 1 <= ref.first <= ref.last <= len(lines), f"{ref} lies outside the file's {len(lines)} lines"
    for finding in result.findings:
        if finding.kind == "skipped":
            assert finding.message.strip(), f"{finding.where}: a skipped line needs a reason"
    if not cards_may_share_lines:
        seen: dict[int, str] = {}
        for card in result.cards:
            for n in range(card.source.first, card.source.last + 1):
                assert n not in seen, f"{source}:{n} is in two cards ({seen[n]} and {card.source})"
                seen[n] = str(card.source)
