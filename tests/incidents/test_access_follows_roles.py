"""Access to a case follows the roles people hold today: a role that ends takes its cases away at
once, the person who takes it over receives them (recorded in each chronology), and a report
nobody could receive reaches the first person to fill an eligible role."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from incidents.handover import cases_reroute, reroute_by_date
from incidents.models import Category, EntryKind, Status, SubjectKind
from incidents.permissions import report_for_user
from incidents.selectors import QueueTally, cases_for_queue, cases_visible_to
from incidents.triage import case_acknowledge, case_close
from notifications.models import Kind, Notification
from people.models import Membership, Role
from people.services import person_add, person_leave, person_roles_set
from tests.factories import person
from tests.reports import submit

YESTERDAY = datetime.timedelta(days=1)


def sees(user, incident) -> bool:
    try:
        report_for_user(user, incident.pk)
    except Http404:
        return False
    return True


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the hand-over), as the real request would."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def test_a_dsl_whose_role_ends_loses_every_case_at_once(se):
    case = submit(se.teacher, se.school, category=Category.PUPIL_ONLINE_SAFETY)
    assert sees(se.dsl, case)
    Membership.objects.filter(user=se.dsl, role=Role.DSL).update(
        ends_on=timezone.localdate() - YESTERDAY
    )
    assert not sees(se.dsl, case)
    assert list(cases_for_queue(viewer=se.dsl, filters={})) == []
    assert QueueTally.of(se.dsl).by_status() == {}


def test_the_new_dsl_receives_the_open_cases_with_the_handover_in_the_chronology(se, commit):
    case = submit(se.teacher, se.school, category=Category.PUPIL_ONLINE_SAFETY)
    successor = person(se.school, full_name="Nina New")
    commit(
        person_roles_set, school=se.school, user=successor, roles=[Role.STAFF, Role.DSL], by=se.head
    )
    commit(person_roles_set, school=se.school, user=se.dsl, roles=[Role.STAFF], by=se.head)
    assert sees(successor, case) and not sees(se.dsl, case)
    entry = case.entries.get(kind=EntryKind.HANDOVER)
    assert entry.text.startswith("Nina New now receive it as Designated Safeguarding Lead")
    assert Notification.objects.filter(
        recipient=successor, incident=case, kind=Kind.INCIDENT_REPORTED
    ).exists()


def test_a_head_who_moves_to_another_school_keeps_none_of_the_old_schools_cases(se, vi, commit):
    case = submit(se.teacher, se.school)
    commit(
        person_leave,
        school=se.school,
        user=se.head,
        ends_on=timezone.localdate() - YESTERDAY,
        by=se.deputy_head,
    )
    Membership.objects.create(
        user=se.head, school=vi.school, role=Role.STAFF, staff_category="teaching"
    )
    assert not sees(se.head, case)
    # The deputy head stands in for the vacant Head and now has it.
    assert sees(se.deputy_head, case)


def test_closed_cases_pass_to_the_new_holder_without_a_notification(se, commit):
    case = submit(se.teacher, se.school, category=Category.PUPIL_ONLINE_SAFETY)
    case_acknowledge(incident=case, by=se.dsl)
    case_close(incident=case, by=se.dsl, outcome="Resolved with the family.", disciplinary="n/a")
    successor = person(se.school, full_name="Nina New")
    commit(
        person_roles_set, school=se.school, user=successor, roles=[Role.STAFF, Role.DSL], by=se.head
    )
    assert sees(successor, case)
    assert not Notification.objects.filter(recipient=successor, incident=case).exists()
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_the_subject_never_gains_their_own_case_by_taking_a_role(se, commit):
    about_bob = submit(se.dsl, se.school, subject_kind=SubjectKind.ADULT, subject_user=se.teacher)
    commit(
        person_roles_set,
        school=se.school,
        user=se.teacher,
        roles=[Role.STAFF, Role.HEAD],
        by=se.head,
    )
    cases_reroute(school=se.school)
    assert not sees(se.teacher, about_bob)
    assert se.teacher not in [d.recipient for d in about_bob.routing_decisions.all()]


def test_a_report_nobody_could_receive_reaches_the_vice_chair_once_appointed(se, commit):
    Membership.objects.filter(user=se.chair).delete()
    about_head = submit(se.teacher, se.school, subject_kind=SubjectKind.ADULT, subject_user=se.head)
    assert [d.recipient for d in about_head.routing_decisions.all()] == [None]
    nobody = [u for u in (se.head, se.deputy_head, se.dsl, se.deputy_dsl, se.governor)]
    assert not any(sees(u, about_head) for u in nobody)
    vice = commit(
        person_add, school=se.school, by=se.head, full_name="Vera Vice", email="vera@se.example",
        staff_category="governor", roles=[Role.VICE_CHAIR], starts_on=timezone.localdate(),
    )  # fmt: skip
    assert sees(vice, about_head)
    entry = about_head.entries.get(kind=EntryKind.HANDOVER)
    assert "it had been waiting: nobody in the portal could receive it" in entry.text
    decision = about_head.routing_decisions.get(recipient=vice)
    assert decision.reason.startswith("Routed now that the role is filled. ")


def test_a_role_that_starts_by_date_brings_its_cases_on_its_first_day(se):
    case = submit(se.teacher, se.school, category=Category.PUPIL_ONLINE_SAFETY)
    today = timezone.localdate()
    successor = person(se.school, full_name="Nina New")
    Membership.objects.create(
        user=successor, school=se.school, role=Role.DSL, staff_category="teaching",
        starts_on=today + datetime.timedelta(days=7),
    )  # fmt: skip
    assert reroute_by_date(today=today) == 0
    assert not sees(successor, case)
    Membership.objects.filter(user=successor, role=Role.DSL).update(starts_on=today)
    assert reroute_by_date(today=today) >= 1
    assert sees(successor, case)


def test_an_owner_who_left_is_taken_off_the_case(se, commit):
    case = submit(se.teacher, se.school, category=Category.PUPIL_ONLINE_SAFETY)
    case.owner = se.dsl
    case.save(update_fields=["owner"])
    commit(person_roles_set, school=se.school, user=se.dsl, roles=[Role.STAFF], by=se.head)
    case.refresh_from_db()
    assert case.owner is None
    assert (
        "the case has no owner until someone takes it"
        in case.entries.get(kind=EntryKind.HANDOVER).text
    )


def test_rerouting_twice_changes_nothing_the_second_time(se, commit):
    submit(se.teacher, se.school, category=Category.PREVENT)
    successor = person(se.school, full_name="Nina New")
    commit(
        person_roles_set, school=se.school, user=successor, roles=[Role.STAFF, Role.DSL], by=se.head
    )
    assert cases_reroute(school=se.school) == 0


def test_the_visible_cases_are_one_query(se, django_assert_num_queries):
    submit(se.teacher, se.school, category=Category.PREVENT)
    with django_assert_num_queries(1):
        assert len(list(cases_visible_to(se.dsl))) == 1
