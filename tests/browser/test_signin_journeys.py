"""Single sign-on and passkeys in Chromium: a Head sets up the school's provider and turns on
"single sign-on only"; a teacher signs in through the provider (a real OpenID Connect provider
on loopback, standing in for Entra ID); their password then no longer works; a DSL registers a
passkey with a virtual authenticator and signs in with it alone."""

import re

import pytest

from people.models import Role
from tests.factories import PASSWORD, person
from tests.oidc import configure

pytestmark = pytest.mark.browser


def at_the_provider(journey, sub: str) -> None:
    """The provider's own sign-in page (the mock's, standing in for Microsoft's): signed in as
    `sub`. It is not the portal's page, so it is not held to the portal's axe-core check (the
    mock's has no <title>); every portal page before and after it is."""
    page = journey.page
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"))
    journey.checked.add(page.url.split("#")[0])
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_load_state()
    journey.check_accessibility()


def test_a_head_turns_on_single_sign_on_for_the_school(journey, oidc, st_elisabeths, alice, bob):
    page = journey.page
    journey.sign_in(alice.email)
    journey.goto("/people/st-elisabeths/")
    journey.click("link", name="Single sign-on")
    assert page.get_by_text("/accounts/oidc/school-").first.is_visible()  # the redirect URI
    page.get_by_label("Microsoft (Entra ID)").check()
    page.get_by_label("Tenant or domain").fill("stelisabeths.example")
    page.get_by_label("Client ID").fill("portal-client")
    page.get_by_label("Client secret").fill("a-secret-from-entra")
    journey.screenshot("signin-1-head-sets-up")
    journey.click("button", name="Save single sign-on")
    assert page.get_by_text(
        "Single sign-on for St Elisabeth's CE Primary School is saved"
    ).is_visible()
    assert page.get_by_text("A secret is saved").is_visible()
    assert page.get_by_label("Client secret").input_value() == ""  # never shown again
    page.get_by_label("Single sign-on only").check()
    page.get_by_label("Emergency administrator").select_option(label=str(alice))
    journey.click("button", name="Save", exact=True)
    assert page.get_by_text(
        "Single sign-on only is on. 2 people have not yet signed in"
    ).is_visible()
    journey.screenshot("signin-2-head-turned-on-only")


def test_a_teacher_signs_in_with_single_sign_on_then_their_password_no_longer_works(
    journey, oidc, st_elisabeths, alice, bob
):
    configuration = configure(st_elisabeths, alice)
    sub = oidc.knows(bob.email)
    page = journey.page
    journey.goto("/accounts/login/")
    journey.screenshot("signin-3-login-page-with-buttons")
    page.get_by_role("button", name=re.compile("Continue with Microsoft")).click()
    at_the_provider(journey, sub)
    assert page.get_by_role("heading", name="Hello, Bob").is_visible()
    journey.screenshot("signin-4-teacher-signed-in-with-sso")

    configuration.only, configuration.emergency_admin = True, alice
    configuration.save()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    journey.sign_in(bob.email, PASSWORD)
    assert "/accounts/login/" in page.url
    assert page.get_by_text("signs in with Microsoft (Entra ID) only").is_visible()
    journey.screenshot("signin-5-password-refused")


def test_an_unknown_address_is_refused_in_the_browser(journey, oidc, st_elisabeths, alice):
    configure(st_elisabeths, alice)
    page = journey.page
    journey.goto("/accounts/login/")
    page.get_by_role("button", name=re.compile("Continue with Microsoft")).click()
    at_the_provider(journey, oidc.knows("stranger@se.example"))
    assert "/accounts/login/" in page.url
    assert page.get_by_text("does not know stranger@se.example").is_visible()
    journey.screenshot("signin-6-unknown-refused")


def virtual_authenticator(page) -> None:
    """A platform authenticator with resident keys and user verification (Chrome DevTools
    Protocol WebAuthn domain), answering every ceremony by itself."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_a_dsl_registers_a_passkey_and_signs_in_with_it(journey, settings, st_elisabeths):
    settings.MFA_REQUIRED = True
    person(st_elisabeths, Role.STAFF, Role.DSL, full_name="Sarah Lowe", email="dsl@se.example")
    page = journey.page
    virtual_authenticator(page)
    journey.sign_in("dsl@se.example")
    # Required of a DSL: confirm the password, then set up a second factor: here a passkey.
    page.get_by_label("Password").fill(PASSWORD)
    journey.click("button", name="Confirm")
    journey.goto("/accounts/2fa/webauthn/add/")
    page.get_by_label("Name").fill("School laptop")
    page.get_by_label("Passwordless").check()
    journey.screenshot("passkey-1-add")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    page.wait_for_load_state()
    journey.check_accessibility()
    journey.goto("/accounts/2fa/webauthn/")
    assert page.get_by_text("School laptop").is_visible()
    journey.screenshot("passkey-2-listed")
    journey.goto("/")
    assert page.get_by_role("heading", name="Hello, Sarah").is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    journey.goto("/accounts/login/")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state()
    journey.check_accessibility()
    assert page.get_by_role("heading", name="Hello, Sarah").is_visible()  # no code asked
    journey.screenshot("passkey-3-signed-in-with-passkey")
