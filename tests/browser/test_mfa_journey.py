"""A DSL, who must use two-factor authentication, enrols an authenticator app and signs in."""

import time

import pytest
from allauth.mfa.totp.internal.auth import hotp_value

from people.models import Role
from tests.factories import PASSWORD, MembershipFactory, person

pytestmark = pytest.mark.browser


def current_code(secret: str) -> str:
    """The code an authenticator app shows, read early enough in its period to be typed in time.

    Codes are accepted only in their own 30-second period (allauth's tolerance 0, so that the
    used-code guard, which lasts one period, covers every period a code is valid in).
    """
    if time.time() % 30 > 20:
        next_period()
    return f"{hotp_value(secret, int(time.time()) // 30):06d}"


def next_period() -> None:
    """A code is accepted once: wait for the authenticator's next 30-second code."""
    time.sleep(30 - time.time() % 30 + 0.5)


def test_a_dsl_enrols_totp_and_signs_in_with_it(journey, settings, st_elisabeths):
    settings.MFA_REQUIRED = True
    person(st_elisabeths, Role.STAFF, Role.DSL, full_name="Sarah Lowe", email="dsl@se.example")
    page = journey.page
    journey.sign_in("dsl@se.example")
    # Required of a DSL: every page leads to setting it up, after confirming the password.
    assert page.get_by_text("needs two-factor authentication").is_visible()
    assert "/accounts/reauthenticate/" in page.url
    page.get_by_label("Password").fill(PASSWORD)
    journey.click("button", name="Confirm")
    assert "/accounts/2fa/totp/activate/" in page.url
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(current_code(secret))
    journey.screenshot("mfa-1-activate")
    journey.click("button", name="Activate")
    journey.screenshot("mfa-2-activated")
    journey.goto("/")
    assert page.get_by_role("heading", name="Hello, Sarah").is_visible()

    journey.page.get_by_role("button", name="Sign out").click()
    journey.page.wait_for_load_state()
    next_period()
    journey.sign_in("dsl@se.example")
    assert "/accounts/2fa/authenticate/" in page.url
    journey.screenshot("mfa-3-code-asked")
    page.get_by_label("Code").fill(current_code(secret))
    journey.click("button", name="Sign In")
    assert page.get_by_role("heading", name="Hello, Sarah").is_visible()
    journey.screenshot("mfa-4-signed-in")


def test_a_teacher_made_dsl_mid_session_is_sent_to_set_up_two_factor_by_the_bells_poll(
    journey, settings, st_elisabeths
):
    settings.MFA_REQUIRED = True
    tom = person(st_elisabeths, full_name="Tom Reid", email="tom@se.example")
    page = journey.page
    page.clock.install()  # the bell polls every minute: the test moves the page's clock on
    journey.sign_in("tom@se.example")
    assert page.get_by_role("heading", name="Hello, Tom").is_visible()
    # The bell's first request (on load) has come back and set its minute's timer: only then
    # does moving the clock on fire a poll sent after Tom's new role.
    page.get_by_role("link", name="Notifications, none unread").wait_for()

    # The Head makes Tom the DSL while his home page is open. He has no authenticator, so the
    # bell's next poll (an htmx request) answers with HX-Redirect and the browser goes to set
    # it up, after confirming his password; the poll gets no content.
    MembershipFactory(user=tom, school=st_elisabeths, role=Role.DSL)
    with page.expect_response("**/notifications/bell/") as polled:
        page.clock.fast_forward("01:05")
    poll = polled.value
    assert poll.request.headers.get("hx-request") == "true"
    assert poll.headers.get("hx-redirect") == "/accounts/2fa/totp/activate/"
    page.wait_for_url("**/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F")
    journey.check_accessibility()
    assert page.get_by_text("needs two-factor authentication").is_visible()
    assert page.get_by_role("heading", name="Hello, Tom").count() == 0
    journey.screenshot("mfa-5-sent-by-the-bell-to-set-up")

    page.get_by_label("Password").fill(PASSWORD)
    journey.click("button", name="Confirm")
    assert "/accounts/2fa/totp/activate/" in page.url
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(current_code(secret))
    journey.click("button", name="Activate")
    # Setting it up in this session is the second factor: he carries on without signing in again.
    journey.goto("/incidents/queue/")
    assert page.get_by_role("heading", name="Reports routed to you").is_visible()
    journey.screenshot("mfa-6-set-up-and-back-to-work")
