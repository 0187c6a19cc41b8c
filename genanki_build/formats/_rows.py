"""Reading delimited records with the physical lines each one spans, strictly or tolerantly.

Shared by the ``csv`` and ``anki-text`` formats. Python's :mod:`csv` does the quoting (fields in
``"…"`` may hold the delimiter and line breaks; ``""`` is a quote). :func:`tolerant_rows` recovers
from broken quoting one line at a time, so a stray quote never swallows the rest of a file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
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


def _lines(physical: list[str], start: int) -> Iterator[str]:
    """The physical lines from index ``start`` on, each with its line break, as a text reader
    yields them: no copy of the rest of the text."""
    last = len(physical) - 1
    for i in range(start, last):
        yield physical[i] + "\n"
    if start <= last and physical[last]:
        yield physical[last]


def _read(
    physical: list[str], start: int, delimiter: str, first_line: int, strict: bool
) -> tuple[list[Row], CsvError | None]:
    """The records from ``physical[start]`` (``text.split("\n")``; line ``first_line + start``) up
    to the first broken one, and the error there (None at the end)."""
    reader = csv.reader(
        _lines(physical, start), delimiter=delimiter, quotechar='"', doublequote=True, strict=strict
    )
    rows: list[Row] = []
    consumed = start
    try:
        for fields in reader:
            begin, end = consumed, start + reader.line_num
            consumed = end
            if not any(ln.strip() for ln in physical[begin:end]):
                continue  # blank lines; a record of empty fields ('""') is the caller's to report
            while begin < end - 1 and not physical[begin].strip():
                begin += 1
            rows.append(Row(begin + first_line, end - 1 + first_line, tuple(fields)))
    except csv.Error as exc:
        return rows, CsvError(consumed + first_line, str(exc))
    return rows, None


def read_rows(text: str, delimiter: str, *, first_line: int = 1, strict: bool = True) -> list[Row]:
    """Every non-empty record of ``text`` (which starts at physical line ``first_line``).

    Raises :class:`CsvError` on broken quoting when ``strict``; it names the record's first line.
    """
    rows, error = _read(text.split("\n"), 0, delimiter, first_line, strict)
    if error is not None:
        raise error
    return rows


class CsvError(csv.Error):
    """Broken quoting, with the physical line where the failing record starts."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        """1-based line where the record that failed starts."""


def _alone(line: str, delimiter: str) -> list[str]:
    """The fields of one physical line, quotes not spanning lines; split at every delimiter when
    even that fails (a field over the :mod:`csv` module's size limit)."""
    try:
        return next(csv.reader([line], delimiter=delimiter, quotechar='"', doublequote=True), [])
    except csv.Error:
        return line.split(delimiter)


def tolerant_rows(text: str, delimiter: str, *, first_line: int = 1) -> tuple[list[Row], set[int]]:
    """Rows read strictly where possible; a record whose quoting breaks is read as its first
    physical line alone (quotes not spanning lines), and strict reading resumes on the next line.
    Returns the rows and the numbers of the lines read alone."""
    physical = text.split("\n")
    rows: list[Row] = []
    alone: set[int] = set()
    start = 0  # index into physical
    while start < len(physical):
        # Read on from the line after the last broken one; the lines are not joined again, so many
        # broken lines cost no more than reading the file once more.
        part, error = _read(physical, start, delimiter, first_line, True)
        rows.extend(part)
        if error is None:
            break
        line = physical[error.line - first_line]
        rows.append(Row(error.line, error.line, tuple(_alone(line, delimiter))))
        alone.add(error.line)
        start = error.line - first_line + 1
    return rows, alone
