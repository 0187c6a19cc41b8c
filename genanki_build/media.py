"""The resolve_media stage: image and sound references in card fields point at files packaged with
the deck.

Finds image references in Markdown (``![alt](path)``, Obsidian's ``![[file.png]]``) and in declared
HTML (``<img src=…>``), and Anki's ``[sound:file.mp3]`` tags in fields of any markup (Anki plays
them whatever the field), and resolves each one against the source tree only:

- inside the card's source file when it is an Anki package (which holds its notes' media, as if it
  were a folder: ``deck.apkg/cell.png``), then relative to the card's source file's folder, then to
  the source root (and, for Obsidian embeds, by file name anywhere in the tree when exactly one file
  has that name);
- a path that leaves the source tree (``../..``), an absolute path or a non-web URL scheme is never
  followed: the reference is removed (its alt text stays), the card is flagged ``media-unsafe``
  and a warning says where;
- a file that is not there, or cannot be read (damaged inside an Anki package:
  :attr:`Context.unreadable`), is reported and the card flagged ``media-missing``; the reference
  becomes the text ``[missing image: path]`` so the card does not show a broken picture;
- a file that is there is recorded in :attr:`Card.media` (relative to the source root) and the
  reference rewritten to its name in Anki's flat media folder (:func:`flat_name`).

``http(s)://`` images are left alone: they are not media files. Plain-text fields are scanned for
sound tags only: the render stage escapes them, so nothing else in them can load a file.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from genanki_build.model import Card, Finding, Markup, evolve
from genanki_build.stage import Context, StageResult

STAGE = "resolve_media"

# Every match attempt stops at the next opening bracket or tag, so a huge line costs linear time.
_MD_IMAGE = re.compile(
    r"!\[(?P<alt>[^\[\]\n]{0,1000})\]\(\s*(?P<path><[^<>\n]{0,2000}>|[^()\s]{1,2000})"
    r"(?P<title>\s+\"[^\"\n]{0,1000}\")?\s*\)"
)
_WIKI_IMAGE = re.compile(r"!\[\[(?P<path>[^\[\]|\n]{1,2000})(?:\|(?P<alt>[^\[\]\n]{0,1000}))?\]\]")
#: Anki's sound (and video) tag, which its card templates play from the media folder.
_SOUND = re.compile(r"\[sound:(?P<name>[^\[\]\n]{1,2000})\]")
_IMG_TAG = re.compile(r"<img\b[^<>]{0,4000}>", re.IGNORECASE)
_SRC = re.compile(
    r"""(?P<lead>\bsrc\s*=\s*)(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<uq>[^\s"'>]+))""", re.IGNORECASE
)
_ALT = re.compile(r"""\balt\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<uq>[^\s"'>]+))""", re.IGNORECASE)
_SCHEME = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*):")
_WEB_SCHEMES = frozenset({"http", "https"})
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def flat_name(rel: str) -> str:
    """The file's name in Anki's flat media folder, unique per path in the source tree.

    A file at the source root with a plain name keeps it; any other gets a short hash of its path,
    so ``a/x.png`` and ``b/x.png`` do not collide.
    """
    name = posixpath.basename(rel)
    if "/" not in rel and _SAFE_NAME.fullmatch(name):
        return name
    stem, ext = posixpath.splitext(name)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._-") or "media"
    ext = re.sub(r"[^A-Za-z0-9.]+", "", ext).lower()
    digest = hashlib.sha1(rel.encode("utf-8")).hexdigest()[:8]
    return f"{safe[:60]}-{digest}{ext}"


@dataclass(frozen=True, slots=True)
class _Resolved:
    kind: str
    """``ok``, ``web``, ``unsafe`` or ``missing``."""
    rel: str = ""
    """The file relative to the source root, when ``ok``."""
    reason: str = ""


@lru_cache(maxsize=8)
def _folders(media: frozenset[str]) -> frozenset[str]:
    """The folders that hold media (a frozenset keeps its hash: one build asks at the cost of one)."""
    return frozenset(posixpath.dirname(m) for m in media)


def resolve(ref: str, source_file: str, media: frozenset[str], *, by_name: bool = False) -> _Resolved:
    """Where ``ref`` (as written in ``source_file``) points inside the source tree, if anywhere."""
    raw = ref.strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1].strip()
    raw = unquote(raw).replace("\\", "/")
    scheme = _SCHEME.match(raw)
    if scheme and len(scheme.group("scheme")) > 1:
        if scheme.group("scheme").lower() in _WEB_SCHEMES:
            return _Resolved("web")
        return _Resolved(
            "unsafe", reason=f"a {scheme.group('scheme')}: URL is not a file in the source folder"
        )
    if raw.startswith("/") or re.match(r"^[a-zA-Z]:", raw):
        return _Resolved("unsafe", reason="an absolute path; media is read only from the source folder")
    if not raw or "\x00" in raw:
        return _Resolved("unsafe", reason="an empty or malformed path")
    folder = posixpath.dirname(source_file)
    # An Anki package holds its notes' media, as if it were a folder (``deck.apkg/cell.png``): its
    # own first.
    bases = (source_file, folder, "") if source_file in _folders(media) else (folder, "")
    for base in bases:
        joined = posixpath.normpath(posixpath.join(base, raw))
        if joined == ".." or joined.startswith("../"):
            return _Resolved("unsafe", reason="a path that leaves the source folder")
        if joined in media:
            return _Resolved("ok", joined)
    if by_name:
        matches = sorted(m for m in media if posixpath.basename(m) == posixpath.basename(raw))
        if len(matches) == 1:
            return _Resolved("ok", matches[0])
    return _Resolved("missing", reason="no such media file in the source folder")


def _missing_text(ref: str, markup: Markup, what: str = "image") -> str:
    text = f"[missing {what}: {ref}]"
    if markup is Markup.HTML:
        return html.escape(text)
    return text.replace("[", "\\[").replace("]", "\\]") if markup is Markup.MARKDOWN else text


class _Field:
    """Rewrites one field, collecting what it changed."""

    def __init__(self, card: Card, context: Context) -> None:
        self.card = card
        self.media = context.media
        self.unreadable = context.unreadable
        self.used: list[str] = []
        self.flags: set[str] = set()
        self.findings: list[Finding] = []

    def _find(self, ref: str, *, by_name: bool = False) -> _Resolved:
        found = resolve(ref, self.card.source.file, self.media, by_name=by_name)
        if found.kind == "ok" and found.rel in self.unreadable:
            return _Resolved("missing", reason=f"{found.rel} is damaged and cannot be read")
        return found

    def _outcome(self, ref: str, resolved: _Resolved, original: str, after: str, what: str = "image") -> str:
        if resolved.kind == "ok":
            self.used.append(resolved.rel)
            return after
        flag = "media-unsafe" if resolved.kind == "unsafe" else "media-missing"
        self.flags.add(flag)
        verb = "removed" if resolved.kind == "unsafe" else "reported"
        self.findings.append(
            Finding(
                STAGE,
                "warning",
                f"{what} {ref!r} {verb}: {resolved.reason}",
                self.card.source,
                before=original,
                after=after,
            )
        )
        return after

    def markdown(self, text: str) -> str:
        def image(match: re.Match[str]) -> str:
            ref, alt = match.group("path"), match.group("alt")
            found = self._find(ref)
            return self._replace(match.group(0), ref, alt, found, lambda name: f"![{alt}]({name})")

        def wiki(match: re.Match[str]) -> str:
            ref, alt = match.group("path").strip(), match.group("alt") or ""
            found = self._find(ref, by_name=True)
            return self._replace(match.group(0), ref, alt, found, lambda name: f"![{alt}]({name})")

        return _WIKI_IMAGE.sub(wiki, _MD_IMAGE.sub(image, text))

    def html(self, text: str) -> str:
        def tag(match: re.Match[str]) -> str:
            original = match.group(0)
            src = _SRC.search(original)
            if src is None:
                return original
            ref = html.unescape(src.group("dq") or src.group("sq") or src.group("uq") or "")
            alt_match = _ALT.search(original)
            alt = html.unescape(
                (alt_match.group("dq") or alt_match.group("sq") or alt_match.group("uq") or "")
                if alt_match
                else ""
            )
            found = self._find(ref)

            def with_src(name: str) -> str:
                return f'{original[: src.start()]}{src.group("lead")}"{name}"{original[src.end() :]}'

            return self._replace(original, ref, html.escape(alt), found, with_src)

        return _IMG_TAG.sub(tag, text)

    def sounds(self, text: str) -> str:
        """Anki's ``[sound:name]`` tags, in a field of any markup (Anki plays them whatever the field)."""
        if "[sound:" not in text:
            return text

        def sound(match: re.Match[str]) -> str:
            original, name = match.group(0), match.group("name")
            ref = html.unescape(name) if self.card.markup is Markup.HTML else name
            found = self._find(ref)
            if found.kind == "web":
                return original
            if found.kind == "ok":
                after = f"[sound:{flat_name(found.rel)}]"
            elif found.kind == "unsafe":
                after = ""
            else:
                after = _missing_text(ref, self.card.markup, "sound")
            return self._outcome(ref, found, original, after, "sound")

        return _SOUND.sub(sound, text)

    def _replace(
        self, original: str, ref: str, alt: str, found: _Resolved, rewrite: Callable[[str], str]
    ) -> str:
        if found.kind == "web":
            return original
        if found.kind == "ok":
            after = rewrite(flat_name(found.rel))
        elif found.kind == "unsafe":
            after = alt
        else:
            after = _missing_text(ref, self.card.markup)
        return self._outcome(ref, found, original, after)


def resolve_media(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Every image and sound reference resolved inside the source tree, packaged, or reported and
    flagged."""
    out: list[Card] = []
    findings: list[Finding] = []
    for card in cards:
        if card.markup is Markup.TEXT and "[sound:" not in card.front and "[sound:" not in card.back:
            out.append(card)  # plain text loads no image (render escapes it); only a sound tag plays
            continue
        field = _Field(card, context)
        if card.markup is Markup.TEXT:
            front, back = field.sounds(card.front), field.sounds(card.back)
        else:
            rewrite = field.html if card.markup is Markup.HTML else field.markdown
            front, back = field.sounds(rewrite(card.front)), field.sounds(rewrite(card.back))
        if not field.used and not field.findings:
            out.append(card)
            continue
        media = tuple(sorted({*card.media, *field.used}))
        out.append(
            evolve(
                card,
                front=front,
                back=back,
                media=media,
                flags=card.flags | field.flags,
                findings=card.findings + tuple(field.findings),
            )
        )
        findings.extend(field.findings)
    return StageResult(tuple(out), tuple(findings))
