"""What a dashboard is made of, whatever it is shown as: page, chart, CSV or PDF.

Selectors build these once, with every number already computed and suppressed; the page, the
charts, the CSV and the PDF only lay them out, so they cannot disagree.
"""

import datetime
from dataclasses import dataclass, field
from typing import Literal

from governance.periods import Period
from governance.suppression import Count


def plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


@dataclass(frozen=True)
class Cell:
    """One figure as printed, and the number a chart draws for it (None: draw no bar)."""

    text: str
    value: float | None = None
    withheld: bool = False

    @classmethod
    def number(cls, value: int) -> "Cell":
        return cls(str(value), value)

    @classmethod
    def count(cls, count: Count) -> "Cell":
        """A suppressed incident count: withheld cells carry their label and no number."""
        return cls(count.label, count.value, withheld=count.hidden)

    @classmethod
    def percent(cls, part: int, whole: int) -> "Cell":
        if not whole:
            return cls("–")
        share = 100 * part / whole
        # Never round up to 100% while someone is still outstanding.
        shown = int(share) if part < whole and share > 99 else round(share)
        return cls(f"{shown}%", shown)

    @classmethod
    def words(cls, text: str) -> "Cell":
        return cls(text)


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]
    total: bool = False  # a total is printed in the table but not drawn in the chart
    on: datetime.date | None = None  # the day a row of a line chart stands for


@dataclass(frozen=True)
class Chart:
    kind: Literal["bars", "line"]
    columns: list[int]  # which columns are drawn (several: a bar for each, side by side)
    unit: str = ""  # "%": drawn on a scale of 0 to 100
    description: str = ""  # what the picture shows, in words, for its accessible name


@dataclass(frozen=True)
class Table:
    key: str  # unique on the page: the chart's and table's ids derive from it
    caption: str
    row_heading: str
    columns: list[str]
    rows: list[Row]
    chart: Chart | None = None
    note: str = ""


@dataclass(frozen=True)
class Headline:
    """One number at the top of the page, with what it is of."""

    value: str
    label: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    tables: list[Table]
    covers: Literal["now", "period"] = "now"
    headlines: list[Headline] = field(default_factory=list)


@dataclass
class Dashboard:
    kind: Literal["school", "trust"]
    name: str
    slug: str
    period: Period
    today: datetime.date
    produced_at: datetime.datetime
    sections: list[Section] = field(default_factory=list)
    cache_key: str = ""  # where governance.cache keeps it, and its rendered figures

    @property
    def headlines(self) -> list[Headline]:
        return [headline for section in self.sections for headline in section.headlines]

    def csv_rows(self) -> list[list[str]]:
        """Every figure, one per line: what it covers, which table, row and column."""
        rows = [["Dashboard", "Covers", "Section", "Figure", "Row", "Measure", "Value"]]
        covers = {
            "now": f"as at {self.today.isoformat()}",
            "period": f"{self.period.start.isoformat()} to {self.period.end.isoformat()}",
        }
        for section in self.sections:
            for table in section.tables:
                for row in table.rows:
                    for column, cell in zip(table.columns, row.cells, strict=True):
                        rows.append(
                            [
                                self.name,
                                covers[section.covers],
                                section.title,
                                table.caption,
                                row.label,
                                column,
                                cell.text,
                            ]
                        )
        return rows
