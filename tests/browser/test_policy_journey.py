"""The Head edits a clause, sees what changed and publishes; staff read both schools' policies."""

import pytest

from people.models import Role
from policies.models import VersionStatus
from seeding.demo.policies import seed_policies
from tests.factories import SchoolFactory, TrustFactory, person

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_schools(db):
    """Both schools with their real policies, imported and published as seed_demo does."""
    trust = TrustFactory(name="SHINE Academies Trust", slug="shine")
    st_elisabeths = SchoolFactory(
        name="St Elisabeth's CE Primary School", slug="st-elisabeths", head_title="Head of School"
    )
    villiers = SchoolFactory(name="Villiers Primary School", slug="villiers", trust=trust)
    seed_policies()
    return st_elisabeths, villiers


def test_the_head_edits_a_clause_sees_the_comparison_and_publishes(journey, demo_schools):
    st_elisabeths, _ = demo_schools
    person(st_elisabeths, Role.STAFF, Role.HEAD, full_name="Helen Hart", email="head@se.example")
    page = journey.page
    journey.sign_in("head@se.example")
    journey.click("link", name="Policies")
    journey.screenshot("policies-1-list")
    journey.click("link", name="Social Media Policy", within=page.get_by_role("table"))
    assert page.get_by_text("Version 1").first.is_visible()
    journey.click("button", name="Edit: start or continue a draft")
    assert page.get_by_role("heading", name="Draft version 2 of Social Media Policy").is_visible()
    journey.click("link", name="Edit clause 6.5")
    text = page.get_by_label("Text")
    text.fill(text.input_value().replace("express permission", "written permission"))
    journey.screenshot("policies-2-edit-clause")
    journey.click("button", name="Save clause")
    assert page.get_by_text("Clause 6.5 saved.").is_visible()
    journey.click("link", name="Review changes and publish")
    changed = page.locator("section.change-changed")
    assert changed.count() == 1
    assert changed.locator("del").inner_text() == "express"
    assert changed.locator("ins").inner_text() == "written"
    page.get_by_label("Approved by").fill("Full governing body")
    page.get_by_label("Summary of changes").fill("Clause 6.5: permission must be in writing.")
    journey.screenshot("policies-3-publish")
    journey.click("button", name="Publish version 2")
    assert page.get_by_text("Version 2 of “Social Media Policy” is published.").is_visible()
    assert page.locator("#clause-6-5").get_by_text("written permission").is_visible()
    journey.screenshot("policies-4-published")
    journey.click("link", name="What changed in version 2")
    assert page.get_by_text("1 changed, 0 added, 0 removed").is_visible()
    journey.screenshot("policies-5-what-changed")
    version = st_elisabeths.policies.get(title="Social Media Policy").versions.get(number=1)
    assert version.status == VersionStatus.SUPERSEDED


def test_staff_read_their_schools_policies_on_a_phone(phone_journey, demo_schools):
    _, villiers = demo_schools
    person(villiers, full_name="Lucy Webb", email="teacher@villiers.example")
    page = phone_journey.page
    phone_journey.sign_in("teacher@villiers.example")
    phone_journey.goto("/policies/")
    assert page.get_by_role(
        "link", name="Social Media & Networking Code of Conduct for Parents/Carers"
    ).is_visible()
    assert page.get_by_text("St Elisabeth's").count() == 0
    phone_journey.click("link", name="Social Media Policy")
    assert page.get_by_role("heading", name="Cyber bullying and Harassment").is_visible()
    phone_journey.screenshot("policies-6-villiers-phone")
    page.get_by_label("Search this policy").fill("Head of HR")
    phone_journey.click("button", name="Search")
    assert page.locator("mark").first.inner_text() == "Head of HR"
    phone_journey.screenshot("policies-7-search-phone")


def test_a_permalink_opens_the_clause(journey, demo_schools):
    st_elisabeths, _ = demo_schools
    person(st_elisabeths, full_name="Tom Teague", email="teacher@se.example")
    journey.sign_in("teacher@se.example")
    policy = st_elisabeths.policies.get()
    journey.goto(f"/policies/{policy.pk}/#clause-6-7")
    clause = journey.page.locator("#clause-6-7")
    assert clause.is_visible()
    assert "declare" in clause.inner_text().lower() or "relationship" in clause.inner_text().lower()
    journey.screenshot("policies-8-permalink")
