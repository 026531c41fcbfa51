"""Reporting a concern: the form, the service, and what the reporter is told."""

import datetime
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Category, Incident, RoutingDecision, Status, SubjectKind
from incidents.rules import RULES
from notifications.models import Channel, Notification
from notifications.services import deliveries_queue
from people.models import Role
from tests.factories import MembershipFactory, SchoolFactory, UserFactory, person
from tests.reports import submit

LOGIN = "/accounts/login/"


def form_data(**changes) -> dict:
    return {
        "category": Category.CYBERBULLYING,
        "subject_kind": SubjectKind.PARENT,
        "subject_description": "A parent in Year 4",
        "happened_on": "2026-01-05",
        "happened_at_time": "19:40",
        "platform": "Facebook",
        "content_address": "https://facebook.example/groups/y4-parents/posts/1",
        "description": "Abusive comments about me on the class parents' group.",
        **changes,
    }


@pytest.mark.parametrize("category", Category.values)
def test_any_adult_reports_every_category_in_one_form(
    client, se, category, django_capture_on_commit_callbacks
):
    client.force_login(se.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/incidents/report/", form_data(category=category))
    assert response.status_code == 302, response.context["form"].errors
    incident = Incident.objects.get()
    assert response.url == f"/incidents/{incident.pk}/sent/"
    assert incident.category == category
    assert incident.urgent is RULES[category].urgent
    assert incident.status == Status.NEW
    assert incident.reporter == se.teacher


@pytest.mark.parametrize(
    ("kind", "extra", "saved"),
    [
        (SubjectKind.PUPIL, {"subject_description": "J., Year 6"}, "J., Year 6"),
        (
            SubjectKind.PARENT,
            {"subject_description": "Parent of a Year 4 pupil"},
            "Parent of a Year 4 pupil",
        ),
        (SubjectKind.OUTSIDER, {"subject_description": ""}, ""),
        (SubjectKind.UNKNOWN, {"subject_description": ""}, ""),
    ],
)
def test_the_subject_can_be_a_pupil_a_parent_an_outsider_or_unknown(client, se, kind, extra, saved):
    client.force_login(se.teacher)
    response = client.post("/incidents/report/", form_data(subject_kind=kind, **extra))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.subject_kind == kind
    assert incident.subject_description == saved
    assert incident.subject_user is None


def test_the_subject_can_be_a_named_adult_picked_from_the_schools_people(client, se, vi):
    client.force_login(se.teacher)
    page = client.get("/incidents/report/").text
    assert "Sarah Lowe" in page
    assert "Victoria Reid" not in page  # another school's people are not offered
    response = client.post(
        "/incidents/report/",
        form_data(category=Category.BREACH, subject_kind=SubjectKind.ADULT, subject_user=se.dsl.pk),
    )
    assert response.status_code == 302
    assert Incident.objects.get().subject_user == se.dsl


def test_an_adult_of_another_school_cannot_be_named(client, se, vi):
    client.force_login(se.teacher)
    response = client.post(
        "/incidents/report/",
        form_data(subject_kind=SubjectKind.ADULT, subject_user=vi.head.pk),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Incident.objects.exists()


def test_a_named_adult_is_required_when_the_subject_is_an_adult(client, se):
    client.force_login(se.teacher)
    response = client.post("/incidents/report/", form_data(subject_kind=SubjectKind.ADULT))
    assert "Choose the adult the concern is about." in response.text
    assert not Incident.objects.exists()


def test_a_pupil_must_be_described(client, se):
    client.force_login(se.teacher)
    response = client.post(
        "/incidents/report/", form_data(subject_kind=SubjectKind.PUPIL, subject_description=" ")
    )
    assert "Say who it is" in response.text


def test_a_date_in_the_future_is_refused_and_the_rest_is_kept(client, se):
    client.force_login(se.teacher)
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = client.post("/incidents/report/", form_data(happened_on=tomorrow))
    assert "The date cannot be in the future." in response.text
    assert "Abusive comments about me on the class parents' group." in unescape(response.text)
    assert 'value="Facebook"' in response.text


def test_the_adults_chosen_are_kept_when_the_form_is_refused(client, se):
    client.force_login(se.teacher)
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    data = form_data(
        happened_on=tomorrow,
        subject_kind=SubjectKind.ADULT,
        subject_user=se.head.pk,
        affected_user=se.dsl.pk,
    )
    response = client.post("/incidents/report/", data)
    assert "The date cannot be in the future." in response.text
    assert f'<option value="{se.head.pk}" selected>' in response.text
    assert f'<option value="{se.dsl.pk}" selected>' in response.text


def test_the_form_shows_each_categorys_clauses_recipients_and_urgency(client, se):
    client.force_login(se.teacher)
    html = client.get("/incidents/report/").text
    for label in Category.labels:
        assert label.replace("'", "&#x27;") in html
    assert "Goes to the Designated Safeguarding Lead and the Head of School." in html
    assert "§10.6" in html
    assert "§7.2, §7.3, §7.4" in html
    assert html.count(">urgent</span>") == 4


def test_the_clauses_link_to_the_schools_own_published_policy(client, se, se_policy):
    client.force_login(se.teacher)
    html = client.get("/incidents/report/").text
    assert f'href="/policies/{se_policy.policy_id}/#clause-10-6"' in html
    assert f'href="/policies/{se_policy.policy_id}/#clause-6-1"' in html  # §6: its first clause


def test_the_confirmation_names_people_and_roles_when_the_subject_is_not_one_of_the_school(
    client, se
):
    client.force_login(se.teacher)
    response = client.post("/incidents/report/", form_data(category=Category.PREVENT), follow=True)
    html = response.text
    assert "Your report has been sent" in html
    assert "Sarah Lowe, Designated Safeguarding Lead" in html
    assert "Alice Archer, Head of School" in html
    assert "This is urgent: they have been alerted now" in html


def test_the_confirmation_names_only_roles_when_the_subject_is_one_of_the_schools_people(
    client, se
):
    client.force_login(se.teacher)
    response = client.post(
        "/incidents/report/",
        form_data(
            category=Category.BREACH, subject_kind=SubjectKind.ADULT, subject_user=se.head.pk
        ),
        follow=True,
    )
    html = response.text
    assert "The Chair of Governors" in html
    assert "Catherine Fairley" not in html
    assert "Alice Archer" not in html
    assert "you are told the roles that receive it, not the people" in html


def test_the_confirmation_says_when_nobody_can_receive_the_report(client, se):
    RoutingDecision  # noqa: B018 - documents what is checked below
    se.chair.memberships.all().delete()
    client.force_login(se.teacher)
    response = client.post(
        "/incidents/report/",
        form_data(
            category=Category.BREACH, subject_kind=SubjectKind.ADULT, subject_user=se.head.pk
        ),
        follow=True,
    )
    assert "Nobody in the portal can receive this report" in response.text
    assert "LADO" in response.text
    decision = Incident.objects.get().routing_decisions.get()
    assert decision.recipient is None


def test_only_the_reporter_sees_the_confirmation(client, se):
    incident = submit(se.teacher, se.school)
    for who, expected in [(se.teacher, 200), (se.head, 404), (se.dsl, 404)]:
        client.force_login(who)
        assert client.get(f"/incidents/{incident.pk}/sent/").status_code == expected


def test_the_service_saves_the_report_its_routing_and_its_notifications_together(
    se, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        incident = submit(se.teacher, se.school, category=Category.PREVENT)
    assert [d.recipient for d in incident.routing_decisions.all()] == [se.dsl, se.head]
    rows = Notification.objects.filter(incident=incident)
    assert sorted((n.recipient.full_name, n.channel, n.urgent) for n in rows) == [
        ("Alice Archer", Channel.EMAIL, True),
        ("Alice Archer", Channel.IN_APP, True),
        ("Sarah Lowe", Channel.EMAIL, True),
        ("Sarah Lowe", Channel.IN_APP, True),
    ]
    # Delivery is queued only once the transaction commits, in one go.
    deliveries = [c for c in callbacks if getattr(c, "func", None) is deliveries_queue]
    assert len(deliveries) == 1


def test_the_service_refuses_a_reporter_who_does_not_work_at_the_school(se, vi):
    with pytest.raises(PermissionDenied):
        submit(vi.teacher, se.school)
    assert not Incident.objects.exists()


def test_the_service_refuses_a_subject_from_another_school(se, vi):
    with pytest.raises(ValidationError):
        submit(se.teacher, se.school, subject_kind=SubjectKind.ADULT, subject_user=vi.head)


def test_a_trust_officer_can_report_at_a_school_of_their_trust_and_be_named(client, vi):
    client.force_login(vi.hr)
    assert client.get("/incidents/report/").status_code == 200
    incident = submit(vi.teacher, vi.school, subject_kind=SubjectKind.ADULT, subject_user=vi.hr)
    assert incident.subject_user == vi.hr


def test_the_affected_member_of_staff_is_kept_for_cyberbullying_only(se):
    bullied = submit(se.teacher, se.school, category=Category.CYBERBULLYING, affected_user=se.dsl)
    other = submit(se.teacher, se.school, category=Category.BREACH, affected_user=se.dsl)
    assert bullied.affected_user == se.dsl
    assert other.affected_user is None


def test_a_person_with_several_schools_chooses_one(client, se, vi):
    person_at_both = person(se.school, full_name="Supply Teacher")
    person_at_both.memberships.create(school=vi.school, role=Role.STAFF, staff_category="agency")
    client.force_login(person_at_both)
    html = client.get("/incidents/report/").text
    assert '<select name="school"' in html
    response = client.post("/incidents/report/", form_data(school=vi.school.pk))
    assert response.status_code == 302
    assert Incident.objects.get().school == vi.school


REPORT_PAGE = {"anonymous": LOGIN, "no school": 403, "staff": 200, "governor": 200, "head": 200}


@pytest.mark.parametrize(("who", "expected"), REPORT_PAGE.items())
def test_report_page_access_by_role(client, se, who, expected):
    people = {
        "anonymous": None,
        "no school": UserFactory(),
        "staff": se.teacher,
        "governor": se.governor,
        "head": se.head,
    }
    if people[who]:
        client.force_login(people[who])
    response = client.get("/incidents/report/")
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected


def test_the_report_page_query_count_does_not_grow_with_the_schools_people(client, se, se_policy):
    # Expected: session, user, schools of the person, the published clauses for the clause
    # links, the people to pick from (one for the subject, one for the affected colleague) = 6.
    client.force_login(se.teacher)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/incidents/report/").status_code == 200
    for n in range(5):
        person(se.school, full_name=f"Extra {n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/incidents/report/")
    assert len(few) == len(many) == 6


def test_the_report_form_checks_the_csrf_token_after_the_upload_limit_is_set(se):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(se.teacher)
    assert client.post("/incidents/report/", form_data()).status_code == 403
    assert not Incident.objects.exists()


def test_at_a_trust_school_the_form_says_cyberbullying_of_central_staff_goes_to_hr(client, vi):
    client.force_login(vi.teacher)
    html = client.get("/incidents/report/").text
    assert (
        "Goes to the Head Teacher, or the trust&#x27;s Head of HR for centrally employed staff."
        in html
    )


@pytest.mark.parametrize("schools", [1, 2])
def test_a_report_posted_to_a_school_not_the_reporters_is_refused_and_nothing_is_made(
    client, se, vi, schools
):
    # Whether the school is chosen (two schools) or fixed (one, a hidden field), a posted school
    # the reporter does not belong to is refused, whatever its number.
    if schools == 2:
        MembershipFactory(user=se.teacher, school=SchoolFactory(), role=Role.STAFF)
    client.force_login(se.teacher)
    before = Incident.objects.count()
    response = client.post("/incidents/report/", form_data(school=vi.school.pk))
    assert response.status_code == 200
    if schools == 2:  # a hidden field's error is only for someone who forged the form
        assert "Select a valid choice" in response.text
    assert Incident.objects.count() == before
    sent = client.post("/incidents/report/", form_data(school=se.school.pk))
    assert sent.status_code == 302
    assert (
        Incident.objects.get(description__startswith=form_data()["description"][:20]).school
        == se.school
    )


def test_a_report_about_a_pupil_never_builds_the_list_of_the_schools_adults(client, se):
    """The adults' list, with its subquery costly to build, is for a form drawn or an adult
    chosen (incidents.forms.PersonChoiceField)."""
    from unittest import mock

    from incidents import selectors

    client.force_login(se.teacher)
    with mock.patch.object(
        selectors, "people_of_schools", wraps=selectors.people_of_schools
    ) as built:
        assert client.post("/incidents/report/", form_data()).status_code == 302
        assert built.call_count == 0
        page = client.get("/incidents/report/").text
        assert built.call_count == 1  # once, for both of the form's lists of people
    assert "Sarah Lowe" in page
