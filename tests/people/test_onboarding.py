"""Adding people, invitations, roles and leavers."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acknowledgements.selectors import signoff_status
from people.models import Invitation, Membership, Role, StaffCategory, User
from people.services import invitation_send, person_add, person_leave, person_roles_set
from tests.factories import MembershipFactory, TrustFactory, UserFactory, person

TODAY = datetime.date.today()


def add(school, by, **fields):
    details = {
        "full_name": "Nina New",
        "email": "nina@se.example",
        "staff_category": StaffCategory.TEACHING,
        "roles": [Role.STAFF],
        "starts_on": TODAY,
    }
    return person_add(school=school, by=by, **{**details, **fields})


def invitation_link(email) -> str:
    return re.search(r"http://\S+(/invitations/\S+/)", email.body).group(1)


def test_a_new_person_is_added_with_their_roles_and_invited(
    st_elisabeths, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        nina = add(st_elisabeths, alice, roles=[Role.STAFF, Role.DEPUTY_DSL])
    assert set(nina.memberships.values_list("role", flat=True)) == {Role.STAFF, Role.DEPUTY_DSL}
    assert not nina.has_usable_password()
    [email] = mail.outbox
    assert email.to == ["nina@se.example"]
    assert "/invitations/" in email.body


def test_someone_already_at_the_school_is_not_added_twice(st_elisabeths, alice, bob):
    with pytest.raises(ValidationError, match="already at St Elisabeth"):
        add(st_elisabeths, alice, email="BOB@se.example")


def test_the_invitation_link_sets_a_password_once_and_signs_the_person_in(
    client, st_elisabeths, alice, se_policy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add(st_elisabeths, alice)
    link = invitation_link(mail.outbox[0])
    assert "Welcome, Nina" in client.get(link).text
    weak = client.post(link, {"new_password1": "password", "new_password2": "password"})
    assert "too short" in weak.text or "too common" in weak.text
    strong = "a-long-and-unusual-passphrase"
    response = client.post(link, {"new_password1": strong, "new_password2": strong}, follow=True)
    assert "Social Media Policy (version 1)" in response.text  # the new joiner's policy to sign
    assert client.get(link).status_code == 404  # used once
    client.logout()
    assert client.login(email="nina@se.example", password=strong)


def test_a_resent_invitation_makes_the_old_link_stop_working(
    client, st_elisabeths, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        nina = add(st_elisabeths, alice)
        invitation_send(user=nina, by=alice)
    old, new = invitation_link(mail.outbox[0]), invitation_link(mail.outbox[1])
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert Invitation.objects.get().sent_count == 2


def test_an_expired_invitation_says_what_to_do(
    client, st_elisabeths, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add(st_elisabeths, alice)
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(invitation_link(mail.outbox[0]))
    assert response.status_code == 404
    assert "Ask your school office to send you a new invitation" in response.text


def test_roles_change_from_today_and_the_head_cannot_remove_their_own(st_elisabeths, alice, bob):
    person_roles_set(school=st_elisabeths, user=bob, roles=[Role.STAFF, Role.DSL], by=alice)
    assert set(Membership.objects.current().filter(user=bob).values_list("role", flat=True)) == {
        Role.STAFF,
        Role.DSL,
    }
    person_roles_set(school=st_elisabeths, user=bob, roles=[Role.DSL], by=alice)
    assert set(Membership.objects.current().filter(user=bob).values_list("role", flat=True)) == {
        Role.DSL
    }
    with pytest.raises(ValidationError, match="cannot remove your own Head role"):
        person_roles_set(school=st_elisabeths, user=alice, roles=[Role.STAFF], by=alice)


def test_a_leaver_cannot_sign_in_after_their_last_day_but_their_record_stays(
    client, st_elisabeths, alice, bob, se_policy
):
    from tests.acknowledgements.test_signoff import sign

    sign(bob, se_policy)
    person_leave(
        school=st_elisabeths, user=bob, ends_on=TODAY - datetime.timedelta(days=1), by=alice
    )
    response = client.post(
        "/accounts/login/",
        {"login": "bob@se.example", "password": "correct-horse-battery-staple"},
        follow=True,
    )
    assert "Your access to the Conduct Portal has ended" in response.text
    assert "_auth_user_id" not in client.session
    assert bob.signoffs.count() == 1


def test_a_leaver_drops_out_of_the_outstanding_count_from_their_end_date(
    st_elisabeths, alice, bob, se_policy
):
    assert len(signoff_status(st_elisabeths, se_policy)) == 2
    person_leave(
        school=st_elisabeths, user=bob, ends_on=TODAY + datetime.timedelta(days=10), by=alice
    )
    assert len(signoff_status(st_elisabeths, se_policy)) == 2  # still here until then
    bob.memberships.update(ends_on=TODAY - datetime.timedelta(days=1))
    assert [row.user for row in signoff_status(st_elisabeths, se_policy)] == [alice]


def test_a_new_joiner_can_sign_in_before_their_first_day(client, st_elisabeths, alice):
    joiner = UserFactory(email="soon@se.example")
    MembershipFactory(
        user=joiner, school=st_elisabeths, starts_on=TODAY + datetime.timedelta(days=7)
    )
    assert (
        client.post(
            "/accounts/login/",
            {"login": "soon@se.example", "password": "correct-horse-battery-staple"},
        ).status_code
        == 302
    )
    assert "Member of staff at St Elisabeth" in client.get("/").text


LOGIN = "/accounts/login/"
PAGES = ["/people/{s}/", "/people/{s}/add/", "/people/{s}/import/", "/people/{s}/{u}/"]


@pytest.fixture
def people(st_elisabeths, villiers, alice, bob, charlie):
    hr = UserFactory()
    MembershipFactory(user=hr, school=None, trust=villiers.trust, role=Role.TRUST_HR)
    other_trust_hr = UserFactory()
    MembershipFactory(user=other_trust_hr, school=None, trust=TrustFactory(), role=Role.TRUST_HR)
    return {
        "anonymous": None,
        "staff": bob,
        "governor": person(st_elisabeths, Role.GOVERNOR),
        "dsl": person(st_elisabeths, Role.STAFF, Role.DSL),
        "head": alice,
        "other school": charlie,
        "trust HR of Villiers": hr,
        "another trust's HR": other_trust_hr,
    }


EXPECTED = {
    "anonymous": LOGIN, "staff": 403, "governor": 403, "dsl": 403, "head": 200,
    "other school": 404, "trust HR of Villiers": 404, "another trust's HR": 404,
}  # fmt: skip


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", list(EXPECTED))
def test_people_pages_by_role(client, people, bob, url, who):
    if people[who]:
        client.force_login(people[who])
    response = client.get(url.format(s="st-elisabeths", u=bob.pk))
    if EXPECTED[who] == LOGIN:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == EXPECTED[who]


def test_the_trusts_head_of_hr_manages_the_trusts_schools(client, people, charlie):
    client.force_login(people["trust HR of Villiers"])
    assert client.get("/people/villiers/").status_code == 200
    assert client.get(f"/people/villiers/{charlie.pk}/").status_code == 200


def test_a_person_of_another_school_is_404_on_this_schools_pages(client, alice, charlie):
    client.force_login(alice)
    assert client.get(f"/people/st-elisabeths/{charlie.pk}/").status_code == 404
    assert (
        client.post(
            f"/people/st-elisabeths/{charlie.pk}/leave/", {"ends_on": "2026-12-01"}
        ).status_code
        == 404
    )


def test_the_people_list_query_count_does_not_grow_with_staff(client, st_elisabeths, alice):
    # Expected: session, user, school, membership check, managed schools, memberships with
    # their people and invitations = 6.
    client.force_login(alice)
    with CaptureQueriesContext(connection) as few:
        client.get("/people/st-elisabeths/")
    for n in range(25):
        member = person(st_elisabeths, Role.STAFF)
        invitation_send(user=member, by=alice) if n % 2 else None
    with CaptureQueriesContext(connection) as many:
        page = client.get("/people/st-elisabeths/").text
    assert "26 people now or starting soon" in page
    assert len(few) == len(many) == 6


def test_the_head_adds_a_person_and_a_bad_form_keeps_what_was_typed(client, st_elisabeths, alice):
    client.force_login(alice)
    form = {
        "full_name": "Nina New",
        "email": "nina@",
        "staff_category": "teaching",
        "roles": ["staff"],
        "starts_on": "2026-09-01",
    }
    response = client.post("/people/st-elisabeths/add/", form)
    assert "Enter a valid email address" in response.text
    assert 'value="Nina New"' in response.text
    response = client.post("/people/st-elisabeths/add/", {**form, "email": "nina@se.example"})
    assert response.status_code == 302
    assert User.objects.filter(email="nina@se.example").exists()
