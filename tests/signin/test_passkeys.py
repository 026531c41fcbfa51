"""A passkey is a second factor like an authenticator app: it satisfies the two-factor rule,
and someone whose role needs two-factor cannot remove their last one. (Registering and signing
in with one in a browser: tests/browser/test_signin_journeys.py.)"""

import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator

from people.models import Role
from signin.mfa import mfa_standing, must_keep_authenticator
from tests.factories import person


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.MFA_REQUIRED = True


def passkey(user, name: str = "Laptop") -> Authenticator:
    # What allauth stores for a passkey; the credential itself plays no part in these rules.
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "passwordless": True}
    )


def test_a_passkey_used_at_sign_in_meets_the_two_factor_rule(client, st_elisabeths):
    dsl = person(st_elisabeths, Role.STAFF, Role.DSL)
    key = passkey(dsl)
    assert mfa_standing(dsl, set()).blocked
    assert not mfa_standing(dsl, {key.pk}).blocked
    client.force_login(dsl)
    assert client.get("/").status_code == 302
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "mfa", "at": time.time(), "id": key.pk, "type": "webauthn", "passwordless": True}
    ]
    session.save()
    assert client.get("/").status_code == 200
    key.delete()  # removed (by support): the session no longer counts as having passed
    assert client.get("/").status_code == 302


def test_a_dsl_cannot_remove_their_last_passkey_but_can_remove_a_spare(st_elisabeths):
    dsl = person(st_elisabeths, Role.STAFF, Role.DSL)
    laptop = passkey(dsl)
    assert must_keep_authenticator(laptop)
    assert not get_adapter().can_delete_authenticator(laptop)
    phone = passkey(dsl, "Phone")
    assert get_adapter().can_delete_authenticator(phone)


def test_a_teacher_may_remove_their_only_passkey(st_elisabeths, bob):
    assert get_adapter().can_delete_authenticator(passkey(bob))


def test_a_passkey_is_offered_on_the_two_factor_set_up_page(client, st_elisabeths):
    dsl = person(st_elisabeths, Role.STAFF, Role.DSL)
    client.force_login(dsl)
    assert client.get("/accounts/2fa/webauthn/add/").status_code == 200
