"""The dashboard page: what it says it covers, the period chosen, and the exports."""

import csv
import io

import pytest
from django.utils import timezone

from governance.periods import current_term
from policies.services import policy_import
from seeding.demo.policies import SOURCES
from tests.factories import publish
from tests.governance.data import reports


@pytest.fixture
def signed_in(client, gwen, villiers_policy):
    client.force_login(gwen)
    return client


def test_the_page_says_what_is_as_of_today_and_what_is_for_the_period(signed_in):
    page = signed_in.get("/governance/schools/villiers/").text
    term = current_term(timezone.localdate())
    assert '<h1 class="h3 mb-1">Villiers Primary School</h1>' in page
    assert (
        "Sign-off, waiting declarations and requests, and policy reviews are as they stand" in page
    )
    assert f"Incidents are those reported in {term.label}" in page
    assert f'<option value="{term.key}" selected>' in page
    for heading in ["Sign-off of current policies", "Declarations and requests waiting",
                    "Incidents reported", "Policy reviews", "At a glance"]:  # fmt: skip
        assert heading in page


def test_dates_that_cannot_be_used_are_explained_and_the_term_is_shown(signed_in):
    page = signed_in.get(
        "/governance/schools/villiers/", {"start": "2026-10-31", "end": "2026-10-01"}
    ).text
    assert "These dates cannot be used" in page
    assert "The last day must be on or after the first day." in page
    assert 'href="/governance/schools/villiers/report.pdf?period=' in page


def test_the_exports_are_for_the_period_chosen(signed_in):
    page = signed_in.get(
        "/governance/schools/villiers/", {"start": "2025-09-01", "end": "2025-12-31"}
    ).text
    assert "Incidents are those reported from 1 September 2025 to 31 December 2025" in page
    query = "?start=2025-09-01&amp;end=2025-12-31"
    assert f'href="/governance/schools/villiers/report.pdf{query}"' in page
    assert f'href="/governance/schools/villiers/figures.csv{query}"' in page


def test_an_export_for_dates_that_cannot_be_used_goes_back_to_the_page_to_say_why(signed_in):
    for export in ["figures.csv", "report.pdf"]:
        response = signed_in.get(
            f"/governance/schools/villiers/{export}", {"start": "2999-01-01", "end": "2999-02-01"}
        )
        assert response.status_code == 302
        assert response.url == "/governance/schools/villiers/?start=2999-01-01&end=2999-02-01"


def test_the_csv_has_every_figure_of_every_table_one_to_a_line(signed_in, villiers):
    term = current_term(timezone.localdate())
    reports(villiers, on=term.start, n=6)
    response = signed_in.get("/governance/schools/villiers/figures.csv", {"period": "x"})
    assert response.status_code == 302  # an unknown term is refused too
    response = signed_in.get("/governance/schools/villiers/figures.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="governors-dashboard-villiers-{term.start}-to-{term.end}.csv"'
    )
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0] == ["Dashboard", "Covers", "Section", "Figure", "Row", "Measure", "Value"]
    assert {line[0] for line in lines[1:]} == {"Villiers Primary School"}
    by_figure = {}
    for _, _, _, figure, row, measure, value in lines[1:]:
        by_figure.setdefault(figure, {})[(row, measure)] = value
    assert (
        by_figure["Incidents reported, by category"][
            ("Breach of the policy by an adult", "Reports")
        ]
        == "6"
    )
    signoff = by_figure["Social Media Policy, version 1: sign-off by staff category"]
    assert signoff[("Everyone", "People")] == "1"  # Gwen
    assert signoff[("Everyone", "Signed (%)")] == "0%"
    # Sign-off by category and since publication; two waiting; three incident breakdowns; time
    # to acknowledge; escalations; concerns about adults by standing, by outcome, and the LADO
    # timing with low-level concerns; the reviews counted and listed.
    assert len(by_figure) == 14


def test_a_title_that_a_spreadsheet_would_run_as_a_formula_is_made_harmless(
    signed_in, villiers, villiers_policy
):
    text = (SOURCES / "villiers-staff-social-media.md").read_text()
    publish(policy_import(text=text, school=villiers, title='=HYPERLINK("http://x","y")'))
    content = signed_in.get("/governance/schools/villiers/figures.csv").content.decode()
    assert "'=HYPERLINK" in content
    assert ',"=HYPERLINK' not in content and ",=HYPERLINK" not in content


def test_a_csv_cell_that_would_run_as_a_formula_is_written_as_text(signed_in, villiers):
    # A school's name is typed in by support: the CSV's every line starts with it.
    villiers.name = '=HYPERLINK("http://evil.example","Villiers")'
    villiers.save()
    response = signed_in.get("/governance/schools/villiers/figures.csv")
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert {line[0] for line in lines[1:]} == {"'" + villiers.name}
