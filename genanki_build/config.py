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

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from genanki_build.errors import ConfigError

CONFIG_NAME = "deck.toml"

#: The tables ``deck.toml`` may hold, and the settings each may hold (``files`` holds a table per
#: file, with :data:`FILE_KEYS` and the settings of the file's format).
TABLES: dict[str, frozenset[str]] = {
    "collection": frozenset({"name", "namespace"}),
    "options": frozenset({"include_incomplete", "reverse"}),
    "parse": frozenset({"noise", "placeholders"}),
    "typos": frozenset({"fix", "keep"}),
    "files": frozenset(),
}
#: The settings of a ``[files."<path>"]`` table every format reads.
FILE_KEYS = frozenset({"format", "lecture", "tags", "skip"})


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


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f'{where} must be a string in quotes, e.g. "{value}"')
    return value


def did_you_mean(name: str, names: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` for the one of ``names`` closest to a misspelt ``name``; ``""`` when
    none is close."""
    close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}? " if close else ""


def _unknown(name: str, known: Iterable[str], where: str, what: str) -> ConfigError:
    """The error for a ``what`` (table, setting) called ``name`` that ``where`` does not have: most
    likely a typo, which would otherwise be ignored without a word."""
    names = ", ".join(sorted(known))
    return ConfigError(f"{where} has no {what} {name!r} ({did_you_mean(name, known)}{what}s: {names})")


def _file_override(path: str, raw: Any, config_path: str) -> FileOverride:
    where = f'{config_path}: [files."{path}"]'
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    # Other keys are the format's own settings (separator, header …), checked once the format is known.
    options = {k: str(v) for k, v in raw.items() if k not in FILE_KEYS}
    return FileOverride(
        format=_str(raw.get("format", ""), f"{where} format"),
        lecture=_str(raw.get("lecture", ""), f"{where} lecture"),
        tags=_str_list(raw.get("tags", []), f"{where} tags"),
        skip=_bool(raw.get("skip", False), f"{where} skip"),
        options=MappingProxyType(options),
    )


def _tables(raw: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    """Each table of ``raw``; raises :class:`ConfigError` for a table or setting deck.toml does not
    have."""
    tables: dict[str, dict[str, Any]] = {}
    for name, value in raw.items():
        if not isinstance(value, dict):
            tables_list = ", ".join(f"[{t}]" for t in TABLES if t != "files")
            raise ConfigError(
                f'{path}: {name!r} is outside every table; settings go in {tables_list} or [files."<path>"]'
            )
        if name not in TABLES:
            raise _unknown(name, TABLES, path, "table")
        if name != "files":
            for key in value:
                if key not in TABLES[name]:
                    raise _unknown(key, TABLES[name], f"{path}: [{name}]", "setting")
        tables[name] = value
    return tables


def parse_config(text: str, path: str = CONFIG_NAME) -> Config:
    """A :class:`Config` from the text of a ``deck.toml``; raises :class:`ConfigError`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}; fix the TOML syntax") from None
    tables = _tables(raw, path)
    coll = tables.get("collection", {})
    opts = tables.get("options", {})
    parse = tables.get("parse", {})
    typos = tables.get("typos", {})
    fix = typos.get("fix", {})
    if not isinstance(fix, dict) or not all(isinstance(v, str) for v in fix.values()):
        raise ConfigError(f"{path}: [typos] fix must map words to their corrections")
    files = tables.get("files", {})
    name = _str(coll.get("name", "Flashcards"), f"{path}: [collection] name").strip() or "Flashcards"
    return Config(
        name=name,
        namespace=_str(coll.get("namespace", ""), f"{path}: [collection] namespace"),
        include_incomplete=_bool(opts.get("include_incomplete", False), f"{path}: include_incomplete"),
        reverse=_bool(opts.get("reverse", False), f"{path}: reverse"),
        noise=_str_list(parse.get("noise", []), f"{path}: [parse] noise"),
        placeholders=_str_list(parse.get("placeholders", []), f"{path}: [parse] placeholders"),
        typo_fix=MappingProxyType({k.lower(): v for k, v in fix.items()}),
        typo_keep=frozenset(w.lower() for w in _str_list(typos.get("keep", []), f"{path}: [typos] keep")),
        files=MappingProxyType({k: _file_override(k, v, path) for k, v in files.items()}),
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
