"""The build report as ``report.html``: a self-contained page a maintainer reads in a browser."""

from __future__ import annotations

import difflib
import html
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from genanki_build.model import Finding
from genanki_build.report import _Once, counts

if TYPE_CHECKING:
    from genanki_build.build import BuildResult

#: Finding kinds, in the order the report shows them, with their section titles.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("error", "Errors"),
    ("warning", "Warnings"),
    ("conflict", "Conflicts"),
    ("excluded", "Left out of the package"),
    ("merge", "Merged duplicates"),
    ("typo", "Typo fixes"),
    ("suspect", "Suspect words left alone"),
    ("fix", "Text repairs"),
    ("cloze", "Made into cloze notes"),
    ("ledger", "Identity and history"),
    ("skipped", "Source lines not on any card"),
    ("info", "Notes"),
)


_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1f2328; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #d0d7de; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
.lede { color: #57606a; margin-top: 0; }
.tiles { display: flex; flex-wrap: wrap; gap: .6em; margin: 1em 0; padding: 0; list-style: none; }
.tiles li { border: 1px solid #d0d7de; border-radius: 6px; padding: .4em .9em; min-width: 7em; }
.tiles b { display: block; font-size: 1.5em; } .tiles .bad { border-color: #cf222e; } .tiles .bad b { color: #cf222e; }
nav { font-size: .95em; } nav a { margin-right: 1em; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; vertical-align: top; padding: .3em .6em; border-bottom: 1px solid #eaeef2; }
th { background: #f6f8fa; position: sticky; top: 0; }
td.where { font-family: ui-monospace, monospace; font-size: .9em; min-width: 16em; max-width: 24em; overflow-wrap: anywhere; }
td.change { font-family: ui-monospace, monospace; font-size: .9em; white-space: pre-wrap; word-break: break-word; }
del { background: #ffebe9; color: #82071e; text-decoration: line-through; }
ins { background: #dafbe1; color: #116329; text-decoration: none; }
.label { color: #57606a; font-family: system-ui, sans-serif; font-size: .85em; }
.num { text-align: right; font-variant-numeric: tabular-nums; } details summary { cursor: pointer; margin: .5em 0; }
@media (prefers-color-scheme: dark) {
  body { background: #0d1117; color: #e6edf3; } th { background: #161b22; } a { color: #58a6ff; }
  th, td, .tiles li { border-color: #30363d; } del { background: #5d1f1f; color: #ffdcd7; }
  ins { background: #1f4d2b; color: #aff5b4; } .lede, .label { color: #8d96a0; } }
"""

#: Finding kinds a maintainer should look at first: their tiles are shown in red when non-zero.
_ALARMING = frozenset({"error", "warning", "conflict"})
#: Longer texts are shown whole (removed, then added) instead of as a word diff.
_DIFF_LIMIT = 2000
_WORDS = re.compile(r"\s+|[^\s]+")


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(rows_cell for rows_cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def word_diff(before: str, after: str) -> str:
    """``before`` → ``after`` as HTML: unchanged words plain, removed ones ``<del>``, added ``<ins>``."""
    if not before:
        return f"<ins>{_e(after)}</ins>" if after else ""
    if not after:
        return f"<del>{_e(before)}</del>"
    if len(before) + len(after) > _DIFF_LIMIT:
        return f"<del>{_e(before)}</del>\n<ins>{_e(after)}</ins>"
    a, b = _WORDS.findall(before), _WORDS.findall(after)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(_e("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{_e(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{_e(''.join(b[j1:j2]))}</ins>")
    return "".join(out)


def _change(f: Finding, escape: Callable[[str], str] = _e) -> str:
    """The before/after cell: a word diff for a repair, both texts labelled for a merge or conflict.

    ``escape`` stands in for :func:`_e` where the result is the same (a skipped line's text)."""
    if f.kind == "suspect":
        return escape(f.before)  # a word left as it is: nothing was removed
    if not f.after and f.kind not in ("merge", "conflict"):
        # What word_diff gives when nothing was added, without its work.
        return f"<del>{escape(f.before)}</del>" if f.before else ""
    if f.kind == "merge" and (f.before or f.after):
        return (
            f"<span class=label>kept:</span>\n{_e(f.after)}\n"
            f"<span class=label>other copies:</span>\n<del>{_e(f.before)}</del>"
        )
    if f.kind == "conflict":
        return (
            f"<span class=label>one answer:</span>\n{_e(f.before)}\n"
            f"<span class=label>other answers:</span>\n{_e(f.after)}"
        )
    return word_diff(f.before, f.after)


def _anchor(kind: str) -> str:
    return f"k-{re.sub(r'[^a-z0-9]+', '-', kind.lower())}"


def _summary(result: BuildResult, c: dict[str, Any], skipped_lines: int) -> list[str]:
    kinds: dict[str, int] = c["findings"]
    present = {f.kind for f in result.findings}
    tiles = [
        ("notes", c["notes"], "decks", False),
        ("decks", len(c["per_deck"]), "decks", False),
        ("left out", c["excluded"], _anchor("excluded"), False),
        (
            "fixes",
            kinds.get("fix", 0) + kinds.get("typo", 0),
            _anchor("typo" if "typo" in present else "fix"),
            False,
        ),
        ("cloze notes made", kinds.get("cloze", 0), _anchor("cloze"), False),
        ("merges", kinds.get("merge", 0), _anchor("merge"), False),
        ("conflicts", kinds.get("conflict", 0), _anchor("conflict"), True),
        (
            "warnings",
            kinds.get("warning", 0) + kinds.get("error", 0),
            _anchor("error" if "error" in present else "warning"),
            True,
        ),
        ("skipped lines", skipped_lines, _anchor("skipped"), False),
    ]
    # A tile links to its section only when there is one to go to.
    sections = {"decks", *(_anchor(k) for k in present)}
    items = "".join(
        f"<li{' class=bad' if bad and n else ''}>"
        + (f"<a href=#{anchor}><b>{n}</b>{_e(label)}</a>" if anchor in sections else f"<b>{n}</b>{_e(label)}")
        + "</li>"
        for label, n, anchor, bad in tiles
    )
    links = ["<a href=#decks>Decks</a>", "<a href=#files>Files</a>"]
    links += [f"<a href=#{_anchor(k)}>{_e(t)}</a>" for k, t in SECTIONS if k in present]
    return [f"<ul class=tiles>{items}</ul>", f"<nav>{' '.join(links)}</nav>"]


def _html_parts(result: BuildResult) -> list[str]:
    """The page's parts (a section's table is one part)."""
    c = counts(result)
    by_kind: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_kind.setdefault(f.kind, []).append(f)
    escaped = _Once(_e)
    skipped_title = dict(SECTIONS)["skipped"]
    skipped_lines, skipped_parts = _skipped_section(skipped_title, by_kind.get("skipped", []), escaped)
    types = sorted({t for per in c["per_deck_note_type"].values() for t in per})
    deck_rows = [
        [
            f"<td>{_e(deck)}</td>"
            + "".join(f"<td class=num>{per.get(t, 0)}</td>" for t in types)
            + f"<td class=num>{sum(per.values())}</td>"
        ]
        for deck, per in c["per_deck_note_type"].items()
    ]
    deck_rows.append(
        ["<td><b>all decks</b></td>"]
        + [f"<td class=num><b>{c['per_note_type'].get(t, 0)}</b></td>" for t in types]
        + [f"<td class=num><b>{c['notes']}</b></td>"]
    )
    out = [
        "<!doctype html><html lang=en><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width, initial-scale=1'>",
        f"<title>{_e(result.config.name)} — build report</title><style>{_CSS}</style>",
        f"<h1>{_e(result.config.name)}: build report</h1>",
        f"<p class=lede>{c['notes']} notes in {len(c['per_deck'])} decks from {len(result.files)} files; "
        f"{c['excluded']} cards left out.</p>",
        *_summary(result, c, skipped_lines),
        "<h2 id=decks>Notes per deck and note type</h2>",
        _table(["Deck", *[f"{t} notes" for t in types], "Notes"], deck_rows),
        "<h2 id=files>Files: format and encoding detected</h2>",
        _table(
            ["File", "Format", "Encoding", "Cards", "Lines", "Skipped", "Problem"],
            [
                [
                    f"<td class=where>{_e(f.path)}</td>",
                    f"<td>{_e(f.format)} <small>({f.score})</small></td>",
                    f"<td>{_e(f.encoding)}</td>",
                    f"<td class=num>{f.cards}</td>",
                    f"<td class=num>{f.lines}</td>",
                    f"<td class=num>{f.skipped}</td>",
                    f"<td>{_e(f.problem)}</td>",
                ]
                for f in result.files
            ],
        ),
    ]
    for kind, title in SECTIONS:
        items = by_kind.get(kind, [])
        if not items:
            continue
        if kind == "skipped":
            out += skipped_parts
            continue
        # One string per row (not per cell): sections can hold hundreds of thousands of rows.
        rows = [
            [
                # A place is its file name (escaped once) and line numbers, which need no escaping.
                f"<td class=where>{escaped[f.where.file] + str(f.where)[len(f.where.file) :] if f.where else ''}"
                f"</td><td>{escaped[f.message]}</td><td class=change>{_change(f, escaped.__getitem__)}</td>"
            ]
            for f in items
        ]
        out.append(f"<h2 id={_anchor(kind)}>{_e(title)} ({len(items)})</h2>")
        table = _table(["Where", "What", "Change"], rows)
        out.append(
            f"<details><summary>show all {len(items)}</summary>{table}</details>"
            if len(items) > 50
            else table
        )
    known = {k for k, _ in SECTIONS}
    other = [f for f in result.findings if f.kind not in known]
    if other:
        out.append(f"<h2 id=k-other>Other ({len(other)})</h2>")
        out.append(
            _table(
                ["Where", "Kind", "What", "Change"],
                [
                    [
                        f"<td class=where>{_e(f.where or '')}</td>"
                        f"<td>{_e(f.kind)}</td>"
                        f"<td>{_e(f.message)}</td>"
                        f"<td class=change>{_change(f)}</td>"
                    ]
                    for f in other
                ],
            )
        )
    return out


def _lines_in(text: str) -> int:
    """How many non-blank source lines a skipped finding with this text names: one, or for a run
    (its lines joined by newlines) those that are not blank (a run may step over blank lines)."""
    if "\n" not in text:
        return 1
    return max(1, sum(1 for line in text.split("\n") if line.strip()))


_FIRST_LINE = operator.attrgetter("where.first")
_BEFORE = operator.attrgetter("before")


def _skipped_section(title: str, items: list[Finding], escaped: _Once) -> tuple[int, list[str]]:
    """The number of skipped lines, and their section: a row per file and reason with how many
    lines, where, and (folded) each distinct text with how often it was skipped. A 100,000-card
    page export skips some 400,000 lines of markers and rating widgets; a row per line made a
    page of 50 MB."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in items:
        groups.setdefault((f.where.file if f.where else "", f.message), []).append(f)
    rows = []
    total = 0
    for (file, reason), found in groups.items():
        if file:  # every finding here has a place
            found.sort(key=_FIRST_LINE)
        places = ", ".join(
            f"{w.first}" if w.first == w.last else f"{w.first}-{w.last}"
            for w in (f.where for f in found)
            if w
        )
        texts = Counter(map(_BEFORE, found))
        lines = sum(n * _lines_in(text) for text, n in texts.items())
        total += lines
        shown = "".join(
            f"<span class=label>{n}×</span>\n<del>{escaped[text]}</del>\n" for text, n in texts.items()
        )
        rows.append(
            [
                f"<td class=where>{escaped[file]}</td><td>{escaped[reason]}</td><td class=num>{lines}</td>"
                f"<td class=change>{places or '—'}<details><summary>{len(texts)} distinct "
                f"text{'' if len(texts) == 1 else 's'}</summary>{shown}</details></td>"
            ]
        )
    table = _table(["File", "Reason", "Lines", "Where, and what"], rows)
    return total, [
        f"<h2 id={_anchor('skipped')}>{_e(title)} ({total})</h2>",
        f"<details><summary>show all {len(rows)} files and reasons</summary>{table}</details>"
        if len(rows) > 50
        else table,
    ]


def to_html(result: BuildResult) -> str:
    """A self-contained page a maintainer reads in a browser."""
    return "".join(iter_html(result))


def iter_html(result: BuildResult) -> Iterator[str]:
    """:func:`to_html` piece by piece, for writing a large report without holding it whole."""
    for part in _html_parts(result):
        yield part + "\n"
