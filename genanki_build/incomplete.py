"""The incomplete stage: find cards whose answer only points at a picture the export lost.

Quizlet and Brainscape keep a card's image out of a copied page, so students' answers like
a Danish "se billede" ("see picture") or an English "see model" arrive without the picture. Such a card teaches nothing.

A Basic card is *incomplete* when its whole answer, compared case-insensitively, ignoring surrounding
spaces, quotes, brackets and trailing punctuation, is

- a placeholder phrase: a verb of :data:`SEE` followed by an optional article of :data:`ARTICLES`, a
  noun of :data:`PICTURE`, and optionally "of/af/von/de/van … <noun>" and "above/ovenfor/oben …"
  (so Danish "se billede af model", "see the image above", "siehe Abbildung", "voir l'image",
  "zie afbeelding" all count), or one of :data:`PHRASES`, or one of ``deck.toml``'s
  ``[parse] placeholders``.

An answer that holds an image reference (``<img src>``, ``![](…)``) is never incomplete here: the
picture is there, and a reference to a file the source folder lacks is the media stage's to report.
Nor is a card whose question holds a placeholder phrase too ("Translate: siehe Bild"): it is about
the words.

By default an incomplete card is flagged ``incomplete`` and ``excluded`` (kept out of the package)
and reported with kind ``excluded``. With ``--include-incomplete`` (or ``include_incomplete`` in
``deck.toml``) it stays in, flagged ``incomplete`` and tagged ``needs::image``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache

from genanki_build.model import Card, Finding, NoteType, evolve
from genanki_build.stage import Context, StageResult

STAGE = "incomplete"
TAG = "needs::image"

# fmt: off
#: "see" in the languages students write their cards in (English, Danish, Norwegian, Swedish, German,
#: French, Spanish, Portuguese, Italian, Dutch, Polish).
SEE = (
    "see", "look at", "refer to", "cf.",
    "se", "se på", "kig på",
    "siehe", "s.", "vgl.",
    "voir", "cf",
    "ver", "véase", "vea", "veja",
    "vedi", "guarda",
    "zie", "kijk naar",
    "zobacz",
)
#: Articles and possessives that may sit between the verb and the noun.
ARTICLES = (
    "the", "a", "an", "this", "attached",
    "det", "den", "de",
    "das", "die", "der", "dem",
    "la", "le", "l'", "l’", "les", "el", "los", "las", "o",
    "il", "lo",
    "het", "een",
)
#: Nouns for a picture, model, figure or slide, singular and plural, definite forms included.
PICTURE = (
    # English
    "picture", "pictures", "pic", "image", "images", "img", "photo", "photos", "model", "models",
    "figure", "figures", "fig.", "fig", "diagram", "diagrams", "graph", "chart", "slide", "slides",
    "drawing", "illustration", "screenshot", "table", "visual",
    # Danish, Norwegian, Swedish
    "billede", "billedet", "billeder", "billederne", "modellen", "figur", "figuren", "tegning",
    "tegningen", "tabel", "tabellen", "bilde", "bildet", "bilder", "bild", "bilden", "diagrammet",
    # German
    "abbildung", "abb.", "grafik", "modell", "folie", "skizze", "foto", "tabelle", "schaubild",
    # French
    "schéma", "modèle", "diapo", "diapositive", "tableau",
    # Spanish, Portuguese, Italian
    "imagen", "figura", "modelo", "diapositiva", "esquema", "imagem", "immagine", "modello",
    "grafico", "gráfico", "tabla",
    # Dutch, Polish
    "afbeelding", "plaatje", "figuur", "dia", "tekening", "obrazek", "rysunek", "zdjęcie",
)
#: Words that link a second noun: "billede af model", "picture of the model".
_OF = ("af", "of", "of the", "von", "vom", "des", "de", "du", "de la", "del", "van", "van het", "di", "do", "da")
#: Where the picture was: "see picture above".
_WHERE = (
    "above", "below", "on the slide", "in the slides", "in the lecture", "ovenfor", "nedenfor",
    "oben", "unten", "ci-dessus", "ci-dessous", "arriba", "abajo", "hierboven", "hieronder", "sopra",
)
#: Whole-answer phrases that do not follow the "see + picture" pattern.
PHRASES = (
    "[image]", "(image)", "[picture]", "(picture)", "[photo]", "[bild]", "[billede]",
    "image missing", "picture missing", "missing image", "no image", "insert image", "insert picture",
    "billede mangler", "bild fehlt", "image manquante", "falta imagen", "afbeelding ontbreekt",
)
# fmt: on

_STRIP = " \t\n\"'“”‘’«»()[]{}.,;:!?…-–—"
_IMG_HTML = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*([\"']?)([^\"'\s>]+)\1[^>]*>", re.IGNORECASE)
_IMG_MARKDOWN = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_TAG = re.compile(r"<[^>]*>")


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    see, art, noun = _alternation(SEE), _alternation(ARTICLES), _alternation(PICTURE)
    of, where = _alternation(_OF), _alternation(_WHERE)
    # Articles may end in an apostrophe ("l'image"), so the space after an article is optional there.
    article = rf"(?:(?:{art})(?:\s+|(?<=['’])))?"
    return re.compile(
        rf"(?:{see})\s+{article}(?:{noun})(?:\s+(?:{of})\s+{article}\S+)?(?:\s+(?:{where}))?",
        re.IGNORECASE,
    )


_SPACES = re.compile(r"\s+")


def _normalize(text: str) -> str:
    return _SPACES.sub(" ", text).strip(_STRIP).lower()


def _plain(text: str) -> str:
    if "<" not in text and "&" not in text:
        return text.replace("\u00a0", " ")
    return html.unescape(_TAG.sub(" ", text)).replace("\u00a0", " ")


@lru_cache(maxsize=8)
def _phrases(extra: tuple[str, ...]) -> frozenset[str]:
    return frozenset(PHRASES) | {_normalize(p) for p in extra} | {p.lower() for p in extra}


def is_placeholder(answer: str, extra: Iterable[str] = ()) -> bool:
    """True when ``answer`` as a whole only points at a picture ("see image.", "siehe Bild")."""
    plain = _plain(answer)
    text = _normalize(plain)
    if not text:
        return False
    phrases = _phrases(tuple(extra))
    if text in phrases or plain.strip().rstrip(".!").strip().lower() in phrases:
        return True
    return _pattern().fullmatch(text) is not None


def _has_image(text: str) -> bool:
    return bool(_IMG_HTML.search(text) or _IMG_MARKDOWN.search(text) or "![[" in text)


def _reason(card: Card, context: Context) -> str:
    """Why ``card`` is incomplete, or ``""`` when it is not."""
    if card.note_type is not NoteType.BASIC:
        return ""
    if _has_image(card.back):
        return ""
    if is_placeholder(card.back, context.config.placeholders) and not _about_the_phrase(card.front, context):
        return f"the answer only points at a missing picture: {_normalize(_plain(card.back))!r}"
    return ""


def _about_the_phrase(front: str, context: Context) -> bool:
    """True when the question holds a placeholder phrase itself ("How do you say 'see the picture'
    in German?", "Translate: siehe Bild"): the card is about the words, and its answer is one."""
    text = _normalize(_plain(front))
    phrases = _phrases(tuple(context.config.placeholders))
    # Whole words only: "response model" holds no "se model", nor "cover image" "ver image".
    if any(p and re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text) for p in phrases):
        return True
    return any(_whole_words(text, m) for m in _pattern().finditer(text))


def _whole_words(text: str, match: re.Match[str]) -> bool:
    start, end = match.span()
    return (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())


def flag_incomplete(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Flag cards whose answer only points at a missing picture; exclude them unless asked not to."""
    out: list[Card] = []
    findings: list[Finding] = []
    for card in cards:
        reason = "" if "incomplete" in card.flags else _reason(card, context)
        if not reason:
            out.append(card)
            continue
        if context.include_incomplete:
            finding = Finding(STAGE, "info", f"{reason}; kept and tagged {TAG}", card.source, card.back)
            flags = card.flags | {"incomplete"}
            tags = tuple(sorted({*card.tags, TAG}))
        else:
            message = f"{reason}; left out of the package (--include-incomplete keeps it)"
            finding = Finding(STAGE, "excluded", message, card.source, card.back)
            flags = card.flags | {"incomplete", "excluded"}
            tags = card.tags
        findings.append(finding)
        out.append(evolve(card, flags=flags, tags=tags, findings=(*card.findings, finding)))
    return StageResult(tuple(out), tuple(findings))
