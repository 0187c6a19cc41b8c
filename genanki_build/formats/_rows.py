"""Reading delimited records with the physical lines each one spans, strictly or tolerantly.

Shared by the ``csv`` and ``anki-text`` formats. Python's :mod:`csv` does the quoting (fields in
``"…"`` may hold the delimiter and line breaks; ``""`` is a quote). :func:`tolerant_rows` recovers
from broken quoting one line at a time, so a stray quote never swallows the rest of a file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Row:
    """One CSV record with the physical lines it spans."""

    first: int
    """First physical line (1-based)."""
    last: int
    """Last physical line (1-based, inclusive)."""
    fields: tuple[str, ...]
    """The fields, unquoted."""


def _read(text: str, delimiter: str, first_line: int, strict: bool) -> tuple[list[Row], CsvError | None]:
    """The records of ``text`` up to the first broken one, and the error there (None at the end)."""
    physical = text.split("\n")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=strict
    )
    rows: list[Row] = []
    consumed = 0
    try:
        for fields in reader:
            start, end = consumed, reader.line_num
            consumed = end
            if not any(ln.strip() for ln in physical[start:end]):
                continue  # blank lines; a record of empty fields ('""') is the caller's to report
            while start < end - 1 and not physical[start].strip():
                start += 1
            rows.append(Row(start + first_line, end - 1 + first_line, tuple(fields)))
    except csv.Error as exc:
        return rows, CsvError(consumed + first_line, str(exc))
    return rows, None


def read_rows(text: str, delimiter: str, *, first_line: int = 1, strict: bool = True) -> list[Row]:
    """Every non-empty record of ``text`` (which starts at physical line ``first_line``).

    Raises :class:`CsvError` on broken quoting when ``strict``; it names the record's first line.
    """
    rows, error = _read(text, delimiter, first_line, strict)
    if error is not None:
        raise error
    return rows


class CsvError(csv.Error):
    """Broken quoting, with the physical line where the failing record starts."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        """1-based line where the record that failed starts."""


def tolerant_rows(text: str, delimiter: str, *, first_line: int = 1) -> tuple[list[Row], set[int]]:
    """Rows read strictly where possible; a record whose quoting breaks is read as its first
    physical line alone (quotes not spanning lines), and strict reading resumes on the next line.
    Returns the rows and the numbers of the lines read alone."""
    physical = text.split("\n")
    rows: list[Row] = []
    alone: set[int] = set()
    start = first_line
    while start < first_line + len(physical):
        part, error = _read("\n".join(physical[start - first_line :]), delimiter, start, True)
        rows.extend(part)
        if error is None:
            break
        line = physical[error.line - first_line]
        fields = next(csv.reader([line], delimiter=delimiter, quotechar='"', doublequote=True), [])
        rows.append(Row(error.line, error.line, tuple(fields)))
        alone.add(error.line)
        start = error.line + 1
    return rows, alone
