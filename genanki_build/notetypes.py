"""The project's own note types: pinned names, fields, templates and CSS.

Never genanki's built-in models, whose IDs every genanki user shares. Field and template names are
part of the note type's identity in students' collections: renaming or adding one forks the note
type there, so :data:`FIELDS` is pinned and a test guards it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from genanki_build.model import NoteType

#: Field names per note type. Changing these forks the note type in every student's collection.
FIELDS: dict[str, tuple[str, ...]] = {
    NoteType.BASIC.value: ("Front", "Back", "Add Reverse"),
    NoteType.CLOZE.value: ("Text", "Back Extra"),
}

CSS = """\
.card {
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 20px;
  line-height: 1.5;
  text-align: left;
  color: #1f2328;
  background-color: #ffffff;
  max-width: 42em;
  margin: 0 auto;
  padding: 0.5em 1em;
}
.card.nightMode, .nightMode .card { color: #e6edf3; background-color: #1e1e1e; }
hr#answer { border: none; border-top: 1px solid #d0d7de; margin: 1em 0; }
.nightMode hr#answer { border-top-color: #444c56; }
ul, ol { margin: 0.3em 0; padding-left: 1.4em; }
li { margin: 0.15em 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
pre { white-space: pre-wrap; background: rgba(127, 127, 127, 0.12); padding: 0.5em; border-radius: 4px; }
img { max-width: 100%; height: auto; }
table { border-collapse: collapse; }
td, th { border: 1px solid rgba(127, 127, 127, 0.4); padding: 0.2em 0.5em; }
.cloze { font-weight: 600; color: #0969da; }
.nightMode .cloze { color: #58a6ff; }
.extra { margin-top: 1em; color: #57606a; }
.nightMode .extra { color: #9da7b3; }
@media (max-width: 480px) { .card { font-size: 18px; padding: 0.4em 0.6em; } }
"""


@dataclass(frozen=True, slots=True)
class Template:
    """One card template."""

    name: str
    """Pinned template name."""
    front: str
    """Question-side HTML template."""
    back: str
    """Answer-side HTML template."""


@dataclass(frozen=True, slots=True)
class NoteTypeSpec:
    """One note type."""

    key: str
    """``basic`` or ``cloze``."""
    name: str
    """Display name in Anki."""
    fields: tuple[str, ...]
    """Pinned field names."""
    templates: tuple[Template, ...]
    """Pinned templates."""
    css: str
    """Styling."""

    @property
    def fingerprint(self) -> str:
        """A hash of everything students' collections keep of the note type."""
        parts = [self.name, *self.fields, self.css]
        for t in self.templates:
            parts += [t.name, t.front, t.back]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def note_types(collection: str) -> dict[str, NoteTypeSpec]:
    """The collection's Basic and Cloze note types, by key."""
    basic = NoteTypeSpec(
        key=NoteType.BASIC.value,
        name=f"{collection} Basic",
        fields=FIELDS[NoteType.BASIC.value],
        templates=(
            Template("Card 1", "{{Front}}", '{{FrontSide}}<hr id="answer">{{Back}}'),
            Template(
                "Card 2 (reverse)",
                "{{#Add Reverse}}{{Back}}{{/Add Reverse}}",
                '{{FrontSide}}<hr id="answer">{{Front}}',
            ),
        ),
        css=CSS,
    )
    cloze = NoteTypeSpec(
        key=NoteType.CLOZE.value,
        name=f"{collection} Cloze",
        fields=FIELDS[NoteType.CLOZE.value],
        templates=(
            Template(
                "Cloze",
                "{{cloze:Text}}",
                '{{cloze:Text}}{{#Back Extra}}<div class="extra">{{Back Extra}}</div>{{/Back Extra}}',
            ),
        ),
        css=CSS,
    )
    return {basic.key: basic, cloze.key: cloze}
