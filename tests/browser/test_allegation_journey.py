"""A teacher self-reports a low-level concern on a phone; the Head sees it beside the teacher's
two earlier ones, is told it is a pattern, and decides it meets the harm threshold; the LADO
discussion is recorded within the working day; the allegation closes as unsubstantiated and
the Head downloads the case bundle, which is read back and rendered to look at."""

import datetime
import shutil
import subprocess

import pytest

from allegations import concerns
from allegations.models import Allegation, LowLevelConcern, Outcome
from incidents.models import AccessAction, CaseAccess
from tests.acknowledgements.test_signoff import sign
from tests.journeys import ARTIFACTS
from tests.support import require

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}


def fits(page, width: int = PHONE_375["width"]) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "wider than the phone"


def test_a_self_reported_pattern_goes_to_the_lado_closes_and_is_bundled(
    journey, phone_journey, se, se_policy
):
    school, teacher, head = se.school, se.teacher, se.head
    school.lado_contact = "Anytown LADO service"
    school.lado_phone = "01632 960 123"
    school.save()
    sign(teacher, se_policy)
    for by, text in (
        (se.governor, "Photographed pupils on a personal phone at sports day."),
        (se.dsl, "Gave one pupil sweets and private attention at break."),
    ):
        concerns.low_level_concern_raise(
            raised_by=by, school=school, subject=teacher, what_happened=text,
            happened_on=datetime.date(2026, 10, 5),
        )  # fmt: skip

    # The teacher, on a 375 px phone: one short form.
    phone = phone_journey.page
    phone.set_viewport_size(PHONE_375)
    phone_journey.sign_in(teacher.email)
    phone_journey.goto("/allegations/concerns/new/")
    fits(phone)
    phone.get_by_label("Who is it about?").select_option(label=teacher.full_name)
    phone.get_by_label("What happened").fill(
        "I gave a Year 5 pupil a lift home in the rain, alone in my car."
    )
    phone_journey.screenshot("allegation-1-self-report-phone")
    phone_journey.click("button", name="Send the concern")
    assert phone.get_by_text("has gone, in confidence").is_visible()
    fits(phone)
    phone_journey.screenshot("allegation-2-self-report-sent-phone")

    # The Head: the concern beside the two earlier ones, and the pattern.
    page = journey.page
    journey.sign_in(head.email)
    journey.goto("/allegations/")
    journey.screenshot("allegation-3-head-list")
    concern = LowLevelConcern.objects.filter(raised_by=teacher).get()
    journey.click("link", name=concern.reference)
    assert page.get_by_text("A pattern: 3 low-level concerns in 12 months").is_visible()
    earlier = page.get_by_role(
        "region", name=f"Earlier low-level concerns about {teacher.full_name}"
    )
    assert earlier.get_by_text("Photographed pupils on a personal phone").is_visible()
    assert earlier.get_by_text("Gave one pupil sweets").is_visible()
    page.get_by_label("It now meets the harm threshold: refer it as an allegation").check()
    page.get_by_label(
        "Has behaved towards a child or children in a way that indicates they may pose a risk "
        "of harm to children"
    ).check()
    page.get_by_label("Reasons").fill(
        "Three concerns this term, each about time alone with one pupil: together a risk."
    )
    journey.screenshot("allegation-4-pattern")
    journey.click("button", name="Record the decision")
    assert page.get_by_text("Referred as an allegation").is_visible()
    assert page.get_by_text("Discuss with the LADO by").is_visible()
    assert page.get_by_text("Anytown LADO service").is_visible()
    journey.screenshot("allegation-5-record-clock")

    # The LADO discussion, within the working day.
    lado = page.locator("form[action$='/lado/']")
    lado.get_by_label("LADO's name").fill("Pat Morgan")
    lado.get_by_label("LADO's reference").fill("LADO-2026-0412")
    for question, answer in (
        ("Is a strategy discussion held?", "No"),
        ("Are the police involved?", "No"),
        ("Is the adult suspended?", "No"),
    ):
        lado.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    lado.get_by_label("Why, or why not").fill("Not needed: no lone working with pupils meanwhile.")
    lado.get_by_label("Support for the adult").fill("Union representative; occupational health.")
    journey.click("button", name="Record the discussion")
    assert page.get_by_text("LADO discussion recorded.").is_visible()
    assert page.get_by_text("within one working day").first.is_visible()
    journey.screenshot("allegation-6-lado-recorded")

    # The outcome: unsubstantiated.
    page.get_by_text("Record the outcome and close").click()
    closing = page.locator("form[action$='/outcome/']")
    closing.get_by_label(Outcome.UNSUBSTANTIATED.label).check()
    closing.get_by_label("Reasons for the outcome").fill(
        "The lift was given; nothing further was shown either way."
    )
    closing.get_by_label("No disciplinary action").check()
    journey.click("button", name="Close the allegation")
    assert page.get_by_text("Outcome recorded and the allegation closed.").is_visible()
    assert page.get_by_text("Not for references").is_visible()
    journey.screenshot("allegation-7-closed")
    allegation = Allegation.objects.get(incident__subject_user=teacher)
    assert allegation.outcome == Outcome.UNSUBSTANTIATED and allegation.lado_in_time

    # The case page shows what the teacher signed.
    journey.goto(f"/incidents/{allegation.incident_id}/")
    assert page.get_by_text(f"What {teacher.full_name} signed").is_visible()
    journey.screenshot("allegation-8-case-page-signed")

    # The bundle.
    journey.goto(f"/allegations/{allegation.incident_id}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the case bundle (PDF)").click()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "allegation-bundle.pdf"
    download.value.save_as(target)
    require(shutil.which("pdftotext") is not None, "pdftotext (Debian's poppler-utils)")
    text = subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], capture_output=True, check=True
    ).stdout.decode()
    for expected in (
        f"Case bundle: allegation {allegation.incident.reference}",
        "What it contains",
        "Threshold decision",
        "LADO-2026-0412",
        "Unsubstantiated",
        "Downloaded the case bundle",
        "Access log",
    ):
        assert expected in text, expected
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(target),
         str(ARTIFACTS / "allegation-bundle-page")],
        check=True,
    )  # fmt: skip
    assert CaseAccess.objects.filter(
        incident=allegation.incident, user=head, action=AccessAction.DOWNLOAD, evidence=None
    ).exists()
