"""A teacher signs on a phone and re-signs what changed; the Head decides a declaration and a
request."""

import pytest

from acknowledgements.models import ApprovalKind, SignOff
from acknowledgements.services.approvals import approval_request_submit
from acknowledgements.services.declarations import declaration_submit
from people.models import Role
from policies.services import clause_update, draft_start
from tests.factories import import_source, person, publish

pytestmark = pytest.mark.browser


@pytest.fixture
def policy(st_elisabeths):
    return publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths))


def test_a_teacher_signs_on_a_phone_then_re_signs_only_what_changed(
    phone_journey, st_elisabeths, policy
):
    head = person(st_elisabeths, Role.STAFF, Role.HEAD, full_name="Helen Hart")
    person(st_elisabeths, full_name="Tom Teague", email="teacher@se.example")
    page = phone_journey.page
    phone_journey.sign_in("teacher@se.example")
    phone_journey.click("link", name="Social Media Policy (version 1)")
    assert page.get_by_role("heading", name="Read and sign the Social Media Policy").is_visible()
    assert page.locator("#clause-6-7").is_visible()
    page.get_by_label("I confirm that I have read version 1").check()
    phone_journey.screenshot("ack-1-sign-phone")
    phone_journey.click("button", name="Sign version 1")
    assert page.get_by_role("heading", name="Sign-off receipt").is_visible()
    assert page.get_by_text(policy.content_sha256).is_visible()
    phone_journey.screenshot("ack-2-receipt-phone")

    draft = draft_start(policy=policy.policy, by=head)
    clause = draft.clauses.get(key="6.5")
    clause_update(
        clause=clause, section=clause.section, text=clause.text.replace("express", "written")
    )
    publish(draft, by=head, summary_of_changes="Permission for 6.5 must be in writing.")

    phone_journey.goto("/")
    phone_journey.click("link", name="Social Media Policy (version 2)")
    assert page.get_by_role("heading", name="What changed in the Social Media Policy").is_visible()
    assert page.locator("section.change").count() == 1
    assert page.locator("section.change del").inner_text() == "express"
    assert page.locator("#clause-6-7").count() == 0  # only what changed, with a link to the rest
    assert page.get_by_role("link", name="Read the full text of version 2").is_visible()
    page.get_by_label("I confirm that I have read version 2").check()
    phone_journey.screenshot("ack-3-what-changed-phone")
    phone_journey.click("button", name="Sign version 2")
    signoff = SignOff.objects.get(version__number=2)
    assert signoff.changed_clause_keys == ["6.5"]
    phone_journey.goto("/")
    assert page.get_by_text("You have signed everything that applies.").is_visible()


def test_a_sign_off_without_the_confirmation_ticked_is_not_sent(journey, st_elisabeths, policy):
    person(st_elisabeths, full_name="Tom Teague", email="teacher@se.example")
    journey.sign_in("teacher@se.example")
    journey.goto(f"/acknowledgements/sign/{policy.pk}/")
    journey.page.get_by_role("button", name="Sign version 1").click()
    assert journey.page.locator("#confirm:invalid").count() == 1
    assert not SignOff.objects.exists()


def test_the_head_acknowledges_a_declaration_and_declines_a_request(journey, st_elisabeths):
    person(st_elisabeths, Role.STAFF, Role.HEAD, full_name="Helen Hart", email="head@se.example")
    tom = person(st_elisabeths, full_name="Tom Teague")
    declaration_submit(
        user=tom, school=st_elisabeths, pupil_name="Poppy Teague", class_or_year="Year 3",
        relationship="niece", social_media_contact=True, details="Family Facebook group",
    )  # fmt: skip
    approval_request_submit(
        user=tom, school=st_elisabeths, kind=ApprovalKind.OFFICIAL_SITE, details="A Year 6 blog"
    )
    page = journey.page
    journey.sign_in("head@se.example")
    journey.screenshot("ack-4-head-home")
    journey.click("link", name="Declaration from Tom Teague")
    page.get_by_label("Agreed protocol").fill(
        "Contact only in the family group; no school matters."
    )
    journey.screenshot("ack-5-declaration")
    journey.click("button", name="Acknowledge declaration")
    assert page.get_by_text("Declaration acknowledged").is_visible()
    journey.click("link", name="Tom Teague: creating an official school social media site")
    page.get_by_label("Decline").check()
    journey.click("button", name="Record decision")
    assert page.get_by_text("Say why the request is declined.").is_visible()
    page.get_by_label("Reason").fill("Please use the school's website news page instead.")
    journey.screenshot("ack-6-decline")
    journey.click("button", name="Record decision")
    assert page.get_by_text("Decision recorded").is_visible()
    assert page.get_by_text("None waiting.").count() == 2
    journey.screenshot("ack-7-head-view")
