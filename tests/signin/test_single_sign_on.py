"""Single sign-on lets in only people the portal knows, at the school whose provider it is,
and never creates anyone; against a real OpenID Connect provider on loopback."""

import datetime
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone

from audit.models import Action, AuditEvent
from people.models import Invitation, Role, User
from people.services import person_leave
from signin import selectors
from tests.factories import PASSWORD, person
from tests.oidc import configure, sign_in_with


def signed_in_as(client) -> User | None:
    user = client.get("/").wsgi_request.user
    return user if user.is_authenticated else None


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_known_teacher_signs_in_with_the_schools_provider(client, oidc, alice, bob):
    configuration = configure(alice.memberships.first().school, alice)
    response = sign_in_with(client, oidc, configuration, oidc.knows("Bob@SE.example"))
    assert response.status_code == 302 and response.url == "/"
    assert signed_in_as(client) == bob
    assert SocialAccount.objects.get(user=bob).provider == configuration.app.provider_id
    assert AuditEvent.objects.filter(actor=bob, action=Action.SIGN_IN).exists()


def test_an_unknown_address_is_refused_and_told_who_to_ask(client, oidc, alice):
    configuration = configure(alice.memberships.first().school, alice)
    users = User.objects.count()
    response = sign_in_with(client, oidc, configuration, oidc.knows("stranger@se.example"))
    assert response.url == "/accounts/login/"
    assert signed_in_as(client) is None
    assert User.objects.count() == users  # nobody was created
    assert any("ask your school office or the Head" in text for text in texts(response))
    assert AuditEvent.objects.filter(
        action=Action.SIGN_IN_FAILED, detail__contains="single sign-on refused"
    ).exists()


def test_an_unverified_address_is_refused(client, oidc, alice, bob):
    configuration = configure(alice.memberships.first().school, alice, provider="google")
    sub = oidc.knows("bob@se.example", verified=False, hd="stelisabeths.example")
    sign_in_with(client, oidc, configuration, sub)
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_google_signs_in_only_the_schools_workspace_domain(client, oidc, alice, bob):
    configuration = configure(alice.memberships.first().school, alice, provider="google")
    sign_in_with(client, oidc, configuration, oidc.knows("bob@se.example", hd="gmail.com"))
    assert signed_in_as(client) is None
    sign_in_with(
        client, oidc, configuration, oidc.knows("bob@se.example", hd="stelisabeths.example")
    )
    assert signed_in_as(client) == bob


def test_another_schools_provider_does_not_sign_in_its_teacher(
    client, oidc, alice, bob, charlie, villiers
):
    """Charlie is known to the portal, but at Villiers: St Elisabeth's provider is no way in."""
    configuration = configure(alice.memberships.first().school, alice)
    sign_in_with(client, oidc, configuration, oidc.knows("charlie@villiers.example"))
    assert signed_in_as(client) is None


def test_a_leaver_is_signed_out_and_single_sign_on_no_longer_signs_them_in(
    client, oidc, alice, bob, django_capture_on_commit_callbacks
):
    school = alice.memberships.first().school
    configuration = configure(school, alice)
    sub = oidc.knows("bob@se.example")
    sign_in_with(client, oidc, configuration, sub)
    assert signed_in_as(client) == bob
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        person_leave(school=school, user=bob, ends_on=yesterday, by=alice)
    assert signed_in_as(client) is None  # the session ended with the last membership
    response = sign_in_with(client, oidc, configuration, sub)
    assert signed_in_as(client) is None
    assert any("no longer have a role" in text for text in texts(response))


def test_an_invitation_is_accepted_by_signing_in_with_the_provider(client, oidc, alice):
    school = alice.memberships.first().school
    newcomer = person(school, email="nia@se.example")
    invitation = Invitation.objects.create(
        user=newcomer, invited_by=alice, expires_at=timezone.now() + datetime.timedelta(days=7)
    )
    sign_in_with(client, oidc, configure(school, alice), oidc.knows("nia@se.example"))
    assert signed_in_as(client) == newcomer
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.token_sha256 is None  # the link in the e-mail can no longer be used


# The Head's settings page


def test_the_head_sets_up_single_sign_on_and_the_secret_is_never_shown_again(client, alice, bob):
    client.force_login(alice)
    page = "/sign-in/schools/st-elisabeths/"
    response = client.post(
        page,
        {"provider": "microsoft", "tenant": "SE-Tenant.example", "client_id": "abc"},
    )
    assert response.status_code == 400  # a first setup needs its secret
    assert b'value="SE-Tenant.example"' in response.content  # what was typed is kept
    assert b"Enter the client secret" in response.content
    response = client.post(
        page,
        {
            "provider": "microsoft",
            "tenant": "se-tenant.example",
            "client_id": "abc",
            "secret": "TopSecret-123",
        },
    )
    assert response.status_code == 302
    app = SocialApp.objects.get()
    assert app.secret == "TopSecret-123"
    assert app.settings["server_url"].startswith("https://login.microsoftonline.com/se-tenant")
    shown = client.get(page).content.decode()
    assert "TopSecret-123" not in shown and "A secret is saved" in shown
    assert f"/accounts/oidc/{app.provider_id}/login/callback/" in shown
    # Saved again with the secret left empty: the one saved is kept.
    client.post(page, {"provider": "microsoft", "tenant": "se-tenant.example", "client_id": "abd"})
    app.refresh_from_db()
    assert (app.secret, app.client_id) == ("TopSecret-123", "abd")
    events = AuditEvent.objects.filter(record__startswith="signin.SingleSignOn")
    assert events.count() == 2
    assert not events.filter(detail__contains="TopSecret").exists()


def test_a_teacher_cannot_see_the_schools_single_sign_on(client, alice, bob):
    client.force_login(bob)
    assert client.get("/sign-in/schools/st-elisabeths/").status_code == 403


# Single sign-on only


def test_single_sign_on_only_refuses_the_password_with_the_right_button(client, oidc, alice, bob):
    school = alice.memberships.first().school
    configuration = configure(school, alice)
    waiting = selectors.not_yet_signed_in(configuration)
    client.force_login(alice)
    response = client.post(
        "/sign-in/schools/st-elisabeths/",
        {"only-only": "on", "only-emergency_admin": alice.pk},
    )
    assert response.status_code == 302
    assert f"{waiting} people have not yet signed in" in " ".join(texts(response))
    client.logout()
    response = client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    assert response.status_code == 200 and signed_in_as(client) is None
    assert "signs in with Microsoft (Entra ID) only" in response.content.decode().replace(
        "&#x27;", "'"
    )
    # A wrong password gets the usual answer: nothing said about the address.
    response = client.post("/accounts/login/", {"login": bob.email, "password": "wrong-one"})
    assert b"only: use the" not in response.content
    # The emergency administrator keeps their password.
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert signed_in_as(client) == alice


def test_under_single_sign_on_only_a_signed_in_head_still_confirms_with_the_password(
    client, oidc, alice, bob, st_elisabeths
):
    """Re-authentication before a sensitive action is not a sign-in: allauth has no way to do
    it through the provider, so the person already in confirms with their password."""
    deputy = person(st_elisabeths, Role.STAFF, Role.HEAD, email="deputy@se.example")
    configuration = configure(st_elisabeths, alice)
    configuration.only, configuration.emergency_admin = True, alice
    configuration.save()
    sign_in_with(client, oidc, configuration, oidc.knows(deputy.email))
    assert signed_in_as(client) == deputy
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302


def test_single_sign_on_only_needs_a_named_emergency_administrator(client, oidc, alice):
    configure(alice.memberships.first().school, alice)
    client.force_login(alice)
    response = client.post("/sign-in/schools/st-elisabeths/", {"only-only": "on"})
    assert response.status_code == 400
    assert b"Name the emergency administrator" in response.content


def test_a_password_reset_under_single_sign_on_only_sends_the_button_not_a_link(
    client, oidc, alice, bob
):
    configuration = configure(alice.memberships.first().school, alice)
    configuration.only, configuration.emergency_admin = True, alice
    configuration.save()
    client.post("/accounts/password/reset/", {"email": bob.email})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Continue with Microsoft" in body and "/accounts/password/reset/key/" not in body


@pytest.mark.parametrize("role", [Role.HEAD, Role.DSL])
def test_a_sign_in_without_amr_still_meets_the_second_factor_step(
    client, oidc, alice, st_elisabeths, settings, role
):
    settings.MFA_REQUIRED = True
    lead = person(st_elisabeths, Role.STAFF, role, email="lead@se.example")
    configuration = configure(st_elisabeths, alice, trusts_provider_mfa=True)
    sign_in_with(client, oidc, configuration, oidc.knows("lead@se.example"))
    assert signed_in_as(client) == lead
    assert client.get("/").url.startswith("/accounts/2fa/totp/activate/")


def test_a_token_asserting_mfa_passes_when_the_school_trusts_it(
    client, oidc, alice, st_elisabeths, settings
):
    settings.MFA_REQUIRED = True
    dsl = person(st_elisabeths, Role.STAFF, Role.DSL, email="dsl@se.example")
    configuration = configure(st_elisabeths, alice, trusts_provider_mfa=False)
    sub = oidc.knows("dsl@se.example", mfa=True)
    sign_in_with(client, oidc, configuration, sub)
    assert client.get("/").status_code == 302  # not trusted: the portal's own is asked for
    client.logout()
    configuration = configure(st_elisabeths, alice, trusts_provider_mfa=True, secret="")
    sign_in_with(client, oidc, configuration, sub)
    assert signed_in_as(client) == dsl
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(
        actor=dsl, detail__contains="counted as the second factor"
    ).exists()
    # The school stops trusting it: the next request asks for the portal's own.
    configure(st_elisabeths, alice, trusts_provider_mfa=False, secret="")
    assert client.get("/").status_code == 302


def test_a_trusts_provider_signs_in_the_people_of_its_schools(
    client, oidc, villiers, charlie, st_elisabeths, bob
):
    """Set up by the trust's Head of HR; St Elisabeth's, not in the trust, is not covered."""
    hr = person(villiers, email="hr@shine.example")
    hr.memberships.update(school=None, trust=villiers.trust, role=Role.TRUST_HR)
    client.force_login(hr)
    response = client.post(
        "/sign-in/trusts/shine/",
        {"provider": "google", "tenant": "shine.example", "client_id": "c", "secret": "s"},
    )
    assert response.status_code == 302
    client.logout()
    configuration = selectors.configuration_for(villiers.trust)
    assert configuration.app.settings["auth_params"] == {"hd": "shine.example"}
    sign_in_with(client, oidc, configuration, oidc.knows(charlie.email, hd="shine.example"))
    assert signed_in_as(client) == charlie
    client.logout()
    sign_in_with(client, oidc, configuration, oidc.knows(bob.email, hd="shine.example"))
    assert signed_in_as(client) is None


def test_the_django_admin_never_shows_a_client_secret(client, alice):
    configuration = configure(alice.memberships.first().school, alice, secret="Adm1n-Sees-Not")
    support = User.objects.create_superuser(email="support@portal.example", password=PASSWORD)
    client.force_login(support)
    for path in (
        "/admin/socialaccount/socialapp/",
        f"/admin/socialaccount/socialapp/{configuration.app.pk}/change/",
        f"/admin/signin/singlesignon/{configuration.pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"Adm1n-Sees-Not" not in response.content, path


def test_a_leaver_recorded_in_advance_is_signed_out_by_the_nightly_task_after_their_last_day(
    client, oidc, alice, bob, settings, django_capture_on_commit_callbacks
):
    from signin.tasks import end_leavers_sessions

    school = alice.memberships.first().school
    sign_in_with(client, oidc, configure(school, alice), oidc.knows(bob.email))
    with django_capture_on_commit_callbacks(execute=True):
        person_leave(school=school, user=bob, ends_on=timezone.localdate(), by=alice)
    assert signed_in_as(client) == bob  # still works today
    assert end_leavers_sessions() == 0
    bob.memberships.update(ends_on=timezone.localdate() - datetime.timedelta(days=1))  # a day on
    assert end_leavers_sessions() == 1
    assert signed_in_as(client) is None
    assert (
        settings.CELERY_BEAT_SCHEDULE["signin-leavers-sessions"]["task"]
        == end_leavers_sessions.name
    )


def test_a_signed_in_teacher_cannot_connect_a_colleagues_provider_account(client, oidc, alice, bob):
    configuration = configure(alice.memberships.first().school, alice)
    client.force_login(bob)
    start = client.post(
        f"/accounts/oidc/{configuration.app.provider_id}/login/", {"process": "connect"}
    )
    back = urlsplit(oidc.authorize(start.url, oidc.knows(alice.email)))
    client.get(f"{back.path}?{back.query}")
    assert not SocialAccount.objects.exists()
