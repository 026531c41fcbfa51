"""Low-level concerns: raised by any adult, about themselves too; the handler sees the earlier
ones, and a pattern is flagged."""

import datetime

import pytest
from django.urls import reverse

from allegations import concerns
from allegations.models import LowLevelConcern, Response, SchoolSettings, Threshold
from allegations.selectors import concerns_about, pattern_of
from incidents.models import Incident, SubjectKind
from tests.factories import person


def raise_concern(by, about, school, text="Over-familiar with a Year 6 pupil at break."):
    return concerns.low_level_concern_raise(
        raised_by=by, school=school, subject=about, happened_on=datetime.date(2026, 11, 2),
        what_happened=text,
    )  # fmt: skip


def test_a_teacher_self_reports_in_one_short_form_and_it_goes_to_the_head(
    client, se, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(se.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/allegations/concerns/new/",
            {
                "subject": se.teacher.pk,
                "happened_on": "2026-11-30",
                "what_happened": "I gave a pupil a lift home in the rain.",
            },
            follow=True,
        )
    assert "has gone, in confidence" in response.content.decode()
    concern = LowLevelConcern.objects.get()
    assert concern.self_report and concern.handler == se.head
    assert [m.to for m in mailoutbox] == [[se.head.email]]
    assert "lift home" not in mailoutbox[0].body and "Baker" not in mailoutbox[0].body
    assert reverse("allegations:concern", args=[concern.pk]) in mailoutbox[0].body


def test_a_concern_about_the_head_goes_to_the_chair(se):
    assert raise_concern(se.teacher, se.head, se.school).handler == se.chair


def test_a_school_may_name_who_handles_them_but_never_for_a_concern_about_them(se):
    SchoolSettings.objects.create(school=se.school, low_level_handler=se.dsl)
    assert raise_concern(se.teacher, se.governor, se.school).handler == se.dsl
    assert raise_concern(se.teacher, se.dsl, se.school).handler == se.head


def test_a_bad_concern_form_keeps_what_was_typed(client, se):
    client.force_login(se.teacher)
    response = client.post(
        "/allegations/concerns/new/",
        {"subject": se.teacher.pk, "happened_on": "2099-01-01", "what_happened": "Kept text"},
    )
    page = response.content.decode()
    assert "The date cannot be in the future." in page
    assert "Kept text" in page
    assert not LowLevelConcern.objects.exists()


def test_the_adult_concerned_never_sees_a_concern_about_them(client, se):
    concern = raise_concern(se.governor, se.teacher, se.school)
    for who, expected in ((se.teacher, 404), (se.dsl, 404), (se.head, 200)):
        client.force_login(who)
        assert client.get(f"/allegations/concerns/{concern.pk}/").status_code == expected


def test_the_handler_sees_the_earlier_concerns_and_a_pattern_at_the_third(client, se):
    first = raise_concern(se.governor, se.teacher, se.school, "Photographed pupils on a phone.")
    second = raise_concern(se.dsl, se.teacher, se.school, "Shared sweets with one pupil only.")
    concerns = list(concerns_about(se.teacher, se.school))
    assert not pattern_of(second, concerns).flagged
    third = raise_concern(se.teacher, se.teacher, se.school, "I messaged a pupil's parent.")
    concerns = list(concerns_about(se.teacher, se.school))
    assert pattern_of(third, concerns).flagged
    client.force_login(se.head)
    page = client.get(f"/allegations/concerns/{third.pk}/").content.decode()
    assert "A pattern: 3 low-level concerns in 12 months" in page
    assert "Photographed pupils on a phone." in page and "Shared sweets" in page
    assert first.reference in page


def test_the_pattern_follows_the_schools_setting(se):
    SchoolSettings.objects.create(school=se.school, pattern_count=2, pattern_months=6)
    raise_concern(se.governor, se.teacher, se.school)
    second = raise_concern(se.governor, se.teacher, se.school)
    assert pattern_of(second, list(concerns_about(se.teacher, se.school))).flagged


def test_a_concern_that_meets_the_threshold_becomes_an_allegation_with_the_clock_running(se):
    concern = raise_concern(se.teacher, se.teacher, se.school)
    response = concerns.low_level_concern_respond(
        concern=concern, by=se.head, response=Response.MEETS_THRESHOLD, pattern_seen=True,
        rationale="Three concerns in a term: together they suggest a risk.", risk_of_harm=True,
    )  # fmt: skip
    incident = Incident.objects.get(pk=response.incident_id)
    assert incident.subject_kind == SubjectKind.ADULT and incident.subject_user == se.teacher
    assert incident.reporter == se.head  # the adult who self-reported is not made its reporter
    assert incident.allegation.threshold == Threshold.MAY_MEET
    assert incident.allegation.lado_due_at is not None
    assert concern.reference in incident.description


def test_meeting_the_threshold_needs_a_test_ticked(se):
    concern = raise_concern(se.governor, se.teacher, se.school)
    with pytest.raises(Exception, match="Tick which"):
        concerns.low_level_concern_respond(
            concern=concern, by=se.head, response=Response.MEETS_THRESHOLD, rationale="Serious."
        )
    assert not Incident.objects.exists()


def test_someone_who_answers_to_the_subject_cannot_decide_a_concern_about_them(se):
    SchoolSettings.objects.create(school=se.school, low_level_handler=se.dsl)
    concern = raise_concern(se.teacher, se.head, se.school)
    assert concern.handler == se.chair  # the DSL answers to the Head
    with pytest.raises(Exception, match="not yours to decide"):
        concerns.low_level_concern_respond(
            concern=concern, by=se.dsl, response=Response.KEPT, rationale="Fine."
        )


def test_the_list_page_reads_in_a_fixed_number_of_queries(
    client, se, django_assert_max_num_queries
):
    for index in range(6):
        colleague = person(se.school, full_name=f"Colleague {index}")
        raise_concern(colleague, colleague, se.school)
    client.force_login(se.head)
    # Session and user (2), memberships for the page furniture and the bell (a handful), the
    # concerns (1) and their responses (1), the schools (1), the allegations (1) and their
    # escalations (1): the same for 6 concerns as for 60.
    with django_assert_max_num_queries(20) as few:
        client.get("/allegations/")
    measured = len(few)
    for index in range(6, 18):
        colleague = person(se.school, full_name=f"Colleague {index}")
        raise_concern(colleague, colleague, se.school)
    with django_assert_max_num_queries(measured):
        client.get("/allegations/")
