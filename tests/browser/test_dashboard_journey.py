"""Governors open their dashboard and take its report to their meeting; a trust officer sees
the trust and a school; a governor of one school sees nothing of another."""

import datetime
import shutil
import subprocess

import pytest
from django.utils import timezone

from acknowledgements.models import ApprovalRequest, Declaration
from governance.periods import current_term
from people.models import Role, StaffCategory
from tests.factories import SchoolFactory, person
from tests.governance.data import reports, signed, staff, trust_member, waiting

pytestmark = pytest.mark.browser


@pytest.fixture
def gwen(villiers):
    return person(villiers, Role.GOVERNOR, full_name="Gwen Gower", email="gwen@villiers.example")


@pytest.fixture
def hana(villiers):
    return trust_member(
        villiers.trust, Role.TRUST_HR, full_name="Hana Reyes", email="hana@shine.example"
    )


@pytest.fixture
def oscar(villiers):
    return SchoolFactory(name="Oakfield Primary School", slug="oakfield", trust=villiers.trust)


@pytest.fixture
def seb(st_elisabeths):
    return person(st_elisabeths, Role.GOVERNOR, full_name="Seb Sterling", email="seb@se.example")


@pytest.fixture
def villiers_figures(villiers, villiers_policy, charlie):
    """A term's worth of figures at Villiers: sign-off part done, some waiting, and reports,
    some in counts too small to show."""
    people = staff(villiers, 12, StaffCategory.TEACHING, StaffCategory.NON_TEACHING)
    people += staff(villiers, 4, StaffCategory.VOLUNTEER, StaffCategory.AGENCY)
    published = villiers_policy.published_at
    for n, user in enumerate(people[:11]):
        signed(user, villiers_policy, on=published + datetime.timedelta(hours=6 * n))
    waiting(Declaration, villiers, people[0], days_ago=2)
    waiting(ApprovalRequest, villiers, people[1], days_ago=35)
    today = timezone.localdate()
    start = current_term(today).start
    for days, n, category, status in [
        (0, 7, "breach", "closed"),
        (1, 6, "social_media_misuse", "investigating"),
        (2, 2, "prevent", "referred"),
        (3, 9, "cyberbullying", "new"),
    ]:
        reports(villiers, on=min(start + datetime.timedelta(days=days), today), n=n,
                category=category, status=status)  # fmt: skip
    return villiers


def pdf_text(pdf: bytes) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_a_villiers_governor_opens_the_dashboard_and_downloads_the_pdf(
    journey, gwen, villiers_figures
):
    page = journey.page
    journey.sign_in("gwen@villiers.example")
    journey.goto("/governance/")
    assert page.url.endswith("/governance/schools/villiers/")
    assert page.get_by_role("heading", name="Villiers Primary School", level=1).is_visible()
    assert page.get_by_role("img", name="Incidents reported, by category").is_visible()
    category = page.get_by_role("table", name="Incidents reported, by category")
    assert (
        category.get_by_role("row", name="Prevent: risk of radicalisation")
        .inner_text()
        .endswith("fewer than 5")
    )
    assert category.get_by_role("row", name="All reports").inner_text().endswith("24")
    assert page.get_by_text("Charlie Chen").count() == 0
    journey.screenshot("governance-1-villiers-governor")

    page.get_by_label("From", exact=True).fill("2026-10-31")
    page.get_by_label("To", exact=True).fill("2026-10-01")
    journey.click("button", name="Show dates")
    assert page.get_by_text("The last day must be on or after the first day.").is_visible()
    journey.screenshot("governance-2-dates-refused")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF report").click()
    assert download.value.suggested_filename.startswith("governors-dashboard-villiers-")
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    if text := pdf_text(pdf):
        assert "Villiers Primary School" in text and "Produced on" in text
        assert "fewer than 5" in text and "Charlie Chen" not in text


def test_the_dashboard_reads_on_a_phone(phone_journey, gwen, villiers_figures):
    page = phone_journey.page
    phone_journey.sign_in("gwen@villiers.example")
    phone_journey.goto("/governance/schools/villiers/")
    table = page.get_by_role(
        "table", name="Social Media Policy, version 1: sign-off by staff category"
    )
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # no sideways scrolling
    chart = page.get_by_role("img", name="Incidents reported, by category").bounding_box()
    assert chart["width"] <= 390
    phone_journey.screenshot("governance-3-villiers-governor-phone")


def test_a_trust_officer_sees_the_trust_and_a_school(journey, hana, villiers_figures, oscar):
    page = journey.page
    journey.sign_in("hana@shine.example")
    journey.goto("/governance/")
    journey.click("link", name="SHINE Academies Trust")
    assert page.get_by_role("heading", name="SHINE Academies Trust", level=1).is_visible()
    by_school = page.get_by_role("table", name="Incidents reported, by school")
    assert by_school.get_by_role("row", name="Villiers Primary School").inner_text().endswith("24")
    assert by_school.get_by_role("row", name="Oakfield Primary School").inner_text().endswith("0")
    journey.screenshot("governance-4-trust")
    journey.click(
        "link",
        name="Villiers Primary School",
        within=page.get_by_role("navigation", name="Your other dashboards"),
    )
    assert page.get_by_role("heading", name="Villiers Primary School", level=1).is_visible()
    journey.screenshot("governance-5-trust-officer-sees-villiers")


def test_a_st_elisabeths_governor_sees_nothing_of_villiers(
    journey, seb, se_policy, villiers_figures
):
    page = journey.page
    journey.sign_in("seb@se.example")
    journey.goto("/governance/")
    assert page.url.endswith("/governance/schools/st-elisabeths/")
    assert "Villiers" not in page.content() and "SHINE" not in page.content()
    journey.screenshot("governance-6-st-elisabeths-governor")
    for path in [
        "/governance/schools/villiers/",
        "/governance/schools/villiers/figures.csv",
        "/governance/schools/villiers/report.pdf",
        "/governance/trusts/shine/",
    ]:
        assert page.request.get(journey.base_url + path).status == 404
