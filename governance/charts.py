"""Charts drawn on the server as inline SVG, from the same Table the numbers are printed from.

Each chart is an image with an accessible name (the table's caption) and a description; the
table beside it carries the numbers for everyone. Bars print their own value, so no axis needs
reading, and a hidden count is drawn as a short hatched, dashed box labelled "fewer than 5" or
"withheld": its length means nothing, and its label says so.
"""

import math
import textwrap

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from governance.figures import Table

WIDTH = 360  # drawn at about its own size on a phone, a little larger on a laptop
INK = "#212529"
GRID = "#adb5bd"
SERIES = ["#1f3a5f", "#8a4b08"]  # navy and brown: each 7:1 or more on white
LABEL_SIZE = 14
VALUE_SIZE = 13
BAR_HEIGHT = 16
WITHHELD_WIDTH = 26
CHAR_WIDTH = 8.4  # the widest a character averages at VALUE_SIZE (DejaVu Sans digits)
LABEL_CHARS = 44  # characters to a line of a row's label before it wraps


def _n(number: float) -> str:
    """A coordinate, to a tenth."""
    return f"{number:.1f}".removesuffix(".0")


def _join(parts: list[SafeString]) -> SafeString:
    return mark_safe("".join(parts))  # noqa: S308 - every part was built by format_html


def render(table: Table) -> SafeString:
    if table.chart is None:
        return _join([])
    if table.chart.kind == "line":
        return line_chart(table)
    return bar_chart(table)


def _svg(table: Table, height: float, body: SafeString, defs: SafeString) -> SafeString:
    chart_id = f"chart-{table.key}"
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        'width="{width}" height="{height}" role="img" aria-labelledby="{id}-title {id}-desc" '
        'font-family="DejaVu Sans, Arial, sans-serif">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "<defs>{defs}</defs>{body}</svg>",
        width=WIDTH,
        height=_n(height),
        id=chart_id,
        title=table.caption,
        desc=table.chart.description or _describe(table),
        defs=defs,
        body=body,
    )


def _describe(table: Table) -> str:
    """The chart in words: each row with its drawn values."""
    chart = table.chart
    items = []
    for row in table.rows:
        if row.total:
            continue
        values = [
            f"{table.columns[c]} {row.cells[c].text}"
            if len(chart.columns) > 1
            else row.cells[c].text
            for c in chart.columns
        ]
        items.append(f"{row.label}: {', '.join(values)}")
    return "; ".join(items) + "."


def _hatch(pattern_id: str, colour: str) -> SafeString:
    return format_html(
        '<pattern id="{}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="{}" stroke-width="2.5"/></pattern>',
        pattern_id,
        colour,
    )


def bar_chart(table: Table) -> SafeString:
    """Horizontal bars, one row under another: the row's label, then a bar for each charted
    column with its value printed at its end. Reads the same at 390 pixels as at 1280."""
    chart = table.chart
    several = len(chart.columns) > 1
    rows = [row for row in table.rows if not row.total]

    def value_text(column: int, text: str) -> str:
        return f"{table.columns[column]}: {text}" if several else text

    texts = [value_text(c, row.cells[c].text) for row in rows for c in chart.columns]
    span = WIDTH - (max((len(t) for t in texts), default=4) * CHAR_WIDTH + 10)
    values = [row.cells[c].value for row in rows for c in chart.columns]
    top = 100.0 if chart.unit == "%" else _scale(max([v for v in values if v is not None] + [0]))

    parts, y = [], 0.0
    for row in rows:
        parts.append(_join(["<g>"]))
        for line in textwrap.wrap(row.label, LABEL_CHARS) or [""]:
            y += LABEL_SIZE + 3
            parts.append(
                format_html(
                    '<text x="0" y="{}" font-size="{}" fill="{}">{}</text>',
                    _n(y),
                    LABEL_SIZE,
                    INK,
                    line,
                )
            )
        y += 5
        for series, column in enumerate(chart.columns):
            cell, colour = row.cells[column], SERIES[series % len(SERIES)]
            if cell.withheld:
                parts.append(
                    format_html(
                        '<rect x="1" y="{}" width="{}" height="{}" fill="url(#chart-{}-hatch-{})" '
                        'stroke="{}" stroke-width="1.5" stroke-dasharray="3 2"/>',
                        _n(y),
                        WITHHELD_WIDTH,
                        BAR_HEIGHT,
                        table.key,
                        series,
                        colour,
                    )
                )
                end = WITHHELD_WIDTH + 1
            elif cell.value:
                end = max(span * cell.value / top, 2)
                parts.append(
                    format_html(
                        '<rect x="0" y="{}" width="{}" height="{}" fill="{}"/>',
                        _n(y),
                        _n(end),
                        BAR_HEIGHT,
                        colour,
                    )
                )
            else:
                end = 0
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="{}" fill="{}">{}</text>',
                    _n(end + 6),
                    _n(y + BAR_HEIGHT - 3.5),
                    VALUE_SIZE,
                    INK,
                    value_text(column, cell.text),
                )
            )
            y += BAR_HEIGHT + 4
        parts.append(_join(["</g>"]))
        y += 10
    defs = format_html_join(
        "",
        "{}",
        (
            (_hatch(f"chart-{table.key}-hatch-{n}", SERIES[n % len(SERIES)]),)
            for n in range(len(chart.columns))
        ),
    )
    return _svg(table, max(y, 20), _join(parts), defs)


def _scale(largest: float) -> float:
    """The value a full-length bar stands for: a round number, and never under 10, so that
    a count of 1 is not drawn as long as a count of 100 would be on another chart."""
    if largest <= 10:
        return 10
    step = 10 ** math.floor(math.log10(largest))
    return next(step * m for m in (1, 2, 2.5, 5, 10) if step * m >= largest)


def line_chart(table: Table) -> SafeString:
    """A line over dated rows (`Row.on`), on a scale of 0 to 100%, spaced by their dates."""
    column = table.chart.columns[0]
    points = [
        (row.on, row.cells[column].value, row.cells[column].text)
        for row in table.rows
        if not row.total and row.on and row.cells[column].value is not None
    ]
    left, right, top, bottom, height = 44, 44, 12, 36, 220
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    parts = []
    for level in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - level / 100)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"{}/>'
                '<text x="{}" y="{}" font-size="12" fill="{}" text-anchor="end">{}%</text>',
                left,
                WIDTH - right,
                _n(y),
                _n(y),
                GRID,
                mark_safe(' stroke-dasharray="2 3"') if level else "",
                left - 6,
                _n(y + 4),
                INK,
                level,
            )
        )
    if points:
        first, last = points[0][0], points[-1][0]
        days = max((last - first).days, 1)
        coords = [
            (left + plot_w * (day - first).days / days, top + plot_h * (1 - value / 100))
            for day, value, _ in points
        ]
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>',
                " ".join(f"{_n(x)},{_n(y)}" for x, y in coords),
                SERIES[0],
            )
        )
        parts.extend(
            format_html('<circle cx="{}" cy="{}" r="3.5" fill="{}"/>', _n(x), _n(y), SERIES[0])
            for x, y in coords
        )
        x, y = coords[-1]
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="{}" fill="{}">{}</text>',
                _n(x + 6),
                _n(y + 4),
                VALUE_SIZE,
                INK,
                points[-1][2],
            )
        )
        labels = [(first, "start", left)] + (
            [(last, "end", WIDTH - right)] if last != first else []
        )
        parts.extend(
            format_html(
                '<text x="{}" y="{}" font-size="12" fill="{}" text-anchor="{}">{}</text>',
                x,
                height - bottom + 18,
                INK,
                anchor,
                date_format(day, "j M Y"),
            )
            for day, anchor, x in labels
        )
    return _svg(table, height, _join(parts), _join([]))
