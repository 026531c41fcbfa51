"""A passkey is a second factor like an authenticator app: it satisfies the two-factor rule,
and someone whose role needs two-factor cannot remove their last one. (Registering and signing
in with one in a browser: tests/browser/test_signin_journeys.py.)"""

import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator

from audit.models import AuditEvent
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


def passkey_sign_in_attempt(user, rf):
    """allauth's passkey sign-in as the adapter sees it: the passkey recorded, then pre_login."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from signin import sessions
    from signin.adapters import AccountAdapter

    request = rf.post("/accounts/2fa/webauthn/login/")
    request.session = SessionStore()
    request.session[sessions.AUTHENTICATION_RECORDS_USER_KEY] = str(user.pk)
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "mfa", "at": time.time(), "id": 1, "type": "webauthn", "passwordless": True}
    ]
    request._messages = FallbackStorage(request)
    return AccountAdapter(request).pre_login(
        request, user, email_verification="none", signal_kwargs=None, email=None, signup=False,
        redirect_url=None,
    )  # fmt: skip


def test_a_school_can_make_a_passkey_only_the_second_step(
    client, rf, settings, alice, bob, st_elisabeths
):
    settings.MFA_REQUIRED = False  # the Head's own second factor is not what this is about
    assert passkey_sign_in_attempt(bob, rf) is None  # allowed by default
    client.force_login(alice)
    response = client.post("/sign-in/schools/st-elisabeths/", {"passkeys-form": "1"})
    assert response.status_code == 302
    refused = passkey_sign_in_attempt(bob, rf)
    assert refused is not None and refused.url == "/accounts/login/"
    assert AuditEvent.objects.filter(actor=bob, detail__contains="passkey alone refused").exists()
