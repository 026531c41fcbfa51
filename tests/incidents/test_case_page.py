"""The minimal read-only case page: for the report's recipients only, every view recorded."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from incidents.models import AccessAction, CaseAccess, Category, SubjectKind
from incidents.selectors import reports_for_recipient
from notifications.models import Channel, Notification
from tests.reports import png, submit

LOGIN = "/accounts/login/"


@pytest.fixture
def about_the_head(se, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(
            se.teacher,
            se.school,
            category=Category.BREACH,
            subject_kind=SubjectKind.ADULT,
            subject_user=se.head,
            platform="Instagram",
            content_address="https://instagram.example/p/abc",
            description="Shared a pupil's photo from a school trip.",
            files=[png("post.png")],
        )


CASE_PAGE = {
    "anonymous": LOGIN,
    "recipient (chair)": 200,
    "subject (head)": 404,
    "reporter": 404,
    "dsl": 404,
    "governor": 404,
    "other school": 404,
}


@pytest.mark.parametrize(("who", "expected"), CASE_PAGE.items())
def test_case_page_access_by_role(client, se, vi, about_the_head, who, expected):
    people = {
        "anonymous": None,
        "recipient (chair)": se.chair,
        "subject (head)": se.head,
        "reporter": se.teacher,
        "dsl": se.dsl,
        "governor": se.governor,
        "other school": vi.head,
    }
    if people[who]:
        client.force_login(people[who])
    response = client.get(f"/incidents/{about_the_head.pk}/")
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected


def test_the_case_page_shows_the_report_its_evidence_and_the_routing_with_reasons(
    client, se, about_the_head
):
    client.force_login(se.chair)
    html = client.get(f"/incidents/{about_the_head.pk}/").text
    evidence = about_the_head.evidence.get()
    assert "Shared a pupil&#x27;s photo from a school trip." in html
    assert "Alice Archer (an adult of the school)" in html
    assert '<code class="text-break">https://instagram.example/p/abc</code>' in html
    assert 'href="https://instagram.example' not in html  # shown as text, never a link
    assert evidence.sha256 in html
    assert f'href="/incidents/{about_the_head.pk}/evidence/{evidence.pk}/"' in html
    assert (
        "The Head of School is the subject of the report; routed to the Chair of Governors instead."
        in html
    )


def test_every_view_of_the_case_is_recorded(client, se, about_the_head):
    client.force_login(se.chair)
    client.get(f"/incidents/{about_the_head.pk}/")
    client.get(f"/incidents/{about_the_head.pk}/")
    client.force_login(se.head)
    client.get(f"/incidents/{about_the_head.pk}/")  # refused: recorded as a refusal, not a view
    accesses = CaseAccess.objects.filter(incident=about_the_head)
    assert [(a.user, a.action) for a in accesses] == [(se.chair, AccessAction.VIEW)] * 2 + [
        (se.head, AccessAction.REFUSED)
    ]


def test_case_accesses_are_append_only(client, se, about_the_head):
    client.force_login(se.chair)
    client.get(f"/incidents/{about_the_head.pk}/")
    access = CaseAccess.objects.get()
    rows = CaseAccess.objects.filter(pk=access.pk)
    for change in (lambda: rows.update(user=se.head), lambda: rows.delete()):
        with (
            pytest.raises(IntegrityError, match="cannot be changed or deleted"),
            transaction.atomic(),
        ):
            change()
    with pytest.raises(Exception, match="never changed"):
        access.save()


def test_opening_the_case_marks_its_in_app_notification_read(client, se, about_the_head):
    in_app = Notification.objects.get(recipient=se.chair, channel=Channel.IN_APP)
    assert in_app.read_at is None
    client.force_login(se.chair)
    client.get(f"/incidents/{about_the_head.pk}/")
    in_app.refresh_from_db()
    assert in_app.read_at is not None


def test_the_head_never_sees_a_report_about_themselves_anywhere(client, se, about_the_head):
    assert list(reports_for_recipient(se.head)) == []
    assert not Notification.objects.filter(recipient=se.head).exists()
    client.force_login(se.head)
    assert "Report R-" not in client.get("/notifications/").text
    assert client.get("/incidents/mine/").text.count("list-group-item") == 0


def test_reports_for_recipient_is_newest_first_in_one_query(se, django_assert_num_queries):
    first = submit(se.teacher, se.school, category=Category.BREACH)
    second = submit(se.teacher, se.school, category=Category.PUPIL_CONTACT)
    submit(se.teacher, se.school, category=Category.PUPIL_ONLINE_SAFETY)  # the DSL's alone
    # Expected: the reports routed to the person, with their school = 1.
    with django_assert_num_queries(1):
        reports = list(reports_for_recipient(se.head))
        assert [r.school.name for r in reports] == [se.school.name] * 2
    assert reports == [second, first]


def test_the_case_page_query_count_does_not_grow_with_files_or_recipients(client, se):
    # Expected: session, user, the report with its people and owner, its routing with
    # recipients and whether each still holds the role (the check that it reaches this
    # person), the access record, marking read, its evidence, and for the chronology the
    # notifications sent and the case's entries = 9.
    small = submit(se.teacher, se.school, category=Category.BREACH)
    large = submit(
        se.teacher,
        se.school,
        category=Category.PUPIL_CONTACT,
        files=[png(f"{n}.png") for n in range(4)],
    )
    client.force_login(se.head)
    counts = []
    for incident in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/incidents/{incident.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts == [9, 9]
