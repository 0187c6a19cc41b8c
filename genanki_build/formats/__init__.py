"""Input formats: one module per format, collected into one registry.

To add a format, write a module beside this one that defines ``FORMAT`` (a
:class:`~genanki_build.formats.base.Format`) and list it in ``_MODULES`` below. Order matters only
for ties in detection: earlier formats win.
"""

from __future__ import annotations

from genanki_build.formats import (
    anki_text,
    brainscape_page,
    csv_table,
    logseq,
    markdown,
    mcq,
    obsidian,
    obsidian_to_anki,
    prose,
    qa_lines,
    quizlet_export,
    quizlet_page,
)
from genanki_build.formats.base import Format, ParseOptions, Registry, RegistryError

_MODULES = (
    brainscape_page,
    quizlet_page,
    anki_text,
    mcq,
    quizlet_export,
    csv_table,
    obsidian_to_anki,
    logseq,
    obsidian,
    qa_lines,
    markdown,
    prose,
)


def default_registry() -> Registry:
    """A fresh registry of every format shipped with genanki-build."""
    return Registry(module.FORMAT for module in _MODULES)


__all__ = ["Format", "ParseOptions", "Registry", "RegistryError", "default_registry"]
