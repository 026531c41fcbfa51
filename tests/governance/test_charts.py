"""Charts are inline SVG images with an accessible name, drawn from the table's own numbers."""

import datetime
import re

from governance import charts
from governance.figures import Cell, Chart, Row, Table
from governance.suppression import HIDDEN, SMALL, shown


def bars(cells: list[Cell], **chart) -> Table:
    return Table(
        "test",
        "Incidents reported, by category",
        "Category",
        ["Reports"],
        [Row(f"Row {n}", [cell]) for n, cell in enumerate(cells)]
        + [Row("All reports", [Cell.number(99)], total=True)],
        Chart("bars", [0], **chart),
    )


def rects(svg: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'(\S+)="([^"]*)"', r)) for r in re.findall(r"<rect [^>]*>", svg)]


def test_a_chart_is_an_image_named_by_its_caption_and_described_in_words():
    svg = charts.render(bars([Cell.count(shown(12)), Cell.count(SMALL)]))
    assert svg.startswith('<svg class="chart"')
    assert 'role="img" aria-labelledby="chart-test-title chart-test-desc"' in svg
    assert '<title id="chart-test-title">Incidents reported, by category</title>' in svg
    assert '<desc id="chart-test-desc">Row 0: 12; Row 1: fewer than 5.</desc>' in svg


def test_a_hidden_count_is_a_short_hatched_box_with_its_label_not_a_bar_of_any_length():
    svg = charts.render(bars([Cell.count(shown(40)), Cell.count(SMALL), Cell.count(HIDDEN)]))
    drawn = [r for r in rects(svg) if "y" in r]
    assert drawn[0]["fill"] == charts.SERIES[0]
    for box in drawn[1:]:
        assert box["fill"] == "url(#chart-test-hatch-0)"
        assert box["stroke-dasharray"] == "3 2"
        assert box["width"] == str(charts.WITHHELD_WIDTH)
    assert '<pattern id="chart-test-hatch-0"' in svg
    assert ">fewer than 5</text>" in svg and ">withheld</text>" in svg


def test_the_total_is_in_the_table_but_not_drawn():
    svg = charts.render(bars([Cell.count(shown(12))]))
    assert "All reports" not in svg and ">99<" not in svg


def test_a_zero_draws_no_bar_and_a_count_of_1_is_not_drawn_full_length():
    svg = charts.render(bars([Cell.count(shown(0)), Cell.count(shown(1))]))
    drawn = [r for r in rects(svg) if "y" in r]
    assert len(drawn) == 1  # the zero has only its "0"
    assert float(drawn[0]["width"]) < 40  # 1 on a scale of 10


def test_percentages_are_drawn_on_a_scale_of_0_to_100():
    table = bars([Cell.percent(1, 2), Cell.percent(1, 1)], unit="%")
    widths = [float(r["width"]) for r in rects(charts.render(table)) if "y" in r]
    assert widths[1] == 2 * widths[0]


def test_several_columns_draw_a_bar_each_named_in_words_not_only_by_colour():
    table = Table(
        "waiting",
        "Waiting, by school",
        "School",
        ["Declarations", "Requests"],
        [Row("Villiers Primary School", [Cell.number(3), Cell.number(1)])],
        Chart("bars", [0, 1]),
    )
    svg = charts.render(table)
    assert ">Declarations: 3</text>" in svg and ">Requests: 1</text>" in svg
    assert {r.get("fill") for r in rects(svg) if "y" in r} == set(charts.SERIES)


def test_a_long_label_wraps_rather_than_running_off_a_phone_screen():
    label = "Misuse of social media by a parent/carer or pupil, and then some more words"
    table = bars([Cell.number(5)])
    table.rows[0] = Row(label, [Cell.number(5)])
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", charts.render(table))
    assert texts[:2] == [
        "Misuse of social media by a parent/carer or",
        "pupil, and then some more words",
    ]
    assert max(len(t) for t in texts) <= charts.LABEL_CHARS


def test_labels_are_escaped():
    table = bars([Cell.number(5)])
    table.rows[0] = Row("<script>alert(1)</script>", [Cell.number(5)])
    svg = charts.render(table)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_course_is_a_line_through_each_dated_point_from_0_to_100_percent():
    start = datetime.date(2026, 9, 1)
    table = Table(
        "course",
        "Sign-off since publication",
        "By the end of",
        ["Signed", "Signed (%)"],
        [
            Row(str(day), [Cell.number(n), Cell.percent(n, 4)], on=day)
            for day, n in [
                (start, 0),
                (start + datetime.timedelta(days=7), 2),
                (start + datetime.timedelta(days=10), 4),
            ]
        ],
        Chart("line", [1], unit="%", description="From 0% to 100%."),
    )
    svg = charts.render(table)
    points = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    xs = [float(p.split(",")[0]) for p in points]
    ys = [float(p.split(",")[1]) for p in points]
    assert len(points) == 3 and xs == sorted(xs)
    assert ys[0] > ys[1] > ys[2]  # 0%, 50%, 100%: higher up the page
    assert round((xs[1] - xs[0]) / (xs[2] - xs[0]), 2) == 0.7  # spaced by their dates
    assert '<desc id="chart-course-desc">From 0% to 100%.</desc>' in svg
    assert ">1 Sep 2026</text>" in svg and ">11 Sep 2026</text>" in svg


def test_a_table_without_a_chart_draws_nothing():
    table = Table("list", "Review dates", "Policy", ["Review due"], [Row("A", [Cell.words("x")])])
    assert charts.render(table) == ""
