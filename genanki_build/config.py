"""``deck.toml``: the collection's name, its identity namespace and per-file overrides.

Example::

    [collection]
    name = "Marketing"          # the root deck
    namespace = "marketing"     # seeds every ID; never change it once students have the deck

    [options]
    include_incomplete = false  # put "see picture" cards in the package, tagged needs::image
    reverse = false             # also make a reversed card for term/definition notes

    [parse]
    noise = ["Click to flip"]   # extra page-noise lines (regular expressions, whole line)
    placeholders = ["Zie afbeelding"]  # extra "see picture" phrases

    [typos]
    fix = { "teh" = "the" }     # corrections to always make
    keep = ["Nguyen"]           # words never to correct

    [files."some-export.txt"]   # per-file overrides, by path relative to source/
    format = "quizlet-page"
    lecture = "L3 Segmentation"
    tags = ["exam"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from genanki_build.errors import ConfigError

CONFIG_NAME = "deck.toml"


@dataclass(frozen=True, slots=True)
class FileOverride:
    """Settings for one source file, from ``[files."<path>"]``."""

    format: str = ""
    """Force this input format instead of detecting one."""
    lecture: str = ""
    """The lecture title to use instead of the export's title."""
    tags: tuple[str, ...] = ()
    """Extra tags for every card of the file."""
    skip: bool = False
    """Leave the file out of the build (reported)."""
    options: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Format-specific settings, e.g. ``separator``."""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything ``deck.toml`` says, with defaults for what it does not."""

    name: str = "Flashcards"
    """The collection's root deck name."""
    namespace: str = ""
    """Seed for every GUID, note-type and deck ID; defaults to :attr:`name`."""
    include_incomplete: bool = False
    """Put cards that only point at a missing picture into the package, tagged ``needs::image``."""
    reverse: bool = False
    """Add a reversed card to term/definition notes."""
    noise: tuple[str, ...] = ()
    """Extra page-noise line patterns, added to the built-in ones."""
    placeholders: tuple[str, ...] = ()
    """Extra "see picture" phrases, added to the built-in ones."""
    typo_fix: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Corrections a maintainer asks for, lower-case word to replacement."""
    typo_keep: frozenset[str] = frozenset()
    """Lower-case words never to correct."""
    files: MappingProxyType[str, FileOverride] = field(default_factory=lambda: MappingProxyType({}))
    """Per-file overrides, by path relative to the source folder."""

    @property
    def id_namespace(self) -> str:
        """The namespace IDs derive from."""
        return self.namespace or self.name

    def override(self, path: str) -> FileOverride:
        """The override for ``path``, or an empty one."""
        return self.files.get(path, FileOverride())


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false")
    return value


def _file_override(path: str, raw: Any) -> FileOverride:
    where = f'[files."{path}"]'
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    known = {"format", "lecture", "tags", "skip"}
    options = {k: str(v) for k, v in raw.items() if k not in known}
    return FileOverride(
        format=str(raw.get("format", "")),
        lecture=str(raw.get("lecture", "")),
        tags=_str_list(raw.get("tags", []), f"{where} tags"),
        skip=_bool(raw.get("skip", False), f"{where} skip"),
        options=MappingProxyType(options),
    )


def parse_config(text: str, path: str = CONFIG_NAME) -> Config:
    """A :class:`Config` from the text of a ``deck.toml``; raises :class:`ConfigError`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}; fix the TOML syntax") from None
    coll = raw.get("collection", {})
    opts = raw.get("options", {})
    parse = raw.get("parse", {})
    typos = raw.get("typos", {})
    fix = typos.get("fix", {})
    if not isinstance(fix, dict) or not all(isinstance(v, str) for v in fix.values()):
        raise ConfigError(f"{path}: [typos] fix must map words to their corrections")
    files = raw.get("files", {})
    if not isinstance(files, dict):
        raise ConfigError(f"{path}: [files] must be a table of tables")
    name = str(coll.get("name", "Flashcards")).strip() or "Flashcards"
    return Config(
        name=name,
        namespace=str(coll.get("namespace", "")),
        include_incomplete=_bool(opts.get("include_incomplete", False), "include_incomplete"),
        reverse=_bool(opts.get("reverse", False), "reverse"),
        noise=_str_list(parse.get("noise", []), "[parse] noise"),
        placeholders=_str_list(parse.get("placeholders", []), "[parse] placeholders"),
        typo_fix=MappingProxyType({k.lower(): v for k, v in fix.items()}),
        typo_keep=frozenset(w.lower() for w in _str_list(typos.get("keep", []), "[typos] keep")),
        files=MappingProxyType({k: _file_override(k, v) for k, v in files.items()}),
    )


def load_config(source_dir: Path) -> Config:
    """The config in ``source_dir/deck.toml``, or defaults named after the folder."""
    path = source_dir / CONFIG_NAME
    if not path.exists():
        return Config(name=source_dir.resolve().name.replace("_", " ").title() or "Flashcards")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc}); check the file is UTF-8 text") from None
    return parse_config(text, str(path))
