"""Bad input never crashes a build and never costs data: every case of issue 6 gets a test.

A file that cannot be used is skipped with a warning (report and terminal) and the build goes on;
``--strict`` turns warnings into exit 1; text is escaped, declared HTML sanitized.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from genanki_build import parsing
from genanki_build.build import BuildResult, build
from genanki_build.check import check_package, import_into
from genanki_build.cli import main
from genanki_build.errors import BuildError
from genanki_build.formats.base import Format, ParseOptions, Registry
from genanki_build.model import Card, Finding, Markup, NoteType, ParseResult, SourceRef
from genanki_build.parsing import MAX_CARD_CHARS
from genanki_build.render import sanitize_html
from tests.conftest import write_tree

DECK = '[collection]\nname = "Bad"\nnamespace = "test/bad-input"\n'
GOOD = "Biology Flashcards\nWhat is a cell?\nThe smallest unit of life.\nWhat holds the DNA?\nThe nucleus.\n"


def _build(tmp_path: Path, files: dict[str, str | bytes], deck: str = DECK) -> BuildResult:
    src = write_tree(tmp_path / "src", {"good.txt": GOOD, **files}, deck)
    return build(src, tmp_path / "out", timestamp=1_700_000_000)


def _warnings_for(result: BuildResult, path: str) -> list[Finding]:
    return [f for f in result.warnings if f.where and f.where.file == path]


def _good_cards_built(result: BuildResult) -> None:
    fronts = {c.front for c in result.cards if c.source.file == "good.txt"}
    assert fronts == {"What is a cell?", "What holds the DNA?"}


@pytest.mark.parametrize("content", ["", "   \n\t\n\n  "], ids=["empty", "whitespace"])
def test_build__empty_file_is_a_warning_and_the_rest_builds(tmp_path: Path, content: str) -> None:
    result = _build(tmp_path, {"blank.txt": content})
    (warning,) = _warnings_for(result, "blank.txt")
    assert "empty file" in warning.message
    _good_cards_built(result)


def test_build__binary_file_is_skipped_with_a_warning(tmp_path: Path) -> None:
    blob = bytes(range(256)) * 40
    result = _build(tmp_path, {"export.txt": blob})
    (warning,) = _warnings_for(result, "export.txt")
    assert "binary data" in warning.message
    _good_cards_built(result)


def test_build__a_stray_nul_byte_keeps_the_file(tmp_path: Path) -> None:
    """A single NUL byte used to make the whole file count as binary, losing all its cards."""
    data = b"Chemistry Flashcards\nWhat is an atom?\nThe smallest unit\x00 of matter.\n"
    result = _build(tmp_path, {"chem.txt": data})
    card = next(c for c in result.cards if c.source.file == "chem.txt")
    assert (card.front, card.back) == ("What is an atom?", "The smallest unit of matter.")
    assert any("NUL" in f.message for f in _warnings_for(result, "chem.txt"))


def test_build__invalid_utf8_midway_keeps_the_rest_utf8(tmp_path: Path) -> None:
    text = "French Flashcards\nWhat is a café?\nA coffee house.\nWhat is a garçon?\nA boy, or a waiter.\n"
    data = text.encode("utf-8").replace(b"coffee house", b"coffee \xff\xfe house")
    result = _build(tmp_path, {"fr.txt": data})
    fronts = {c.front: c.back for c in result.cards if c.source.file == "fr.txt"}
    assert fronts["What is a garçon?"] == "A boy, or a waiter."
    assert fronts["What is a café?"] == "A coffee \ufffd\ufffd house."
    (warning,) = _warnings_for(result, "fr.txt")
    assert "2 invalid bytes replaced" in warning.message


def test_build__utf16_without_bom(tmp_path: Path) -> None:
    text = "History Flashcards\nWho was Charlemagne?\nKing of the Franks.\nWhat is a fief?\nLand held in return for service.\n"
    result = _build(tmp_path, {"hist.txt": text.encode("utf-16-le")})
    cards = {c.front: c.back for c in result.cards if c.source.file == "hist.txt"}
    assert cards == {
        "Who was Charlemagne?": "King of the Franks.",
        "What is a fief?": "Land held in return for service.",
    }
    assert next(f.encoding for f in result.files if f.path == "hist.txt") == "utf-16-le"


def test_build__cp1252_text(tmp_path: Path) -> None:
    text = "Spanish Flashcards\nWhat does “niño” mean?\nChild.\nWhat does “año” mean?\nYear — not anus.\n"
    result = _build(tmp_path, {"es.txt": text.encode("cp1252")})
    cards = {c.front: c.back for c in result.cards if c.source.file == "es.txt"}
    assert cards == {"What does “niño” mean?": "Child.", "What does “año” mean?": "Year — not anus."}
    assert next(f.encoding for f in result.files if f.path == "es.txt") == "cp1252"
    assert not _warnings_for(result, "es.txt")


def test_build__a_single_ten_megabyte_line_is_accounted(tmp_path: Path) -> None:
    words = [
        "the",
        "cell",
        "membrane",
        "protects",
        "the",
        "nucleus",
        "while",
        "mitochondria",
        "release",
        "energy",
    ]
    line = " ".join(words[i % len(words)] + ("." if i % 13 == 12 else "") for i in range(1_500_000))
    assert len(line) > 10_000_000
    result = _build(tmp_path, {"huge.txt": line + "\n"})
    on_huge = [f for f in result.findings if f.where and f.where.file == "huge.txt" and f.where.first == 1]
    assert on_huge or any(c.source.file == "huge.txt" for c in result.cards)
    _good_cards_built(result)


@pytest.mark.parametrize(
    "line", ["{{c1::" * 1_700_000, "a::" * 3_400_000, '"a,' * 3_400_000, "a\t" * 5_000_000, "x" * 10_000_000]
)
def test_registry__detection_on_a_ten_megabyte_line_completes(line: str) -> None:
    """Detectors used to read the whole text; some took seconds on 10 MB (obsidian, quizlet-export)."""
    from genanki_build.formats import default_registry

    default_registry().sniff(line)


def test_build__over_long_card_is_reported_not_packaged(tmp_path: Path) -> None:
    huge = "word " * (MAX_CARD_CHARS // 4)
    result = _build(tmp_path, {"notes.txt": f"Long Flashcards\nWhat is this?\n{huge}\n"})
    assert not [c for c in result.cards if c.source.file == "notes.txt" and len(c.back) > MAX_CARD_CHARS]
    accounted = {
        n
        for f in result.findings
        if f.where and f.where.file == "notes.txt"
        for n in range(f.where.first, f.where.last + 1)
    }
    assert {2, 3} <= accounted | {
        n for c in result.cards if c.source.file == "notes.txt" for n in (c.source.first, c.source.last)
    }
    assert any("not a flashcard" in f.message for f in _warnings_for(result, "notes.txt"))


def _pipes_parse(text: str, source: str, options: ParseOptions) -> ParseResult:
    cards = []
    for n, line in enumerate(text.split("\n"), start=1):
        if "|" in line:
            q, a = line.split("|", 1)
            cards.append(Card(q.strip(), a.strip(), SourceRef(source, n, n), "pipes", title="Tiny files"))
    return ParseResult(tuple(cards))


def _pipes_detect(text: str) -> float:
    return 1.0


@pytest.mark.slow
def test_build__ten_thousand_tiny_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build's own cost per file (walk, read, decode, cache, stages, package, report) stays small.

    A trivial format stands in for the real parsers, whose speed has its own benchmarks.
    """
    monkeypatch.setattr(
        parsing,
        "default_registry",
        lambda: Registry([Format("pipes", "test", _pipes_detect, _pipes_parse)]),
    )
    files: dict[str, str | bytes] = {
        f"d{i % 100:02d}/f{i:05d}.txt": f"term {i} | meaning {i}\n" for i in range(10_000)
    }
    src = write_tree(tmp_path / "src", files, DECK)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    assert len(result.cards) == 10_000 and len(result.files) == 10_000


def test_build__symlink_loop_is_walked_once(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"sub/good.txt": GOOD}, DECK)
    os.symlink("..", src / "sub" / "up")
    os.symlink(src / "sub", src / "again")
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    assert [c.source.file for c in result.cards] == ["sub/good.txt", "sub/good.txt"]
    assert any("symlink loop" in f.message for f in result.warnings)


def test_build__broken_link_and_pipe_are_skipped(tmp_path: Path) -> None:
    """A FIFO in the source folder used to block the build for ever on read."""
    src = write_tree(tmp_path / "src", {"good.txt": GOOD}, DECK)
    os.symlink(src / "gone.txt", src / "dangling.txt")
    os.mkfifo(src / "pipe.txt")
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    for name in ("dangling.txt", "pipe.txt"):
        (warning,) = _warnings_for(result, name)
        assert "not a regular file" in warning.message
    _good_cards_built(result)


def test_build__unreadable_file_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, for whom chmod 000 changes nothing, so the read itself is made to fail."""
    src = write_tree(tmp_path / "src", {"good.txt": GOOD, "locked.txt": GOOD}, DECK)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    (warning,) = _warnings_for(result, "locked.txt")
    assert "cannot read (Permission denied)" in warning.message
    _good_cards_built(result)


CSV = (
    "Term,Definition,Tags,Notes\n"
    '"Cell, animal","The unit, of life",bio,first\n'
    'Nucleus,"Holds ""DNA""",bio,second\n'
    '"Broken,quote never closed,bio\n'
    "Mitochondrion,Makes energy\n"
    "Ribosome,Makes proteins,bio,last\n"
)


def test_build__broken_csv_quoting_and_missing_columns(tmp_path: Path) -> None:
    deck = DECK + '[files."table.csv"]\nformat = "csv"\n'
    result = _build(tmp_path, {"table.csv": CSV}, deck)
    cards = {c.front: c for c in result.cards if c.source.file == "table.csv"}
    assert {"Cell, animal", "Nucleus", "Mitochondrion", "Ribosome"} <= set(cards)
    assert cards["Nucleus"].back.startswith('Holds "DNA"')
    lines = {f.where.first for f in _warnings_for(result, "table.csv") if f.where}
    assert {4, 5} <= lines, "the broken row and the short row are each reported with their line"
    accounted = {n for c in cards.values() for n in range(c.source.first, c.source.last + 1)}
    accounted |= {
        n
        for f in result.findings
        if f.where and f.where.file == "table.csv"
        for n in range(f.where.first, f.where.last + 1)
    }
    assert accounted >= {1, 2, 3, 4, 5, 6}


@pytest.mark.parametrize(
    "content",
    ['"a,' * 340_000, "x" * 10_000_000, '"q,a\n' * 20_000],
    ids=["a-row-of-a-million-columns", "a-field-over-the-csv-limit", "every-line-broken"],
)
def test_build__csv_forced_on_megabytes_of_broken_quoting_completes(tmp_path: Path, content: str) -> None:
    """Each of these took minutes, or failed the parser: every extra column was compared with every
    other, the text after each broken line was joined and read again, and a field over the csv
    module's size limit raised from the line read alone."""
    deck = DECK + '[files."big.csv"]\nformat = "csv"\n'
    result = _build(tmp_path, {"big.csv": content}, deck)
    assert not [f for f in result.findings if f.kind == "error"], "the parser failed"
    lines = content.count("\n") + (not content.endswith("\n"))
    accounted = {
        n
        for c in result.cards
        if c.source.file == "big.csv"
        for n in range(c.source.first, c.source.last + 1)
    }
    accounted |= {
        n
        for f in result.findings
        if f.where and f.where.file == "big.csv"
        for n in range(f.where.first, f.where.last + 1)
    }
    assert accounted >= set(range(1, lines + 1))
    _good_cards_built(result)


ANKI = (
    "#separator:tab\n#html:true\n#guid column:1\n"
    "dup-guid\tWhat is a <b>cell</b>?\tThe unit of life.\n"
    "dup-guid\tWhat is a nucleus?\tIt holds the DNA.\n"
)


def test_build__duplicate_guids_in_an_anki_export_keep_both_notes(tmp_path: Path, collection: Any) -> None:
    result = _build(tmp_path, {"anki.txt": ANKI})
    notes = [c for c in result.cards if c.source.file == "anki.txt"]
    assert len(notes) == 2 and len({c.guid for c in notes}) == 2
    assert _warnings_for(result, "anki.txt")
    import_into(collection, tmp_path / "out" / "Bad.apkg")
    assert collection.note_count() == len(result.cards)


HOSTILE_TEXT = (
    "Security Flashcards\n"
    "What does <script>alert(1)</script> do?\n"
    'It runs <img src=x onerror="alert(2)"> and <a href="javascript:alert(3)">this</a>.\n'
)
HOSTILE_HTML = (
    "#separator:tab\n#html:true\n"
    '<b>Bold</b> question<script>alert(1)</script>\t<img src="https://example.org/x.png" onerror="alert(2)">'
    ' <a href="javascript:alert(3)" onclick="alert(4)">link</a> <a href="https://example.org">ok</a>'
    ' <img src="javascript:alert(5)"><svg onload=alert(6)></svg><iframe src="https://evil"></iframe>\n'
)


def _no_active_content(html: str) -> None:
    lowered = html.lower()
    for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "<svg", "<iframe"):
        assert bad not in lowered, f"{bad!r} survived in {html!r}"


def test_build__text_not_declared_html_is_escaped(tmp_path: Path) -> None:
    result = _build(tmp_path, {"sec.txt": HOSTILE_TEXT})
    card = next(c for c in result.cards if c.source.file == "sec.txt")
    assert card.front == "What does &lt;script&gt;alert(1)&lt;/script&gt; do?"
    assert "&lt;img src=x onerror=" in card.back and "<img" not in card.back and "<a " not in card.back


def test_build__declared_html_is_sanitized(tmp_path: Path) -> None:
    result = _build(tmp_path, {"anki.txt": HOSTILE_HTML})
    card = next(c for c in result.cards if c.source.file == "anki.txt")
    _no_active_content(card.front + card.back)
    assert card.front.startswith("<b>Bold</b> question")
    assert '<a href="https://example.org">ok</a>' in card.back
    assert '<img src="https://example.org/x.png">' in card.back


@pytest.mark.parametrize(
    "html",
    [
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        '<img src="data:text/html;base64,PHNjcmlwdD4=">',
        '<div style="background:url(javascript:alert(1))" onmouseover="x()">d</div>',
        "<scr<script>ipt>alert(1)</script>",
        '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    ],
)
def test_sanitize_html__active_content_never_survives(html: str) -> None:
    cleaned = sanitize_html(html)
    _no_active_content(cleaned)
    assert "data:" not in cleaned and "style=" not in cleaned


def _cloze_build(tmp_path: Path, cards: list[Card], monkeypatch: pytest.MonkeyPatch) -> BuildResult:
    def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
        return ParseResult(tuple(cards))

    registry = Registry([Format("given", "test", lambda text: 1.0, parse)])
    monkeypatch.setattr(parsing, "default_registry", lambda: registry)
    src = write_tree(tmp_path / "src", {"c.txt": "placeholder\n"}, DECK)
    return build(src, tmp_path / "out", timestamp=1_700_000_000, skip=("cloze",))


def test_build__unbalanced_cloze_still_imports_and_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = SourceRef("c.txt", 1, 1)
    cards = [
        Card("The {{c1::open deletion never closes", "", ref, "given", NoteType.CLOZE),
        Card(
            "Kept {{c1::whole}} but {{c2::this one is open",
            "",
            SourceRef("c.txt", 2, 2),
            "given",
            NoteType.CLOZE,
        ),
    ]
    result = _cloze_build(tmp_path, cards, monkeypatch)
    (kept,) = result.cards
    assert kept.front == "Kept {{c1::whole}} but &#123;&#123;c2::this one is open"
    assert [c.source.first for c in result.excluded] == [1]
    assert {f.where.first for f in result.warnings if f.where} == {1, 2}
    check = check_package(tmp_path / "out" / "Bad.apkg")
    assert check.problems == () and check.notes == 1 and check.cards == 1


def test_build__cloze_inside_an_html_attribute_is_neutralised(
    tmp_path: Path, collection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = Card(
        '<a title="{{c1::hidden}}" href="https://example.org">site</a> is {{c2::visible}}',
        "",
        SourceRef("c.txt", 1, 1),
        "given",
        NoteType.CLOZE,
        Markup.HTML,
    )
    result = _cloze_build(tmp_path, [card], monkeypatch)
    (built,) = result.cards
    assert 'title="&#123;&#123;c1::hidden&#125;&#125;"' in built.front
    assert "{{c2::visible}}" in built.front
    assert any("attribute" in f.message for f in result.warnings)
    import_into(collection, tmp_path / "out" / "Bad.apkg")
    (nid,) = collection.find_notes("")
    assert len(collection.get_note(nid).cards()) == 1  # only the real deletion makes a card


def test_build__escaping_and_missing_images(tmp_path: Path) -> None:
    md = (
        "## What is in /etc?\n\nNothing ![secret](../../etc/passwd) for you ![abs](/etc/shadow).\n\n"
        "## Where is the picture?\n\nIt is lost: ![cell](img/cell.png)\n"
    )
    result = _build(tmp_path, {"notes.md": md})
    cards = [c for c in result.cards if c.source.file == "notes.md"]
    assert len(cards) == 2
    assert all(c.media == () for c in cards)
    assert not any("passwd" in c.back or "shadow" in c.back for c in cards)
    assert {"media-unsafe"} <= cards[0].flags and {"media-missing"} <= cards[1].flags
    assert len(_warnings_for(result, "notes.md")) == 3


def test_build__media_symlink_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"\x89PNG secret")
    src = write_tree(tmp_path / "src", {"good.txt": GOOD}, DECK)
    os.symlink(outside, src / "leak.png")
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    (warning,) = _warnings_for(result, "leak.png")
    assert "outside the source folder" in warning.message


def test_cli__strict_fails_with_the_list_of_warnings(tmp_path: Path) -> None:
    src = write_tree(
        tmp_path / "src", {"good.txt": GOOD, "blank.txt": "", "blob.txt": bytes(range(256)) * 8}, DECK
    )
    runner = CliRunner()
    relaxed = runner.invoke(main, ["build", str(src), "--out", str(tmp_path / "a")])
    assert relaxed.exit_code == 0, relaxed.output
    assert "blank.txt: empty file" in relaxed.stderr and "blob.txt: binary data" in relaxed.stderr
    ledger = (src / "cards.lock").read_bytes()
    (src / "new.txt").write_text("Chemistry Flashcards\nWhat is H2O?\nWater.\n", encoding="utf-8")
    strict = runner.invoke(main, ["build", str(src), "--out", str(tmp_path / "a"), "--strict"])
    assert strict.exit_code == 1
    # Each warning once, with its file, then the verdict; nothing written: the outputs of the last
    # build and the ledger stay as they were (the new card is in neither).
    listed = [line.strip() for line in strict.stderr.splitlines()]
    assert [line.split(":", 2)[1].strip() for line in listed[:-1]] == ["blank.txt", "blob.txt"]
    assert listed[-1] == "--strict: 2 warning(s); nothing written and cards.lock kept"
    assert "package:" not in strict.stdout
    assert (src / "cards.lock").read_bytes() == ledger
    assert "What is H2O?" not in (tmp_path / "a" / "cards.jsonl").read_text(encoding="utf-8")


def test_build__an_output_folder_inside_the_sources_is_not_read(tmp_path: Path) -> None:
    """`build . --out out` read the last build's package, cards.jsonl and reports as sources:
    77 notes, then 163, then 442."""
    src = write_tree(tmp_path / "src", {"bio.csv": "front,back\nWhat is a cell?,The unit of life\n"})
    counts = [len(build(src, src / "out", timestamp=1_700_000_000).cards) for _ in range(3)]
    assert counts == [1, 1, 1]
    result = build(src, src / "out", timestamp=1_700_000_000)
    assert "out: a build's output folder (its .lock and cards.jsonl); not read as sources" in [
        f.message for f in result.findings
    ]
    with pytest.raises(BuildError, match="a folder genanki-build wrote, not sources"):
        build(src / "out", tmp_path / "elsewhere", timestamp=1_700_000_000)


def test_build__no_notes_is_an_error_that_keeps_the_ledger_and_the_outputs(tmp_path: Path) -> None:
    """A folder emptied by mistake built an empty package, exit 0, and its ledger forgot every
    note: the next build gave edited cards new GUIDs, and students got them twice."""
    src = write_tree(tmp_path / "src", {"bio.csv": "front,back\nWhat is a cell?,The unit of life\n"})
    out = tmp_path / "out"
    build(src, out, timestamp=1_700_000_000)
    ledger, package = (src / "cards.lock").read_bytes(), (out / "Src.apkg").read_bytes()
    (src / "bio.csv").unlink()
    with pytest.raises(BuildError) as raised:
        build(src, out, timestamp=1_700_000_001)
    assert str(raised.value) == (
        f"{src}: no notes to package: it holds no card files; nothing written and cards.lock kept — "
        "add or fix the exports"
    )
    (src / "notes.txt").write_bytes(b"\x00\x01\x02 binary")
    with pytest.raises(BuildError, match=r"none of its 1 file\(s\) gave a card \(notes.txt: binary data\)"):
        build(src, out, timestamp=1_700_000_001)
    assert (src / "cards.lock").read_bytes() == ledger
    assert (out / "Src.apkg").read_bytes() == package


def test_build__typed_tags_stay_text_and_a_front_that_shows_nothing_is_left_out(tmp_path: Path) -> None:
    """A tab file with a typed `<div>` was read as an old Anki export's HTML: `<div>` and
    `<script>x</script>` fronts vanished, no warning, and Anki got notes without cards."""
    typed = "mitochondria\tpowerhouse\n<script>x</script>\tscript tag example\n<div>\tblock element\n"
    declared = "#separator:tab\n#html:true\n<script>x</script>\tfront\n<b>bold</b>\tstrong\n"
    src = write_tree(tmp_path / "src", {"web.txt": typed, "anki.txt": declared}, DECK)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    fronts = {c.front for c in result.cards}
    assert {"&lt;script&gt;x&lt;/script&gt;", "&lt;div&gt;", "<b>bold</b>"} <= fronts
    (warning,) = [w for w in result.warnings if w.stage == "guard"]
    assert warning.message.startswith("the front shows nothing in Anki") and warning.where is not None
    assert str(warning.where) == "anki.txt:3"
    assert [c.front for c in result.excluded] == [""]
    assert check_package(tmp_path / "out" / "Bad.apkg").problems == ()


def test_build__an_unrecognised_file_is_reported_over_its_own_lines(tmp_path: Path) -> None:
    """A file of three lines ending in a line break was reported as lines 1-4."""
    src = write_tree(tmp_path / "src", {"nums.txt": "1\n2\n3\n", "ok.txt": GOOD}, DECK)
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    (warning,) = [w for w in result.warnings if w.where and w.where.file == "nums.txt"]
    assert str(warning.where) == "nums.txt:1-3"


def test_build__html_the_sanitizer_removes_is_reported(tmp_path: Path) -> None:
    """Colours, a video and a script were taken out of declared HTML without a word in the report."""
    text = (
        "#separator:tab\n#html:true\n"
        '<span style="color:red">Red</span> <font color=red>word</font>\t<script>x</script>True\n'
        "<b>Plain</b>\tkept <i>as is</i>\n"
    )
    result = build(
        write_tree(tmp_path / "src", {"anki.txt": text}, DECK), tmp_path / "out", timestamp=1_700_000_000
    )
    fixes = [(str(f.where), f.message) for f in result.findings if f.stage == "render"]
    assert fixes == [
        (
            "anki.txt:3",
            "front: removed HTML that is not on the allow-list (scripts, styles, unknown tags): <font>, color=, style=",
        ),
        (
            "anki.txt:3",
            "back: removed HTML that is not on the allow-list (scripts, styles, unknown tags): <script>",
        ),
    ]


def test_build__no_notes_because_every_card_was_left_out_says_why(tmp_path: Path) -> None:
    """The error blamed "see picture" cards for any exclusion, and hid the warning that explained it."""
    declared = "#separator:tab\n#html:true\n<script>x</script>\tfront\n<style>y</style>\tback\n"
    with pytest.raises(BuildError) as raised:
        build(
            write_tree(tmp_path / "src", {"anki.txt": declared}, DECK),
            tmp_path / "out",
            timestamp=1_700_000_000,
        )
    assert "all 2 card(s) were left out, the first at anki.txt:3: the front shows nothing in Anki" in str(
        raised.value
    )
    assert "see picture" not in str(raised.value)
