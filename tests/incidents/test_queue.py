"""The recipients' queue, who may see a case and its trail, and the audit of refusals."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import AccessAction, CaseAccess, Category, Incident, Status, SubjectKind
from incidents.selectors import QueueTally, cases_for_queue
from incidents.triage import case_acknowledge, escalations_run
from people.models import Role
from tests.factories import MembershipFactory, SchoolFactory, person
from tests.reports import submit

LOGIN = "/accounts/login/"


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", LOGIN), ("teacher", 403), ("governor", 403), ("head", 200), ("dsl", 200),
     ("deputy_dsl", 200), ("deputy_head", 200), ("chair", 200)],
)  # fmt: skip
def test_the_queue_by_role(client, se, who, expected):
    if who != "anonymous":
        client.force_login(getattr(se, who))
    response = client.get("/incidents/queue/")
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected


def test_the_queue_holds_the_cases_routed_to_me_most_urgent_then_oldest(client, se, vi):
    breach = submit(se.teacher, se.school, category=Category.BREACH)
    prevent = submit(se.teacher, se.school, category=Category.PREVENT)
    older = submit(se.teacher, se.school, category=Category.PUPIL_CONTACT)
    Incident.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=3)
    )
    pupil_only = submit(se.teacher, se.school, category=Category.PUPIL_ONLINE_SAFETY)  # to the DSL
    elsewhere = submit(vi.teacher, vi.school, category=Category.BREACH)  # another school
    client.force_login(se.head)
    html = client.get("/incidents/queue/").text
    refs = [i.reference for i in (older, prevent, breach)]
    positions = [html.index(ref) for ref in refs]
    assert positions == sorted(positions)
    assert pupil_only.reference not in html
    assert elsewhere.reference not in html and vi.school.name not in html


def test_filters_narrow_the_queue_and_counts_show_each_status(client, se):
    first = submit(se.teacher, se.school, category=Category.PREVENT)
    submit(se.teacher, se.school, category=Category.BREACH)
    case_acknowledge(incident=first, by=se.head)
    client.force_login(se.head)
    html = client.get("/incidents/queue/", {"status": "acknowledged"}).text
    assert first.reference in html and html.count('<a href="/incidents/') == 1
    assert 'Acknowledged <span class="badge text-bg-light">1</span>' in html
    urgent = client.get("/incidents/queue/", {"urgency": "urgent"}).text
    assert first.reference in urgent
    mine = client.get("/incidents/queue/", {"owner": "me"}).text
    assert first.reference in mine


def test_an_htmx_filter_returns_only_the_results(client, se):
    submit(se.teacher, se.school, category=Category.BREACH)
    client.force_login(se.head)
    response = client.get("/incidents/queue/", {"status": "new"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.text
    assert "<table" in response.text


def test_the_queue_query_count_does_not_grow_with_cases(client, se):
    # Expected: session, user, the tally (cases by school, with its name, and status: the
    # filter's schools and the page count too; a Head whose queue is empty is looked up by role
    # as well), the page of cases with school and owner = 4.
    def load() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/incidents/queue/").status_code == 200
        return len(queries)

    client.force_login(se.head)
    for _ in range(3):
        submit(se.teacher, se.school)
    few = load()
    for _ in range(30):
        submit(se.teacher, se.school)
    assert few == load() == 4


def test_someone_receiving_at_two_schools_filters_the_queue_by_school(client, se, vi):
    # The filter's schools are those of the person's cases, by name; another school's number,
    # typed into the address, is not a choice (the form is refused and the queue shown whole).
    MembershipFactory(user=se.head, school=vi.school, role=Role.DSL)
    here = submit(se.teacher, se.school, category=Category.BREACH)
    there = submit(vi.teacher, vi.school, category=Category.PUPIL_ONLINE_SAFETY)
    elsewhere = SchoolFactory(name="Aardvark School")
    client.force_login(se.head)
    html = client.get("/incidents/queue/").text
    options = html[
        html.index('name="school"') : html.index("</select>", html.index('name="school"'))
    ]
    assert options.index("St Elisabeth") < options.index("Villiers") and "Aardvark" not in options
    only_villiers = client.get("/incidents/queue/", {"school": vi.school.pk}).text
    assert there.reference in only_villiers and here.reference not in only_villiers
    refused = client.get("/incidents/queue/", {"school": elsewhere.pk}).text
    assert there.reference in refused and here.reference in refused


def test_the_queue_is_paginated(client, se):
    for _ in range(27):
        submit(se.teacher, se.school)
    client.force_login(se.head)
    first = client.get("/incidents/queue/").text
    assert "Page 1 of 2" in first
    assert client.get("/incidents/queue/", {"page": 2}).text.count('<a href="/incidents/') == 2


def test_a_person_who_takes_a_case_over_by_escalation_sees_it(client, se):
    prevent = submit(se.teacher, se.school, category=Category.PREVENT)
    client.force_login(se.deputy_dsl)
    assert client.get(f"/incidents/{prevent.pk}/").status_code == 404
    escalations_run(now=prevent.created_at + datetime.timedelta(minutes=61))
    assert client.get(f"/incidents/{prevent.pk}/").status_code == 200
    assert prevent.reference in client.get("/incidents/queue/").text


@pytest.mark.parametrize("who", ["teacher", "governor", "chair", "deputy_head"])
def test_anyone_the_case_was_not_routed_to_gets_404_and_the_attempt_is_recorded(client, se, who):
    prevent = submit(se.teacher, se.school, category=Category.PREVENT)
    client.force_login(getattr(se, who))
    for url in (f"/incidents/{prevent.pk}/", f"/incidents/{prevent.pk}/act/acknowledge/"):
        response = client.post(url) if "act" in url else client.get(url)
        assert response.status_code == 404
    refusals = CaseAccess.objects.filter(
        incident=prevent, user=getattr(se, who), action=AccessAction.REFUSED
    )
    assert refusals.count() == 2
    assert Incident.objects.get(pk=prevent.pk).status == Status.NEW


def test_the_subject_of_a_case_never_sees_it_nor_its_trail(client, se):
    about_head = submit(
        se.teacher,
        se.school,
        category=Category.BREACH,
        subject_kind=SubjectKind.ADULT,
        subject_user=se.head,
    )
    client.force_login(se.head)
    assert client.get(f"/incidents/{about_head.pk}/").status_code == 404
    assert client.get(f"/incidents/{about_head.pk}/trail/").status_code == 404
    assert about_head.reference not in client.get("/incidents/queue/").text
    client.force_login(se.chair)
    assert client.get(f"/incidents/{about_head.pk}/").status_code == 200


def test_the_head_and_the_data_protection_lead_read_a_cases_trail(client, se, vi):
    dpl = person(se.school, Role.DPL)
    pupil = submit(
        se.teacher, se.school, category=Category.PUPIL_ONLINE_SAFETY, description="Secret detail"
    )
    client.force_login(se.dsl)
    client.get(f"/incidents/{pupil.pk}/")
    case_acknowledge(incident=pupil, by=se.dsl)
    for reader in (se.head, dpl):
        client.force_login(reader)
        trail = client.get(f"/incidents/{pupil.pk}/trail/")
        assert trail.status_code == 200
        assert "Sarah Lowe" in trail.text and "Viewed the case" in trail.text
        assert "Secret detail" not in trail.text
        assert CaseAccess.objects.filter(user=reader, action=AccessAction.TRAIL).exists()
    for outsider in (se.teacher, se.governor, vi.head):
        client.force_login(outsider)
        assert client.get(f"/incidents/{pupil.pk}/trail/").status_code == 404


def test_acting_on_a_case_through_its_page(client, se):
    prevent = submit(se.teacher, se.school, category=Category.PREVENT)
    client.force_login(se.dsl)
    url = f"/incidents/{prevent.pk}/act/"
    refused = client.post(url + "refer/", {"agency": "", "referred_on": "2026-11-20"}, follow=True)
    assert "Agency: This field is required." in refused.text
    client.post(url + "acknowledge/")
    client.post(url + "note/", {"text": "Spoke to the pupil"})
    client.post(
        url + "refer/",
        {"agency": "channel", "referred_on": str(datetime.date.today()), "reference": "CH-1"},
    )
    client.post(url + "close/", {"outcome": "Referred and supported", "disciplinary": "n/a"})
    note_on_closed = client.post(url + "note/", {"text": "Late note"}, follow=True)
    assert "closed: reopen it to add a note" in note_on_closed.text
    page = client.get(f"/incidents/{prevent.pk}/").text
    for text in (
        "Spoke to the pupil",
        "Referred to Channel / Prevent",
        "CH-1",
        "Status: referred → closed",
        "Reopen",
    ):
        assert text in page


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=st.sampled_from(["", *Status.values]),
    category=st.sampled_from(["", Category.BREACH, Category.PREVENT]),
    urgency=st.sampled_from(["", "urgent", "normal"]),
    owner=st.sampled_from(["", "me", "nobody"]),
    by_school=st.booleans(),
)
def test_the_tally_counts_what_the_filters_leave_or_leaves_the_count_to_the_database(
    queue_world, status, category, urgency, owner, by_school
):
    head, school = queue_world
    filters = {"status": status, "category": category, "urgency": urgency, "owner": owner,
               "school": school.pk if by_school else None}  # fmt: skip
    tally = QueueTally.of(head)
    counted = cases_for_queue(viewer=head, filters=filters).count()
    assert tally.matching(filters) in (None, counted)
    if not (category or urgency or owner):
        assert tally.matching(filters) == counted
    assert sum(tally.by_status().values()) == cases_for_queue(viewer=head, filters={}).count()


@pytest.fixture
def queue_world(se):
    """Cases in every status at the Head's school, and one the Head is the subject of."""
    for index, category in enumerate([Category.BREACH, Category.PREVENT] * 14):
        case = submit(se.teacher, se.school, category=category)
        if index % 3:
            case_acknowledge(incident=case, by=se.head)
        if index % 5 == 0:
            Incident.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    submit(se.teacher, se.school, subject_kind=SubjectKind.ADULT, subject_user=se.head)
    return se.head, se.school
