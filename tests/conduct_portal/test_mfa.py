"""Who must use two-factor authentication is decided on every request from the roles held that
day, and a session counts as having passed it only when it showed a second factor with an
authenticator that still exists (tests/test_adversarial_mfa.py tries every route and spelling)."""

import datetime
import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import CaseEntry
from incidents.selectors import RECEIVING_ROLES
from people.models import Role
from signin.mfa import MESSAGE, MFA_ROLES, mfa_standing
from tests.factories import PASSWORD, MembershipFactory, person
from tests.reports import submit

ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.MFA_REQUIRED = True


@pytest.fixture
def dsl(st_elisabeths):
    return person(st_elisabeths, Role.STAFF, Role.DSL, email="dsl@se.example")


def enrol(user) -> tuple[Authenticator, str]:
    secret = generate_totp_secret()
    return TOTP.activate(user, secret).instance, secret


def code_for(secret: str) -> str:
    """The current code, read with at least five seconds of its 30-second period left, since
    allauth accepts a code only in its own period."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.2)
    return f"{hotp_value(secret, int(time.time()) // 30):06d}"


def passed_code(client, authenticator: Authenticator) -> None:
    """As allauth leaves a session after its code step (allauth.mfa's post_authentication)."""
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        *session[AUTHENTICATION_METHODS_SESSION_KEY],
        {"method": "mfa", "at": time.time(), "id": authenticator.pk, "type": "totp"},
    ]
    session.save()


def test_everyone_who_can_receive_a_case_must_use_two_factor():
    assert set(RECEIVING_ROLES) <= set(MFA_ROLES)


@pytest.mark.parametrize(
    ("role", "of_the_trust"), [(Role.VICE_CHAIR, False), (Role.TRUST_HR, True)]
)
def test_a_vice_chair_and_the_trusts_head_of_hr_need_two_factor(
    client, villiers, role, of_the_trust
):
    holder = person(villiers)
    where = {"school": None, "trust": villiers.trust} if of_the_trust else {"school": villiers}
    MembershipFactory(user=holder, role=role, **where)
    client.force_login(holder)
    assert client.get("/").url == ACTIVATE


def test_a_dsl_who_signed_in_with_a_password_alone_is_sent_to_set_up_two_factor(client, dsl):
    client.force_login(dsl)
    response = client.get("/incidents/queue/")
    assert (response.status_code, response.url) == (302, ACTIVATE)
    assert [m.message for m in get_messages(response.wsgi_request)] == [MESSAGE]


def test_an_htmx_poll_sends_the_browser_to_the_set_up_page_and_not_the_content(client, dsl):
    client.force_login(dsl)
    response = client.get("/notifications/bell/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == ACTIVATE
    assert response.content == b""


def test_the_bell_on_the_set_up_page_gets_nothing_rather_than_reloading_it(client, dsl):
    client.force_login(dsl)
    for page in ("/accounts/2fa/totp/activate/", "/accounts/reauthenticate/?next=%2Fx%2F"):
        headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
        poll = client.get("/notifications/bell/", headers=headers)
        assert (poll.status_code, poll.content, poll.get("HX-Redirect")) == (204, b"", None)
    # From any other page, or a spelling of the set-up page that is not it, it is sent there.
    for page in ("/", "/accounts/2fa/totp/activate/../../../incidents/queue/", "/ACCOUNTS/"):
        headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
        assert client.get("/notifications/bell/", headers=headers)["HX-Redirect"] == ACTIVATE


def test_the_warning_is_given_once_however_many_requests_are_refused(client, dsl):
    client.force_login(dsl)
    client.get("/notifications/bell/", headers={"HX-Request": "true"})
    client.get("/notifications/bell/", headers={"HX-Request": "true"})
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    assert page.text.count("needs two-factor authentication") == 1


def test_a_case_note_posted_before_setting_up_two_factor_is_not_saved(
    client, dsl, bob, st_elisabeths
):
    case = submit(bob, st_elisabeths, category="prevent")
    client.force_login(dsl)
    before = CaseEntry.objects.count()
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(f"/incidents/{case.pk}/act/note/", {"text": "x"}, headers=headers)
        assert response.status_code in (200, 302) and response.content == b""
    assert CaseEntry.objects.count() == before
    # The same note, once the session has passed the code, is saved: the refusal was the MFA.
    passed_code(client, enrol(dsl)[0])
    client.post(f"/incidents/{case.pk}/act/note/", {"text": "x"})
    assert CaseEntry.objects.count() == before + 1


def test_a_dsl_whose_session_passed_the_code_reaches_the_queue(client, dsl):
    client.force_login(dsl)
    passed_code(client, enrol(dsl)[0])
    assert client.get("/incidents/queue/").status_code == 200


def test_a_teacher_who_becomes_a_dsl_mid_session_is_stopped_on_the_next_request(
    client, bob, st_elisabeths
):
    client.force_login(bob)
    assert client.get("/").status_code == 200
    MembershipFactory(user=bob, school=st_elisabeths, role=Role.DSL)
    assert client.get("/").url == ACTIVATE
    poll = client.get("/notifications/bell/", headers={"HX-Request": "true"})
    assert poll["HX-Redirect"] == ACTIVATE


def test_a_dsl_whose_authenticator_is_deleted_is_stopped_on_the_next_request(client, dsl):
    client.force_login(dsl)
    authenticator, _ = enrol(dsl)
    passed_code(client, authenticator)
    assert client.get("/incidents/queue/").status_code == 200
    Authenticator.objects.filter(user=dsl).delete()  # e.g. by support, in the admin
    assert client.get("/incidents/queue/").url == ACTIVATE


def test_a_code_from_a_deleted_authenticator_does_not_count_for_a_new_one(client, dsl):
    client.force_login(dsl)
    old, _ = enrol(dsl)
    passed_code(client, old)
    Authenticator.objects.filter(user=dsl).delete()
    enrol(dsl)  # set up again in another session
    response = client.get("/incidents/queue/")
    assert response.url == "/accounts/2fa/reauthenticate/?next=%2Fincidents%2Fqueue%2F"


def test_an_authenticator_set_up_elsewhere_still_needs_its_code_in_this_session(client, dsl):
    client.force_login(dsl)  # a password alone, while there was no authenticator
    _, secret = enrol(dsl)
    response = client.get("/incidents/queue/")
    assert response.url == "/accounts/2fa/reauthenticate/?next=%2Fincidents%2Fqueue%2F"
    answered = client.post(response.url, {"code": code_for(secret)})
    assert answered.url == "/incidents/queue/"
    assert client.get("/incidents/queue/").status_code == 200


def test_a_real_sign_in_with_the_code_passes_and_ends_when_the_authenticator_goes(client, dsl):
    _, secret = enrol(dsl)
    client.post("/accounts/login/", {"login": "dsl@se.example", "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": code_for(secret)})
    assert client.get("/incidents/queue/").status_code == 200
    Authenticator.objects.filter(user=dsl).delete()
    assert client.get("/incidents/queue/").url == ACTIVATE


@pytest.mark.django_db(transaction=True)
def test_setting_up_an_authenticator_in_this_session_passes_two_factor(client, st_elisabeths):
    # transaction=True: allauth announces the new authenticator once its transaction commits,
    # which a test's enclosing transaction would put off until after the response.
    dsl = person(st_elisabeths, Role.STAFF, Role.DSL)
    client.force_login(dsl)
    assert client.get("/incidents/queue/").url == ACTIVATE
    form = client.get(ACTIVATE)
    secret = form.context["form"].secret
    activated = client.post(ACTIVATE, {"code": code_for(secret)})
    assert activated.url == "/accounts/2fa/recovery-codes/"
    assert client.get("/incidents/queue/").status_code == 200


def test_the_pages_for_setting_up_and_signing_out_stay_open(client, dsl):
    client.force_login(dsl)
    assert client.get(ACTIVATE).status_code == 200
    assert client.get("/accounts/reauthenticate/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 200
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_other_two_factor_pages_are_closed_until_it_is_set_up(client, dsl):
    client.force_login(dsl)
    for path in ("/accounts/2fa/", "/accounts/2fa/recovery-codes/generate/", "/accounts/email/"):
        assert client.get(path).url == ACTIVATE


def test_deciding_costs_one_query_for_both_the_roles_and_the_authenticators(dsl):
    authenticator, _ = enrol(dsl)
    with CaptureQueriesContext(connection) as queries:
        standing = mfa_standing(dsl, {authenticator.pk})
    assert len(queries) == 1
    assert (standing.must, standing.enrolled, standing.passed) == (True, True, True)


def test_the_middleware_adds_one_query_to_a_teachers_page(client, bob, settings):
    client.force_login(bob)
    client.get("/")  # the first page of a session does one-off work
    counts = []
    for required in (False, True):
        settings.MFA_REQUIRED = required
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[0] + 1


def test_a_role_that_has_ended_no_longer_needs_two_factor(client, st_elisabeths, bob):
    MembershipFactory(
        user=bob,
        school=st_elisabeths,
        role=Role.DSL,
        starts_on=datetime.date(2019, 9, 1),
        ends_on=datetime.date(2020, 1, 1),
    )
    client.force_login(bob)
    assert client.get("/").status_code == 200


def test_a_dsl_cannot_remove_their_only_authenticator(client, dsl):
    client.force_login(dsl)
    passed_code(client, enrol(dsl)[0])
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200
    assert "must keep two-factor authentication" in response.text
    assert Authenticator.objects.filter(user=dsl, type=Authenticator.Type.TOTP).exists()


def test_a_teacher_can_remove_the_authenticator_they_chose_to_add(client, bob):
    client.force_login(bob)
    passed_code(client, enrol(bob)[0])
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=bob).exists()


def test_without_the_requirement_a_dsl_can_remove_their_authenticator(client, dsl, settings):
    settings.MFA_REQUIRED = False
    client.force_login(dsl)
    passed_code(client, enrol(dsl)[0])
    assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=dsl).exists()
