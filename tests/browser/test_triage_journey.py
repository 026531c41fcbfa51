"""The DSL handles a Prevent concern from the queue; an unacknowledged urgent case escalates."""

import datetime

import pytest

from incidents.models import Category, EntryKind, Incident, Status
from incidents.triage import escalations_run
from tests.reports import submit

pytestmark = pytest.mark.browser


def test_the_dsl_acknowledges_notes_refers_to_channel_and_closes_a_prevent_concern(journey, se):
    prevent = submit(
        se.teacher,
        se.school,
        category=Category.PREVENT,
        description="Pupil sharing extremist videos.",
    )
    page = journey.page
    journey.sign_in("dsl@se.example")
    journey.click("link", name="Your queue: every report routed to you")
    journey.screenshot("triage-1-queue")
    journey.click("link", name=prevent.reference)
    journey.click("button", name="Acknowledge")
    assert page.get_by_text("Acknowledged: the case is yours.").is_visible()
    # "Note", not the referral's "Notes": each box has its own label now.
    page.get_by_role("textbox", name="Note*", exact=True).fill(
        "Spoke to the pupil with the class teacher present."
    )
    journey.click("button", name="Add note")
    page.get_by_text("Record a referral").click()
    page.get_by_label("Agency").select_option("channel")
    page.get_by_label("Their reference").fill("CH-2026-114")
    journey.screenshot("triage-2-referral")
    journey.click("button", name="Record referral")
    assert page.get_by_text("Referral recorded.").is_visible()
    page.get_by_text("Record the outcome and close").click()
    page.get_by_label("Outcome").fill("Channel panel accepted the referral; support plan in place.")
    page.get_by_label("Not applicable (not about a member of staff)").check()
    journey.click("button", name="Close the case")
    assert page.get_by_text("Outcome recorded and case closed.").is_visible()
    chronology = page.get_by_role("region", name="Chronology")
    for text in (
        "Status: new → acknowledged",
        "Note",
        "Referred to Channel / Prevent",
        "Outcome",
        "Status: referred → closed",
    ):
        assert chronology.get_by_text(text, exact=True).first.is_visible()
    journey.screenshot("triage-3-closed")
    assert Incident.objects.get(pk=prevent.pk).status == Status.CLOSED


def test_an_urgent_case_not_acknowledged_in_an_hour_escalates_to_the_deputy_dsl(phone_journey, se):
    prevent = submit(se.teacher, se.school, category=Category.PREVENT)
    # The controlled clock: it is 61 minutes after the report was made.
    escalations_run(now=prevent.created_at + datetime.timedelta(minutes=61))
    assert prevent.entries.filter(kind=EntryKind.ESCALATION).exists()
    se.deputy_dsl.email = "deputy.dsl@se.example"
    se.deputy_dsl.save()
    page = phone_journey.page
    phone_journey.sign_in("deputy.dsl@se.example")
    assert page.get_by_text(f"URGENT · {prevent.reference}").is_visible()
    phone_journey.goto("/incidents/queue/")
    assert page.get_by_text("Escalated").first.is_visible()
    phone_journey.screenshot("triage-4-escalated-queue-phone")
    phone_journey.click("link", name=prevent.reference)
    assert page.get_by_text(
        "Escalated to the Deputy Designated Safeguarding Lead: an urgent case not acknowledged within 60 minutes."
    ).first.is_visible()
    phone_journey.screenshot("triage-5-escalated-case-phone")
