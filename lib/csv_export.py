"""The one CSV writer: every CSV the portal writes goes through it.

A spreadsheet runs a cell that starts like a formula, and the portal's CSVs carry text people
typed (names, policy titles, school names): a person called `=HYPERLINK("http://…","x")`
must open as that text, not as a link. Following OWASP's advice on CSV injection, a text cell
starting with = + - @, a tab or a carriage return gets a leading apostrophe, which spreadsheets
show as text and do not display. Numbers, dates and None are written as they are: they
cannot carry a formula. Nothing else should call `csv.writer` (tests/lib/test_csv_export.py
checks the tree).
"""

import csv
from collections.abc import Iterable
from typing import Any, Protocol

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise(value: Any) -> Any:
    """The value, with an apostrophe in front if it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer`'s writerow and writerows, with every cell neutralised first."""

    def __init__(self, stream: _Writable, **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _Writable, **fmtparams: Any) -> SafeWriter:
    """A writer onto anything with write(): a file, a StringIO, an HttpResponse."""
    return SafeWriter(stream, **fmtparams)


def csv_response(rows: Iterable[Iterable[Any]], *, filename: str) -> HttpResponse:
    """A CSV download of `rows` (the header first), named `filename`."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv_writer(response).writerows(rows)
    return response
