"""The build report: ``report.json`` for tools, ``report.html`` for a maintainer's browser."""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from genanki_build.model import Finding

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


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "stage": f.stage,
        "kind": f.kind,
        "where": str(f.where) if f.where else "",
        "message": f.message,
        "before": f.before,
        "after": f.after,
    }


def counts(result: BuildResult) -> dict[str, Any]:
    """Cards per deck and note type, and findings per kind."""
    per_deck = Counter(c.deck for c in result.cards)
    per_type = Counter(c.note_type.value for c in result.cards)
    kinds = Counter(f.kind for f in result.findings)
    return {
        "notes": len(result.cards),
        "excluded": len(result.excluded),
        "per_deck": dict(sorted(per_deck.items())),
        "per_note_type": dict(sorted(per_type.items())),
        "findings": dict(sorted(kinds.items())),
    }


def to_json(result: BuildResult) -> str:
    """The whole report as JSON."""
    return "".join(iter_json(result))


def iter_json(result: BuildResult) -> Iterator[str]:
    """:func:`to_json` piece by piece, for writing a large report without holding it whole."""
    data = {
        "collection": result.config.name,
        "counts": counts(result),
        "files": [
            {
                "path": f.path,
                "encoding": f.encoding,
                "format": f.format,
                "score": f.score,
                "cards": f.cards,
                "lines": f.lines,
                "skipped_lines": f.skipped,
                "problem": f.problem,
            }
            for f in result.files
        ],
        "findings": _FINDINGS_SLOT,
        "timings": {k: round(v, 4) for k, v in result.timings.items()},
    }
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    # Findings go one compact object per line. A 100,000-card build has hundreds of thousands of
    # them, and the indenting encoder (pure Python) held millions of fragments at once: 0.8 GB.
    # The slot's last occurrence: only stage names (in "timings") follow the findings.
    head, _, tail = text.rpartition(json.dumps(_FINDINGS_SLOT))
    yield head
    if not result.findings:
        yield "[]"
    else:
        encode = json.JSONEncoder(ensure_ascii=False).encode
        for i, finding in enumerate(result.findings):
            yield ("[\n    " if i == 0 else ",\n    ") + encode(_finding(finding))
        yield "\n  ]"
    yield tail


#: Stands for the findings list while the rest of ``report.json`` is indented.
_FINDINGS_SLOT = "\x00findings\x00"


_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #1f2328; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; vertical-align: top; padding: .25em .6em; border-bottom: 1px solid #eaeef2; }
th { background: #f6f8fa; } td.where { white-space: nowrap; font-family: ui-monospace, monospace; font-size: .9em; }
del { background: #ffebe9; text-decoration: none; } ins { background: #dafbe1; text-decoration: none; }
.num { text-align: right; } details summary { cursor: pointer; }
@media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; } th { background: #161b22; }
  th, td { border-color: #30363d; } del { background: #5d1f1f; } ins { background: #1f4d2b; } }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(rows_cell for rows_cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_parts(result: BuildResult) -> list[str]:
    """The page's parts (a section's table is one part)."""
    c = counts(result)
    out = [
        "<!doctype html><html lang=en><meta charset=utf-8>",
        f"<title>{_e(result.config.name)} — build report</title><style>{_CSS}</style>",
        f"<h1>{_e(result.config.name)}: build report</h1>",
        f"<p>{c['notes']} notes in the package, {c['excluded']} left out.</p>",
        "<h2>Decks</h2>",
        _table(
            ["Deck", "Notes"],
            [[f"<td>{_e(d)}</td>", f"<td class=num>{n}</td>"] for d, n in c["per_deck"].items()],
        ),
        _table(
            ["Note type", "Notes"],
            [[f"<td>{_e(t)}</td>", f"<td class=num>{n}</td>"] for t, n in c["per_note_type"].items()],
        ),
        "<h2>Files</h2>",
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
        items = [f for f in result.findings if f.kind == kind]
        if not items:
            continue
        # One string per row (not per cell): sections can hold hundreds of thousands of rows.
        rows = [
            [
                f"<td class=where>{_e(f.where or '')}</td>"
                f"<td>{_e(f.message)}</td>"
                f"<td>{'<del>' + _e(f.before) + '</del>' if f.before else ''}"
                f"{' → <ins>' + _e(f.after) + '</ins>' if f.after else ''}</td>"
            ]
            for f in items
        ]
        out.append(f"<h2>{_e(title)} ({len(items)})</h2>")
        table = _table(["Where", "What", "Change"], rows)
        out.append(f"<details><summary>show</summary>{table}</details>" if len(items) > 50 else table)
    known = {k for k, _ in SECTIONS}
    other = [f for f in result.findings if f.kind not in known]
    if other:
        out.append(f"<h2>Other ({len(other)})</h2>")
        out.append(
            _table(
                ["Where", "Kind", "What"],
                [
                    [
                        f"<td class=where>{_e(f.where or '')}</td>",
                        f"<td>{_e(f.kind)}</td>",
                        f"<td>{_e(f.message)}</td>",
                    ]
                    for f in other
                ],
            )
        )
    return out


def to_html(result: BuildResult) -> str:
    """A self-contained page a maintainer reads in a browser."""
    return "".join(iter_html(result))


def iter_html(result: BuildResult) -> Iterator[str]:
    """:func:`to_html` piece by piece, for writing a large report without holding it whole."""
    for part in _html_parts(result):
        yield part + "\n"
