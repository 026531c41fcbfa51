"""Access to a case follows the roles people hold today: a role that ends takes its cases away at
once, the person who takes it over receives them (recorded in each chronology), and a report
nobody could receive reaches the first person to fill an eligible role."""

import datetime

import pytest
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def test_a_case_opens_for_exactly_the_people_whose_queue_lists_it(se, vi):
    # report_for_user reads the rule of cases_visible_to from the case's routing: the two agree,
    # for the subject, a role that ended, and people of another school.
    cases = [
        submit(se.teacher, se.school, category=Category.PUPIL_ONLINE_SAFETY),
        submit(se.teacher, se.school, category=Category.CYBERBULLYING),
        submit(
            se.teacher,
            se.school,
            category=Category.BREACH,
            subject_kind=SubjectKind.ADULT,
            subject_user=se.head,
        ),
    ]
    Membership.objects.filter(user=se.dsl, role=Role.DSL).update(
        ends_on=timezone.localdate() - YESTERDAY
    )
    people = [se.head, se.dsl, se.chair, se.teacher, se.governor, vi.head]
    opened = 0
    for user in people:
        listed = set(cases_visible_to(user).values_list("pk", flat=True))
        assert {case.pk for case in cases if sees(user, case)} == listed, user
        opened += len(listed)
    assert opened  # somebody sees something, or the comparison proves nothing


@pytest.fixture
def routed_world(se, vi):
    """Reports at a maintained school and at an academy, routed to Heads, DSLs, the Chairs and
    the trust, some about a Head; and the people who might see them."""
    cases = [
        submit(se.teacher, se.school, category=Category.BREACH),
        submit(se.teacher, se.school, category=Category.PUPIL_ONLINE_SAFETY),
        submit(se.teacher, se.school, category=Category.PREVENT),
        submit(se.teacher, se.school, subject_kind=SubjectKind.ADULT, subject_user=se.head),
        submit(vi.teacher, vi.school, category=Category.BREACH),
        submit(vi.teacher, vi.school, category=Category.CYBERBULLYING),
        submit(vi.teacher, vi.school, subject_kind=SubjectKind.ADULT, subject_user=vi.head),
    ]
    people = [se.head, se.dsl, se.deputy_dsl, se.chair, se.teacher, vi.head, vi.dsl, vi.chair,
              vi.hr, vi.teacher]  # fmt: skip
    return cases, people, [{"school": se.school}, {"school": vi.school},
                           {"school": None, "trust": vi.trust}]  # fmt: skip


change = st.tuples(
    st.integers(0, 9),  # who
    st.sampled_from(["end", "add"]),  # a role of theirs ends yesterday, or they take one up
    st.sampled_from([Role.HEAD, Role.DSL, Role.CHAIR, Role.TRUST_HR, Role.STAFF]),
    st.integers(0, 2),  # where a role is taken up: either school, or the trust
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes=st.lists(change, max_size=4))
def test_whoever_may_open_a_case_is_exactly_whose_queue_lists_it_as_roles_change(
    routed_world, changes
):
    # A case page checks its access from the case's routing (report_for_user, reaching), the
    # queue with one query (cases_visible_to): however roles end and begin after the reports
    # were routed, the two let in exactly the same people.
    cases, people, places = routed_world
    with transaction.atomic():
        for who, action, role, where in changes:
            user = people[who]
            if action == "end":
                user.memberships.filter(role=role).update(
                    ends_on=timezone.localdate() - YESTERDAY, starts_on=datetime.date(2025, 1, 1)
                )
            elif not user.memberships.filter(role=role, **places[where]).exists():
                Membership.objects.create(user=user, role=role, **places[where])
        for user in people:
            listed = set(cases_visible_to(user).values_list("pk", flat=True))
            assert {case.pk for case in cases if sees(user, case)} == listed, user
        transaction.set_rollback(True)
