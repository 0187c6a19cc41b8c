"""The resolve_media stage: references resolved inside the source tree only, packaged flat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from genanki_build import parsing
from genanki_build.build import build
from genanki_build.check import import_into
from genanki_build.formats.base import Format, ParseOptions, Registry
from genanki_build.media import flat_name, resolve, resolve_media
from genanki_build.model import Card, Markup, ParseResult, SourceRef
from genanki_build.stage import Context
from tests.conftest import write_tree

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
    b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND"
    b"\xaeB`\x82"
)


def _card(
    front: str, back: str = "answer", *, markup: Markup = Markup.MARKDOWN, file: str = "notes/a.md"
) -> Card:
    return Card(front, back, SourceRef(file, 3, 4), "test", markup=markup)


def _run(card: Card, media: set[str]) -> tuple[Card, list[Any]]:
    result = resolve_media((card,), Context(media=frozenset(media)))
    return result.cards[0], list(result.findings)


def test_flat_name__plain_root_file_keeps_its_name() -> None:
    assert flat_name("cell.png") == "cell.png"


def test_flat_name__same_name_in_two_folders_does_not_collide() -> None:
    a, b = flat_name("a/x.png"), flat_name("b/x.png")
    assert a != b
    assert a.endswith(".png") and "/" not in a and "/" not in b


def test_resolve__a_package_holds_its_own_media_a_text_file_does_not() -> None:
    media = frozenset({"shared/deck.apkg/cell.png", "shared/cell.png", "x.png", "notes/x.png"})
    assert resolve("cell.png", "shared/deck.apkg", media).rel == "shared/deck.apkg/cell.png"
    assert resolve("cell.png", "shared/notes.md", media).rel == "shared/cell.png"
    # Only a file that holds media is a folder: "../x.png" from notes/a.md is x.png, never notes/x.png.
    assert resolve("../x.png", "notes/a.md", media).rel == "x.png"


def test_resolve__relative_to_the_source_file_folder() -> None:
    found = resolve("img/cell.png", "notes/a.md", frozenset({"notes/img/cell.png"}))
    assert (found.kind, found.rel) == ("ok", "notes/img/cell.png")


@pytest.mark.parametrize(
    "ref", ["../../etc/passwd", "../../../x.png", "/etc/passwd", "C:\\Windows\\x.png", "file:///etc/passwd"]
)
def test_resolve__paths_leaving_the_tree_are_unsafe(ref: str) -> None:
    assert resolve(ref, "notes/a.md", frozenset({"etc/passwd", "x.png"})).kind == "unsafe"


def test_resolve__dotdot_that_stays_inside_the_tree_is_fine() -> None:
    found = resolve("../pics/x.png", "notes/a.md", frozenset({"pics/x.png"}))
    assert (found.kind, found.rel) == ("ok", "pics/x.png")


def test_resolve_media__markdown_image_rewritten_and_recorded() -> None:
    card, findings = _run(_card("What is this? ![a cell](img/cell%20one.png)"), {"notes/img/cell one.png"})
    name = flat_name("notes/img/cell one.png")
    assert card.front == f"What is this? ![a cell]({name})"
    assert card.media == ("notes/img/cell one.png",)
    assert not findings and not card.flags


@pytest.mark.parametrize("markup", [Markup.TEXT, Markup.MARKDOWN, Markup.HTML])
def test_resolve_media__a_sound_tag_is_media_in_any_markup(markup: Markup) -> None:
    card, findings = _run(
        _card("la mer", "[sound:audio/mer.mp3] the sea", markup=markup), {"notes/audio/mer.mp3"}
    )
    assert card.back == f"[sound:{flat_name('notes/audio/mer.mp3')}] the sea"
    assert card.media == ("notes/audio/mer.mp3",) and not findings


def test_resolve_media__a_missing_sound_is_reported_and_shown() -> None:
    card, findings = _run(_card("la mer", "[sound:mer.mp3]", markup=Markup.TEXT), set())
    assert card.back == "[missing sound: mer.mp3]"
    assert "media-missing" in card.flags
    (finding,) = findings
    assert finding.message.startswith("sound 'mer.mp3' reported")


def test_resolve_media__a_sound_leaving_the_tree_is_removed() -> None:
    card, findings = _run(_card("x", "[sound:../../../etc/passwd] y", markup=Markup.HTML), {"etc/passwd"})
    assert card.back == " y" and "media-unsafe" in card.flags and len(findings) == 1


def test_resolve_media__plain_text_without_a_sound_tag_is_left_as_it_is() -> None:
    original = _card("![not an image](x.png)", "<img src=x.png>", markup=Markup.TEXT)
    card, findings = _run(original, {"notes/x.png"})
    assert card is original and not findings


def test_resolve_media__obsidian_embed_found_by_name() -> None:
    card, _ = _run(_card("![[cell.png]] label it"), {"attachments/cell.png"})
    assert card.front == f"![]({flat_name('attachments/cell.png')}) label it"
    assert card.media == ("attachments/cell.png",)


def test_resolve_media__html_img_src_rewritten() -> None:
    card, _ = _run(
        _card('<b>x</b><img alt="c" src="cell.png">', markup=Markup.HTML, file="a.txt"), {"cell.png"}
    )
    assert card.front == '<b>x</b><img alt="c" src="cell.png">'
    assert card.media == ("cell.png",)


def test_resolve_media__escape_removed_flagged_and_warned() -> None:
    card, findings = _run(_card("Q ![secret](../../etc/passwd)", "<img src='/etc/shadow'>"), {"x.png"})
    assert "passwd" not in card.front and card.front == "Q secret"
    assert "media-unsafe" in card.flags
    assert card.media == ()
    assert findings and all(f.kind == "warning" and str(f.where) == "notes/a.md:3-4" for f in findings)


def test_resolve_media__unsafe_html_src_removed() -> None:
    card, findings = _run(_card('x <img src="../../../etc/passwd" alt="p"> y', markup=Markup.HTML), set())
    assert card.front == "x p y"
    assert "media-unsafe" in card.flags and len(findings) == 1


def test_resolve_media__missing_file_flagged_and_reported() -> None:
    card, findings = _run(_card("Label ![](gone.png)"), set())
    assert "media-missing" in card.flags
    assert "gone.png" in findings[0].message and findings[0].kind == "warning"
    assert "![" not in card.front and "missing image: gone.png" in card.front


def test_resolve_media__web_images_and_text_cards_untouched() -> None:
    web = _card("![x](https://example.org/x.png)")
    assert _run(web, set()) == (web, [])
    text = _card("![x](../../etc/passwd)", markup=Markup.TEXT)
    assert _run(text, set()) == (text, [])


def test_resolve_media__huge_field_completes() -> None:
    """A 10 MB field of almost-references must not take quadratic time."""

    field = "![a](" * 400_000 + "<img " * 400_000 + "![[" * 400_000
    _run(_card(field), set())


def _md_format() -> Format:
    """A tiny Markdown-ish format (`Q | A` lines) so this test does not depend on others' parsers."""

    def parse(text: str, source: str, options: ParseOptions) -> ParseResult:
        cards = []
        for n, line in enumerate(text.split("\n"), start=1):
            if "|" in line:
                q, a = line.split("|", 1)
                cards.append(
                    Card(q.strip(), a.strip(), SourceRef(source, n, n), "pipes", markup=Markup.MARKDOWN)
                )
        return ParseResult(tuple(cards))

    return Format("pipes", "test", lambda text: 1.0, parse)


def test_build__image_packaged_and_seen_by_anki(
    tmp_path: Path, collection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parsing, "default_registry", lambda: Registry([_md_format()]))
    src = write_tree(
        tmp_path / "src",
        {
            "bio/cells.md": "Name this organelle ![](img/mito.png) | mitochondrion\nOther | ![](missing.png)\n",
            "bio/img/mito.png": PNG,
        },
        deck_toml='[collection]\nname = "Bio"\nnamespace = "test/bio"\n',
    )
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    assert any("media-missing" in c.flags for c in result.cards)
    import_into(collection, tmp_path / "out" / "Bio.apkg")
    name = flat_name("bio/img/mito.png")
    media_dir = Path(collection.media.dir())
    assert (media_dir / name).read_bytes() == PNG
    (nid,) = collection.find_notes('"Front:Name this organelle*"')
    assert f'<img src="{name}"' in collection.get_note(nid)["Front"]
    assert not collection.media.check().missing


def test_build__a_picture_no_card_shows_is_in_the_report(tmp_path: Path) -> None:
    """A picture whose card lost its reference appeared nowhere: not packaged, not reported."""
    text = "## What is a cell?\n\n![cell](cell.png)\n\n## What is ATP?\n\nEnergy.\n"
    src = write_tree(tmp_path / "src", {"bio.md": text, "cell.png": b"\x89PNG", "img/lost.png": b"\x89PNG"})
    result = build(src, tmp_path / "out", timestamp=1_700_000_000)
    notes = [f.message for f in result.findings if f.kind == "info" and f.stage == "read"]
    assert notes == ["img/lost.png: a picture or sound no card shows; not packaged"]
    assert "img/lost.png" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
