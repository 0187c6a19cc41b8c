"""Types shared by every input format, and the registry that holds them.

Each format is one module in this package exposing a :class:`Format`: a name, a ``detect(text)``
that scores how well the text fits (0.0 to 1.0, from content alone, never from a file name), and a
``parse(text, source, options)`` that turns the text into cards plus findings for every line it
did not use. :func:`sniff` picks the best-scoring format for a text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from genanki_build.model import ParseResult

#: Lines that are page furniture rather than content, matched whole and case-insensitively
#: after stripping. Formats drop them and report them as ``noise``. Extend in ``deck.toml``
#: under ``[parse] noise = [...]``.
DEFAULT_NOISE: tuple[str, ...] = (
    r"how well did you know this\?",
    r"not at all",
    r"perfectly",
    r"flip card",
    r"show answer",
    r"terms in this set \(\d+\)",
    r"study( this set)?",
    r"(sign up|log in)( for free)?",
)


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """Documented, configurable cues the parsers follow."""

    noise: tuple[str, ...] = DEFAULT_NOISE
    """Regular expressions for whole lines that are page noise (rating widgets, buttons)."""
    extra: dict[str, str] = field(default_factory=dict)
    """Format-specific settings from ``deck.toml`` (e.g. ``separator``), by name."""


Detect = Callable[[str], float]
Parse = Callable[[str, str, ParseOptions], ParseResult]


@dataclass(frozen=True, slots=True)
class Format:
    """One input format."""

    name: str
    """Stable identifier, used in tags (``source::<name>``) and in ``deck.toml`` overrides."""
    description: str
    """One line for ``genanki-build formats`` and the README."""
    detect: Detect
    """Scores 0.0 (certainly not) to 1.0 (certainly) how well a text fits the format."""
    parse: Parse
    """Turns a text into cards, accounting for every non-blank line."""
    ceiling: float = 1.0
    """The highest score :attr:`detect` can ever return. Sniffing skips a format whose ceiling
    cannot beat the best score so far, so a tight ceiling saves work and never changes a result."""
    settings: frozenset[str] = frozenset()
    """The settings of a ``[files."<path>"]`` table in ``deck.toml`` it reads (``separator`` …),
    given to :attr:`parse` in :attr:`ParseOptions.extra`."""


#: How much of a text the detectors see; a few thousand lines tell a format apart.
SNIFF_CHARS = 128 * 1024


def sniff_sample(text: str) -> str:
    """The start of ``text`` that detection looks at: whole lines, at most :data:`SNIFF_CHARS`."""
    if len(text) <= SNIFF_CHARS:
        return text
    cut = text.rfind("\n", 0, SNIFF_CHARS)
    return text[: cut + 1] if cut > 0 else text[:SNIFF_CHARS]


class RegistryError(ValueError):
    """A format was registered twice, or an unknown one was asked for."""


class Registry:
    """An ordered set of formats, by name."""

    def __init__(self, formats: Iterable[Format] = ()) -> None:
        self._formats: dict[str, Format] = {}
        for fmt in formats:
            self.register(fmt)

    def register(self, fmt: Format) -> None:
        """Add a format; a name may be registered only once."""
        if fmt.name in self._formats:
            raise RegistryError(f"input format {fmt.name!r} is already registered")
        self._formats[fmt.name] = fmt

    def get(self, name: str) -> Format:
        """The format called ``name``."""
        try:
            return self._formats[name]
        except KeyError:
            known = ", ".join(sorted(self._formats))
            raise RegistryError(f"unknown input format {name!r}; known formats: {known}") from None

    def __iter__(self) -> Iterator[Format]:
        return iter(self._formats.values())

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._formats)

    def sniff(self, text: str) -> tuple[Format, float]:
        """The best-scoring format for ``text`` and its score; ties go to the earlier format.

        Formats see at most the first :data:`SNIFF_CHARS` characters (cut at a line end when there
        is one), so detecting a huge file costs no more than detecting a large one.
        """
        sample = sniff_sample(text)
        best: Format | None = None
        best_score = -1.0
        for fmt in self._formats.values():
            if fmt.ceiling <= best_score:
                continue  # it could at best tie, and ties go to the earlier format
            score = fmt.detect(sample)
            if score > best_score:
                best, best_score = fmt, score
        if best is None:
            raise RegistryError("no input formats are registered")
        return best, best_score
