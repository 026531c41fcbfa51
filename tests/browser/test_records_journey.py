"""The pages no other journey visits: a teacher declares and asks on a phone; the Head manages a
person and puts a report on legal hold; the Data Protection Lead reads the audit log."""

import pytest

from people.models import Role
from tests.factories import person
from tests.reports import submit

pytestmark = pytest.mark.browser


def test_a_teacher_declares_a_relationship_and_asks_for_approval_on_a_phone(
    phone_journey, st_elisabeths, alice
):
    person(st_elisabeths, full_name="Tom Teague", email="teacher@se.example")
    page = phone_journey.page
    phone_journey.sign_in("teacher@se.example")
    phone_journey.goto("/acknowledgements/my-record/")
    phone_journey.click("link", name="Declare a family relationship with a pupil")
    page.get_by_label("Pupil's name").fill("Poppy Teague")
    page.get_by_label("Class or year").fill("Year 3")
    page.get_by_label("Relationship").fill("niece")
    page.get_by_label("We are in contact through social media").check()
    phone_journey.screenshot("records-1-declare-phone")
    phone_journey.click("button", name="Send to the Head")
    assert page.get_by_text("Waiting for the Head").is_visible()
    phone_journey.goto("/acknowledgements/requests/new/")
    page.get_by_label("Creating an official school social media site").check()
    page.get_by_label("Details").fill("A Year 6 class blog for the residential trip.")
    phone_journey.click("button", name="Send to the Head")
    assert page.get_by_role(
        "heading", name="Creating an official school social media site"
    ).is_visible()
    phone_journey.goto("/acknowledgements/my-record/")
    assert page.get_by_text("Niece, Year 3").is_visible()
    phone_journey.screenshot("records-2-my-record-phone")


def test_the_head_manages_a_person_and_puts_a_report_on_legal_hold(
    journey, st_elisabeths, alice, bob
):
    alice.email = "head@se.example"
    alice.save()
    report = submit(bob, st_elisabeths)
    page = journey.page
    journey.sign_in("head@se.example")
    journey.goto("/people/st-elisabeths/")
    journey.click("link", name="Bob Baker")
    page.get_by_label("Deputy Designated Safeguarding Lead").check()
    journey.click("button", name="Save roles")
    assert page.get_by_text("Bob Baker's roles are saved.").is_visible()
    journey.screenshot("records-3-person")
    journey.goto("/people/st-elisabeths/add/")
    journey.goto(f"/incidents/{report.pk}/trail/")
    page.get_by_label("Keep this report whatever its retention").check()
    page.get_by_label("Why (a claim, an inquiry, the police)").fill("Employment tribunal claim")
    journey.click("button", name="Save legal hold")
    assert page.get_by_text("On hold:").is_visible()
    journey.screenshot("records-4-trail-legal-hold")


def test_the_data_protection_lead_reads_the_audit_log_and_finds_a_person(
    journey, st_elisabeths, bob
):
    person(st_elisabeths, Role.STAFF, Role.DPL, full_name="Diana Pryce", email="dpl@se.example")
    page = journey.page
    journey.sign_in("dpl@se.example")
    journey.click("link", name="Audit log and subject access requests")
    assert page.get_by_role("cell", name="Signed in").first.is_visible()
    page.get_by_label("Find a person").fill("baker")
    journey.click("button", name="Find")
    assert page.get_by_role("link", name="JSON of Bob Baker").is_visible()
    journey.screenshot("records-5-audit-log")
