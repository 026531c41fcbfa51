"""The pages that used to be too wide for a phone or oddly set, on the demo's data: the account
pages, the policies list, the audit log, a Villiers policy's unnumbered paragraphs, the
navbar, the Head's reminder settings and the governors' sign-off by staff group."""

import pytest
from django.core.management import call_command

from seeding.demo.people import DEMO_PASSWORD
from tests.browser.test_crawl import OVERFLOW, PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, settings):
    settings.MFA_REQUIRED = False  # as in the demo
    call_command("seed_demo", stdout=None)


def fits(journey) -> None:
    overflow = journey.page.evaluate(OVERFLOW)
    assert overflow is None, f"{journey.page.url} scrolls sideways: {overflow}"


def test_the_account_pages_are_styled_and_fit_a_phone(phone_journey, demo):
    journey, page = phone_journey, phone_journey.page
    page.set_viewport_size(PHONE)
    journey.sign_in("head@stelisabeths.example", DEMO_PASSWORD)
    journey.goto("/accounts/sessions/")
    assert page.get_by_role("heading", name="Where you are signed in").is_visible()
    assert page.get_by_text("This browser").is_visible()
    nav = page.get_by_role("navigation", name="Your account")
    assert (
        nav.get_by_role("link", name="Where you are signed in").get_attribute("aria-current")
        == "page"
    )
    fits(journey)
    journey.screenshot("layout-1-sessions-phone")
    journey.goto("/accounts/2fa/")
    assert page.locator("section.card").first.is_visible()  # allauth's panel, as a card
    fits(journey)
    journey.screenshot("layout-2-two-factor-phone")
    journey.goto("/accounts/password/change/")
    fits(journey)
    journey.screenshot("layout-3-password-phone")


def test_the_policies_list_and_a_villiers_policy_fit_a_phone(phone_journey, demo):
    journey, page = phone_journey, phone_journey.page
    page.set_viewport_size(PHONE)
    journey.sign_in("head@villiers.example", DEMO_PASSWORD)
    journey.goto("/policies/")
    fits(journey)
    journey.screenshot("layout-4-policies-phone")
    journey.click("link", name="Social Media Policy")
    fits(journey)
    text = page.locator("main").inner_text()
    assert "¶" not in text
    first = page.locator("section.clause h3").first
    assert first.inner_text() == "Paragraph 1"
    journey.screenshot("layout-5-villiers-paragraphs-phone")


def test_the_audit_log_scrolls_in_a_box_a_keyboard_can_reach(phone_journey, demo):
    journey, page = phone_journey, phone_journey.page
    page.set_viewport_size(PHONE)
    journey.sign_in("dpl@stelisabeths.example", DEMO_PASSWORD)
    journey.goto("/audit/")  # axe's scrollable-region-focusable is checked here
    region = page.get_by_role("region", name="Audit events, newest first")
    assert region.get_attribute("tabindex") == "0"
    fits(journey)
    journey.screenshot("layout-6-audit-phone")


def test_the_navbar_sets_the_name_level_with_the_menu_and_has_a_favicon(journey, demo):
    page = journey.page
    journey.sign_in("teacher@villiers.example", DEMO_PASSWORD)
    name = page.get_by_text("Lucy Webb", exact=True).bounding_box()
    account = page.get_by_role("button", name="Account").bounding_box()
    middle = lambda box: box["y"] + box["height"] / 2  # noqa: E731
    assert abs(middle(name) - middle(account)) <= 1
    icon = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(journey.base_url + icon)
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    journey.screenshot("layout-7-navbar")


def test_the_head_sets_the_reminder_ladder_and_is_told_what_is_wrong(phone_journey, demo):
    journey, page = phone_journey, phone_journey.page
    page.set_viewport_size(PHONE)
    journey.sign_in("head@stelisabeths.example", DEMO_PASSWORD)
    journey.click("link", name="Sign-off reminders at St Elisabeth's CE Primary School")
    page.get_by_label("Second reminder, after (days)").fill("5")
    journey.click("button", name="Save the reminder days")
    assert page.get_by_text("must come after the first reminder (day 7)").is_visible()
    assert page.get_by_label("Second reminder, after (days)").input_value() == "5"
    fits(journey)
    journey.screenshot("layout-8-reminders-refused-phone")
    page.get_by_label("Second reminder, after (days)").fill("10")
    journey.click("button", name="Save the reminder days")
    assert page.get_by_text("The reminder days are saved.").is_visible()
    assert page.get_by_text("Second reminder after 10 days").is_visible()
    journey.screenshot("layout-9-reminders-saved-phone")


def test_a_governor_sees_the_small_staff_groups_only_together(journey, demo):
    page = journey.page
    journey.sign_in("governor@stelisabeths.example", DEMO_PASSWORD)
    journey.goto("/governance/schools/st-elisabeths/")
    table = page.locator("table[id^='table-signoff-'][id$='-category']").first
    rows = table.locator("tbody th").all_inner_texts()
    # Twenty staff: eight teachers, five non-teaching, one each of five other categories and
    # two volunteers, and the governors: the groups of one are only counted together.
    assert "Other staff groups" in rows and "Teaching staff" in rows
    assert not {"Trainee", "Apprentice", "Agency staff", "External consultant"} & set(rows)
    journey.screenshot("layout-10-dashboard-staff-groups")
