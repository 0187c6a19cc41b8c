"""The render stage: field text becomes the HTML Anki shows.

- Plain text (the fast path): HTML-escaped; ``- ``, ``*`` and ``•`` lines become ``<ul>`` lists,
  ``1.``/``1)`` lines ``<ol>`` lists, other line breaks ``<br>``. A line's indentation, after the
  first, is kept as no-break spaces (``&nbsp;``), so code reads as written.
- Markdown: one configured :class:`MarkdownIt` with raw HTML *off* (cards are untrusted text),
  tables, strikethrough and ``$…$`` math (shown with Anki's MathJax ``\\(…\\)``). A single-line field
  is rendered inline, so it carries no stray ``<p>``.
- HTML declared by an export: sanitized to a safe allow-list (no scripts, no event handlers, no
  ``javascript:`` URLs).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from genanki_build.model import Card, Finding, Markup, evolve
from genanki_build.stage import Context, StageResult

# Not "·": the clean stage writes a middle dot that starts a list item as "- "; one it leaves is a
# character ("· is the middle dot"), not a bullet.
STAGE = "render"

_BULLET = re.compile(r"^\s*[-•▪◦*]\s+(?P<item>.+)$")
_NUMBERED = re.compile(r"^\s*(?P<num>\d{1,3})[.)]\s+(?P<item>.+)$")

ALLOWED_TAGS = frozenset(
    [
        "a",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "div",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})


def _math_inline(content: str) -> str:
    return f"\\({html.escape(content)}\\)"


def _math_block(content: str) -> str:
    return f"\\[{html.escape(content)}\\]"


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The project's one MarkdownIt instance."""
    md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(["table", "strikethrough"])
    # double_inline: Obsidian notes put "$$…$$" display math inside paragraphs (and clozes);
    # allow_digits=False: "costs $5 and $10" is money, not math (Pandoc's rule).
    md.use(
        dollarmath_plugin,
        renderer=_math_inline,
        allow_labels=False,
        double_inline=True,
        allow_digits=False,
    )
    md.add_render_rule(
        "math_inline", lambda self, tokens, idx, options, env: _math_inline(tokens[idx].content)
    )
    md.add_render_rule("math_block", lambda self, tokens, idx, options, env: _math_block(tokens[idx].content))
    md.add_render_rule(
        "math_inline_double", lambda self, tokens, idx, options, env: _math_block(tokens[idx].content)
    )
    return md


def sanitize_html(text: str) -> str:
    """Declared HTML reduced to the allow-list."""
    return nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=None,
    )


def _list_open(kind: str, start: str) -> str:
    if kind == "ul":
        return "<ul>"
    return "<ol>" if start == "1" else f'<ol start="{start}">'


def text_to_html(text: str) -> str:
    """Plain text to HTML: escaped, with lists and line breaks."""
    if "\n" not in text and not _BULLET.match(text) and not _NUMBERED.match(text):
        return html.escape(text.strip(), quote=False)  # one plain line: most fields
    parts: list[str] = []
    open_list = ""
    for line in text.split("\n"):
        bullet = _BULLET.match(line)
        number = None if bullet else _NUMBERED.match(line)
        kind = "ul" if bullet else "ol" if number else ""
        if kind != open_list:
            if open_list:
                parts.append(f"</{open_list}>")
            if kind:
                parts.append(_list_open(kind, number.group("num") if number else "1"))
            open_list = kind
        match = bullet or number
        if match:
            parts.append(f"<li>{html.escape(match.group('item').strip(), quote=False)}</li>")
        elif line.strip():
            if parts and not parts[-1].endswith(("</ul>", "</ol>")):
                parts.append("<br>")
            # A later line's indentation is the text's (code, nested items), and HTML would
            # collapse it: each leading space becomes a no-break space.
            indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip()) if parts else 0
            parts.append("&nbsp;" * indent + html.escape(line.strip(), quote=False))
    if open_list:
        parts.append(f"</{open_list}>")
    return "".join(parts)


def markdown_to_html(text: str) -> str:
    """Markdown to HTML; one-line text inline, without a ``<p>``."""
    md = markdown()
    if "\n" not in text.strip():
        return str(md.renderInline(text.strip()))
    return str(md.render(text)).strip()


def to_html(text: str, markup: Markup) -> str:
    """Render one field."""
    if markup is Markup.HTML:
        return sanitize_html(text)
    if markup is Markup.MARKDOWN:
        return markdown_to_html(text)
    return text_to_html(text)


#: A start tag's name, and its attributes (name, and the value when it is a URL).
_START_TAG = re.compile(r"<([a-zA-Z][\w-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTRIBUTE = re.compile(r"([^\s\"'=<>/]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'<>]+)))?")


def _markup(text: str) -> Counter[str]:
    """Each tag (``<font>``) and attribute (``style=``, ``href=javascript:``) of ``text``, counted."""
    found: Counter[str] = Counter()
    for tag in _START_TAG.finditer(text):
        found[f"<{tag.group(1).lower()}>"] += 1
        for attr in _ATTRIBUTE.finditer(tag.group(2)):
            name = attr.group(1).lower()
            value = next((v for v in attr.group(2, 3, 4) if v is not None), "")
            scheme = (
                value.strip().split(":", 1)[0].lower() if ":" in value and name in ("href", "src") else ""
            )
            found[f"{name}={scheme}:" if scheme else f"{name}="] += 1
    return found


def _sanitized(card: Card, side: str, before: str, after: str) -> Finding | None:
    """A ``fix`` finding naming what the sanitizer took out of declared HTML, if anything."""
    removed = _markup(before) - _markup(after)
    if not removed:
        return None
    what = ", ".join(sorted(removed))
    message = f"{side}: removed HTML that is not on the allow-list (scripts, styles, unknown tags): {what}"
    return Finding(STAGE, "fix", message, card.source, before, after)


def render_cards(cards: tuple[Card, ...], context: Context) -> StageResult:
    """Every card's fields rendered to HTML; ``markup`` becomes :attr:`Markup.HTML`. What the
    sanitizer removes from declared HTML (a ``<font>``, a ``style``, a script) is a ``fix`` finding."""
    out: list[Card] = []
    findings: list[Finding] = []
    for card in cards:
        front, back = to_html(card.front, card.markup), to_html(card.back, card.markup)
        found: list[Finding] = []
        if card.markup is Markup.HTML:
            for side, before, after in (("front", card.front, front), ("back", card.back, back)):
                if before != after and (finding := _sanitized(card, side, before, after)):
                    found.append(finding)
        findings += found
        extra = {"findings": (*card.findings, *found)} if found else {}
        out.append(evolve(card, front=front, back=back, markup=Markup.HTML, **extra))
    return StageResult(tuple(out), tuple(findings))
