"""The Markdown-family formats on the third-party corpus (skipped when it is absent).

Each file is read and parsed exactly as a build does (``parsing.parse_file``). Counts are what a
person counts in the file; the corpus README gives rough ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from genanki_build.config import parse_config
from genanki_build.decode import decode
from genanki_build.formats import default_registry
from genanki_build.model import NoteType, ParseResult
from genanki_build.parsing import parse_file
from genanki_build.sources import SourceFile
from tests.accounting import assert_all_lines_accounted

#: File-name prefix -> (format, fewest Basic, most Basic, fewest Cloze, most Cloze).
EXPECTED = {
    # 95 separators; one question sits inside a stray, never-closed code fence.
    "obsidian-sr-customsep": ("obsidian", 94, 95, 58, 72),
    "obsidian-atsep-outline": ("obsidian", 113, 113, 0, 0),
    "obsidian-to-anki": ("obsidian-to-anki", 19, 19, 0, 0),
    "logseq-card": ("logseq", 11, 11, 0, 0),
    "qa-notes": ("qa-lines", 41, 41, 0, 0),
}


def _build(corpus: Path, prefix: str) -> tuple[str, str, ParseResult]:
    matches = sorted(corpus.glob(f"{prefix}__*"))
    if not matches:
        pytest.skip(f"no {prefix} file in the corpus")
    path = matches[0]
    config = parse_config('[collection]\nname = "Corpus"\nnamespace = "test/corpus"\n')
    result, report = parse_file(SourceFile(path.name, path.read_bytes()), config, default_registry())
    return decode(path.read_bytes()).text, report.format, result


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_corpus__detected_counted_and_accounted(corpus: Path, prefix: str) -> None:
    text, detected, result = _build(corpus, prefix)
    name, basic_min, basic_max, cloze_min, cloze_max = EXPECTED[prefix]
    assert detected == name
    basic = [c for c in result.cards if c.note_type is NoteType.BASIC]
    cloze = [c for c in result.cards if c.note_type is NoteType.CLOZE]
    assert basic_min <= len(basic) <= basic_max
    assert cloze_min <= len(cloze) <= cloze_max
    assert all(c.front.strip() for c in result.cards)
    assert all(c.back.strip() for c in basic)
    assert all("{{c1::" in c.front for c in cloze)
    assert_all_lines_accounted(text, result.cards[0].source.file, result)


@pytest.mark.parametrize("prefix", ["obsidian-sr-customsep", "obsidian-to-anki"])
def test_corpus__no_plugin_comments_reach_a_card(corpus: Path, prefix: str) -> None:
    _, _, result = _build(corpus, prefix)
    for card in result.cards:
        assert "<!--" not in card.front + card.back, card.source


def test_corpus__obsidian_wikilinks_and_local_links_become_text(corpus: Path) -> None:
    for prefix in ("obsidian-sr-customsep", "obsidian-atsep-outline"):
        _, _, result = _build(corpus, prefix)
        for card in result.cards:
            text = card.front + card.back
            assert "[[" not in text, card.source
            assert ".md)" not in text, card.source


def test_corpus__logseq_untagged_questions_are_reported_not_carded(corpus: Path) -> None:
    _, _, result = _build(corpus, "logseq-card")
    reasons = [f.message for f in result.findings if f.kind == "skipped"]
    assert reasons.count("bullet without #card") >= 5
    assert all("{:height" not in c.back for c in result.cards)


def test_corpus__qa_multiple_answers_stay_lists(corpus: Path) -> None:
    _, _, result = _build(corpus, "qa-notes")
    lists = [c for c in result.cards if c.back.startswith("- ")]
    assert len(lists) == 3
    assert all(all(line.startswith("- ") for line in c.back.split("\n")) for c in lists)
