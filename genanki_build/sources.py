"""Reading the source tree: the card source files (their bytes) and the media beside them.

Unreadable files, links that lead nowhere or outside the tree, and folder loops become findings,
never errors. Parsing is :mod:`genanki_build.parsing`'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from genanki_build.config import CONFIG_NAME, Config, did_you_mean, load_config
from genanki_build.errors import BuildError
from genanki_build.formats import anki_package
from genanki_build.formats.anki_package import PackagedMedia
from genanki_build.lock import LOCK_NAME
from genanki_build.model import Finding, SourceRef

#: Files in the source tree that are never parsed as card sources.
NOT_SOURCES = frozenset({CONFIG_NAME, "cards.lock", "typos.toml", "README.md", ".gitkeep"})
#: A folder holding both of these is a build's output folder (its lock file and its cards.jsonl):
#: never read as sources, or each build would read the last one's package and reports as cards.
OUTPUT_MARKS = frozenset({LOCK_NAME, "cards.jsonl"})
#: Extensions of media files; they are available to cards, not parsed.
MEDIA_SUFFIXES = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".svg",
        ".webp",
        ".bmp",
        ".tif",
        ".tiff",
        ".mp3",
        ".ogg",
        ".wav",
        ".m4a",
        ".mp4",
        ".webm",
    ]
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file read from the source tree."""

    path: str
    """Path relative to the source folder, forward slashes."""
    data: bytes
    """Its bytes."""


@dataclass(frozen=True, slots=True)
class Sources:
    """Everything read from a source folder."""

    root: Path
    """The folder."""
    config: Config
    """Its ``deck.toml``."""
    files: tuple[SourceFile, ...]
    """Card source files, sorted by path."""
    media: tuple[str, ...]
    """Media files present, relative paths: in the folder, and in Anki packages as if each were a
    folder (``shared/deck.apkg/cell.png``)."""
    findings: tuple[Finding, ...] = ()
    """Files that could not be read."""
    packaged: Mapping[str, PackagedMedia] = field(default_factory=dict)
    """The media of :attr:`media` inside packages, by relative path."""

    def media_file(self, rel: str) -> Path | PackagedMedia:
        """Where the bytes of the media file ``rel`` (one of :attr:`media`) are read from."""
        return self.packaged.get(rel) or self.root / rel


def _is_media(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in MEDIA_SUFFIXES


def read_sources(root: Path) -> Sources:
    """Read every card source below ``root``; unreadable files become findings, never errors."""
    if not root.exists():
        raise BuildError(f"{root}: no such folder; pass the folder that holds your exports")
    if not root.is_dir():
        raise BuildError(f"{root}: not a folder; pass the folder that holds your exports")
    if set(os.listdir(root)) >= OUTPUT_MARKS:
        raise BuildError(
            f"{root}: a folder genanki-build wrote, not sources; pass the folder that holds your exports"
        )
    config = load_config(root)
    files: list[SourceFile] = []
    media: list[str] = []
    packaged: dict[str, PackagedMedia] = {}
    findings: list[Finding] = []
    seen_dirs: set[tuple[int, int]] = set()
    root_real = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen_dirs:
            dirnames[:] = []
            rel = Path(dirpath).relative_to(root).as_posix()
            findings.append(
                Finding("read", "warning", f"{rel}: folder seen before (a symlink loop); skipped")
            )
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        if dirpath != str(root) and set(filenames) >= OUTPUT_MARKS:
            dirnames[:] = []
            rel = Path(dirpath).relative_to(root).as_posix()
            msg = f"{rel}: a build's output folder (its .lock and cards.jsonl); not read as sources"
            findings.append(Finding("read", "info", msg))
            continue
        # Real folders before links to them, so a file is known by its real path when both lead to it.
        dirnames[:] = sorted(
            (d for d in dirnames if not d.startswith(".")),
            key=lambda d: (os.path.islink(os.path.join(dirpath, d)), d),
        )
        for name in sorted(filenames):
            if name.startswith(".") or name in NOT_SOURCES:
                continue
            full = Path(dirpath) / name
            rel = full.relative_to(root).as_posix()
            if not full.is_file():
                # A FIFO would block the read for ever; a broken link has nothing to read.
                msg = f"{rel}: not a regular file (a broken link, a pipe or a device); skipped"
                findings.append(Finding("read", "warning", msg, SourceRef(rel, 0, 0)))
                continue
            if _is_media(name):
                if not full.resolve().is_relative_to(root_real):
                    msg = f"{rel}: links outside the source folder; media is read only from inside it"
                    findings.append(Finding("read", "warning", msg, SourceRef(rel, 0, 0)))
                    continue
                media.append(rel)
                continue
            try:
                data = full.read_bytes()
            except OSError as exc:
                reason = exc.strerror or str(exc)
                findings.append(
                    Finding(
                        "read",
                        "warning",
                        f"{rel}: cannot read ({reason}); skipped — check its permissions",
                        SourceRef(rel, 0, 0),
                    )
                )
                continue
            files.append(SourceFile(rel, data))
            if anki_package.is_package(data):
                for name, (member, compressed) in anki_package.media(data).items():
                    packaged[f"{rel}/{name}"] = PackagedMedia(full, name, member, compressed)
    files.sort(key=lambda f: f.path)
    findings += _unmatched_overrides(config, [f.path for f in files])
    everything = tuple(sorted({*media, *packaged}))
    return Sources(root, config, tuple(files), everything, tuple(findings), MappingProxyType(packaged))


def _unmatched_overrides(config: Config, paths: list[str]) -> list[Finding]:
    """A warning for each ``[files."<path>"]`` of ``deck.toml`` that names no card source: its
    settings would apply to nothing (a file renamed or moved, or a typo in the path)."""
    present = set(paths)
    findings: list[Finding] = []
    for name in sorted(config.files):
        if name in present:
            continue
        msg = (
            f'{CONFIG_NAME} [files."{name}"] names no card source in the folder; its settings apply '
            f"to nothing — {did_you_mean(name, paths)}give the path relative to the source folder, with forward slashes"
        )
        findings.append(Finding("read", "warning", msg))
    return findings
