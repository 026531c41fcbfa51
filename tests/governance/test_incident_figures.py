"""Incidents reported in the period, by category, month and status, suppressed the same way on
the page, in its charts, in the CSV and in the PDF; and no name or case detail anywhere."""

import csv
import datetime
import io
import re
import shutil
import subprocess

import pytest

from acknowledgements.models import ApprovalRequest, Declaration
from governance import selectors
from governance.periods import custom
from governance.suppression import FEWER_THAN_5, WITHHELD
from tests.governance.data import reports, rows, signed, waiting
from tests.support import require

D = datetime.date
AUTUMN_2025 = custom(D(2025, 9, 1), D(2025, 12, 31))
QUERY = {"start": "2025-09-01", "end": "2025-12-31"}


@pytest.fixture
def autumn(villiers):
    """Thirty reports at Villiers in the autumn term of 2025, and two just outside it."""
    reports(villiers, on=D(2025, 9, 8), n=6, category="breach", status="closed")
    reports(villiers, on=D(2025, 10, 8), n=6, category="breach", status="closed")
    reports(villiers, on=D(2025, 11, 3), n=7, category="cyberbullying", status="investigating")
    reports(villiers, on=D(2025, 10, 20), n=2, category="prevent", status="referred")
    reports(villiers, on=D(2025, 9, 15), n=5, category="social_media_misuse", status="new")
    reports(villiers, on=D(2025, 12, 1), n=4, category="social_media_misuse", status="new")
    # 23:30 on 31 August in British Summer Time is still August; 00:30 on 1 January is 2026.
    reports(villiers, on=D(2025, 8, 31), hour=23, minute=30, category="prevent")
    reports(villiers, on=D(2026, 1, 1), hour=0, minute=30, category="prevent")
    return villiers


CATEGORY = {
    "Breach of the policy by an adult": "12",
    "Cyberbullying or trolling of a member of staff": WITHHELD,  # 7: next smallest
    "Prevent: risk of radicalisation": FEWER_THAN_5,  # 2
    "Online safeguarding concern about a pupil": "0",
    "Unsuitable or inappropriate material found": "0",
    "Indecent images of children": "0",
    "Misuse of social media by a parent/carer or pupil": WITHHELD,  # 9: next smallest
    "Contact with a pupil outside agreed protocols": "0",
    "All reports": "30",
}
MONTH = {
    "September 2025": "11",
    "October 2025": WITHHELD,  # 8
    "November 2025": WITHHELD,  # 7
    "December 2025": FEWER_THAN_5,  # 4
    "All reports": "30",
}
STATUS = {
    "New": WITHHELD,  # 9
    "Acknowledged": "0",
    "Being investigated": WITHHELD,  # 7
    "Referred": FEWER_THAN_5,  # 2
    "Closed": "12",
    "All reports": "30",
}


def flat(figures: dict[str, list[str]]) -> dict[str, str]:
    return {label: cells[0] for label, cells in figures.items()}


def test_incidents_are_counted_by_category_month_and_status_with_small_counts_hidden(autumn):
    dashboard = selectors.school_dashboard(autumn, AUTUMN_2025, today=D(2026, 11, 22))
    assert flat(rows(dashboard, "incidents-category")) == CATEGORY
    assert flat(rows(dashboard, "incidents-month")) == MONTH
    assert flat(rows(dashboard, "incidents-status")) == STATUS


def test_no_total_or_difference_on_the_page_gives_a_hidden_count_away(autumn):
    dashboard = selectors.school_dashboard(autumn, AUTUMN_2025, today=D(2026, 11, 22))
    for key in ("incidents-category", "incidents-month", "incidents-status"):
        figures = flat(rows(dashboard, key))
        total = int(figures.pop("All reports"))
        shown_sum = sum(int(v) for v in figures.values() if v.isdigit())
        hidden = [v for v in figures.values() if not v.isdigit()]
        assert len(hidden) >= 2  # never a lone hidden cell
        assert total - shown_sum >= 5  # what is hidden adds up to 5 or more


def test_a_term_with_few_reports_shows_fewer_than_5_for_all_of_them(villiers):
    reports(villiers, on=D(2025, 10, 1), n=3, category="prevent")
    dashboard = selectors.school_dashboard(villiers, AUTUMN_2025, today=D(2026, 11, 22))
    figures = flat(rows(dashboard, "incidents-category"))
    assert set(figures.values()) == {FEWER_THAN_5}  # zeros too: the total is 3
    [headline] = [h for h in dashboard.headlines if h.label.startswith("incidents reported")]
    assert headline.value == FEWER_THAN_5


def test_when_nothing_can_be_shown_safely_the_page_says_so(villiers):
    reports(villiers, on=D(2025, 10, 1), n=1, category="prevent")
    reports(villiers, on=D(2025, 10, 2), n=5, category="breach")
    dashboard = selectors.school_dashboard(villiers, AUTUMN_2025, today=D(2026, 11, 22))
    assert set(flat(rows(dashboard, "incidents-category")).values()) == {WITHHELD}
    assert "every count of them is withheld" in dashboard.sections[2].intro


def test_a_trust_count_is_withheld_wherever_a_schools_count_in_it_is(autumn, oscar, shine):
    reports(oscar, on=D(2025, 9, 10), n=8, category="breach", status="closed")
    reports(oscar, on=D(2025, 9, 11), n=6, category="cyberbullying", status="closed")
    trust = selectors.trust_dashboard(shine, AUTUMN_2025, today=D(2026, 11, 22))
    oakfield = selectors.school_dashboard(oscar, AUTUMN_2025, today=D(2026, 11, 22))
    assert flat(rows(oakfield, "incidents-category"))["Breach of the policy by an adult"] == "8"
    figures = flat(rows(trust, "incidents-category"))
    assert figures["Breach of the policy by an adult"] == "20"  # 12 + 8, both shown
    assert figures["Cyberbullying or trolling of a member of staff"] == WITHHELD  # 7 hidden
    assert figures["Prevent: risk of radicalisation"] == FEWER_THAN_5  # Villiers' alone
    assert figures["All reports"] == "44"
    assert flat(rows(trust, "incidents-school")) == {
        "Oakfield Primary School": "14",
        "Villiers Primary School": "30",
        "All reports": "44",
    }


# The same figures wherever they appear.


def table_on_page(page: str, key: str) -> dict[str, str]:
    html = re.search(rf'<table[^>]*id="table-{key}".*?</table>', page, re.S).group(0)
    return {
        label: re.sub(r"<[^>]+>", "", cell)
        for label, cell in re.findall(r'<th scope="row"[^>]*>(.*?)</th><td[^>]*>(.*?)</td>', html)
    }


def chart_on_page(page: str, key: str) -> dict[str, str]:
    svg = re.search(
        rf'<svg class="chart"[^>]*"chart-{key}-title chart-{key}-desc".*?</svg>', page, re.S
    )
    drawn = {}
    for group in re.findall(r"<g>(.*?)</g>", svg.group(0), re.S):
        *label, value = re.findall(r"<text[^>]*>(.*?)</text>", group)
        drawn[" ".join(label)] = value  # a long label wraps onto more lines
    return drawn


@pytest.fixture
def gwen_signed_in(client, gwen, autumn, villiers_policy, charlie):
    signed(charlie, villiers_policy)
    waiting(Declaration, autumn, charlie, days_ago=3)
    waiting(ApprovalRequest, autumn, charlie, days_ago=3)
    client.force_login(gwen)
    return client


def test_the_page_its_charts_and_the_csv_show_the_same_suppressed_figures(gwen_signed_in):
    page = gwen_signed_in.get("/governance/schools/villiers/", QUERY).content.decode()
    page = page.replace("&#x27;", "'")
    for key, expected in [
        ("incidents-category", CATEGORY),
        ("incidents-month", MONTH),
        ("incidents-status", STATUS),
    ]:
        assert table_on_page(page, key) == expected
        drawn = {label: value for label, value in expected.items() if label != "All reports"}
        assert chart_on_page(page, key) == drawn
    response = gwen_signed_in.get("/governance/schools/villiers/figures.csv", QUERY)
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    for figure, expected in [
        ("Incidents reported, by category", CATEGORY),
        ("Incidents reported, by month", MONTH),
        ("Incidents reported, by where they stand now", STATUS),
    ]:
        assert {line["Row"]: line["Value"] for line in lines if line["Figure"] == figure} == (
            expected
        )
        assert all(
            line["Covers"] == "2025-09-01 to 2025-12-31"
            for line in lines
            if line["Figure"] == figure
        )


def pdf_text(pdf: bytes) -> str:
    require(shutil.which("pdftotext") is not None, "pdftotext (Debian's poppler-utils)")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode()


def test_the_pdf_shows_the_same_suppressed_figures_with_the_school_and_date(gwen_signed_in):
    response = gwen_signed_in.get("/governance/schools/villiers/report.pdf", QUERY)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="governors-dashboard-villiers-2025-09-01-to-2025-12-31.pdf"'
    )
    text = pdf_text(response.content)
    assert "Villiers Primary School" in text
    assert re.search(r"Produced on \d{1,2} \w+ 20\d\d at \d\d:\d\d", text)
    assert "1 September 2025 to 31 December 2025" in text
    lines = [re.sub(r"\s{2,}", "|", line.strip()) for line in text.splitlines()]
    for label, value in [*CATEGORY.items(), *MONTH.items(), *STATUS.items()]:
        assert f"{label}|{value}" in lines, f"{label} {value} is not in the PDF's tables"


def test_no_name_or_case_detail_appears_on_the_page_in_the_csv_or_in_the_pdf(gwen_signed_in):
    page = gwen_signed_in.get("/governance/schools/villiers/", QUERY).content.decode()
    csv_text = gwen_signed_in.get("/governance/schools/villiers/figures.csv", QUERY).content
    pdf = pdf_text(gwen_signed_in.get("/governance/schools/villiers/report.pdf", QUERY).content)
    for text in (page, csv_text.decode(), pdf):
        for secret in ["Rita Reporter", "Zebedee", "Case detail", "Charlie Chen", "nephew", "blog"]:
            assert secret not in text
    for text in (csv_text.decode(), pdf):
        assert "Gwen Gower" not in text  # not even the reader's own name
    assert "fewer than 5" in page and "fewer than 5" in pdf
