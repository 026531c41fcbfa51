"""Who manages an allegation and who may see it: the case manager, the DSL for the child's
welfare unless the DSL answers to the adult, and never the adult concerned."""

import pytest

from allegations.models import Allegation
from incidents.models import AccessAction, CaseAccess
from people.models import Role
from tests.allegations.support import opened, report_about
from tests.factories import person


@pytest.fixture
def about_bob(se):
    return report_about(se.teacher, se.school, se.governor)


def test_a_concern_about_a_teacher_is_managed_by_the_head(se, about_bob):
    assert opened(about_bob).case_manager == se.head


def test_a_concern_about_the_head_is_managed_by_the_chair(se):
    incident = report_about(se.head, se.school, se.teacher)
    allegation = opened(incident)
    assert allegation.case_manager == se.chair
    assert allegation.case_manager_role == Role.CHAIR


def test_a_concern_about_the_head_with_no_chair_goes_to_the_vice_chair(se):
    se.chair.memberships.all().delete()
    vice = person(se.school, Role.VICE_CHAIR, full_name="Val Vice")
    assert opened(report_about(se.head, se.school, se.teacher)).case_manager == vice


@pytest.mark.parametrize(
    ("who", "expected"),
    [("head", 200), ("dsl", 200), ("teacher", 404), ("deputy_head", 404), ("governor", 404),
     ("chair", 404), ("deputy_dsl", 404)],
)  # fmt: skip
def test_only_the_case_manager_and_the_dsl_see_an_allegation_about_a_teacher(
    client, se, about_bob, who, expected
):
    client.force_login(getattr(se, who))
    assert client.get(f"/allegations/{about_bob.pk}/").status_code == expected


def test_the_adult_concerned_never_sees_it_even_when_they_hold_the_dsl_role(client, se):
    incident = report_about(se.dsl, se.school, se.teacher)
    opened(incident)
    client.force_login(se.dsl)
    assert client.get(f"/allegations/{incident.pk}/").status_code == 404
    assert client.get(f"/allegations/{incident.pk}/bundle.pdf").status_code == 404
    refused = CaseAccess.objects.filter(incident=incident, user=se.dsl)
    assert list(refused.values_list("action", flat=True)) == [AccessAction.REFUSED] * 2


def test_the_dsl_does_not_see_a_concern_about_the_head_they_answer_to(client, se):
    incident = report_about(se.head, se.school, se.teacher)
    opened(incident)
    client.force_login(se.chair)
    assert client.get(f"/allegations/{incident.pk}/").status_code == 200
    for who in (se.dsl, se.deputy_dsl, se.head):
        client.force_login(who)
        assert client.get(f"/allegations/{incident.pk}/").status_code == 404


def test_the_dsl_reads_the_record_but_cannot_decide_or_download_the_bundle(client, se, about_bob):
    opened(about_bob)
    client.force_login(se.dsl)
    page = client.get(f"/allegations/{about_bob.pk}/")
    assert "for the child's welfare" in page.content.decode()
    assert b"Record the decision" not in page.content
    response = client.post(
        f"/allegations/{about_bob.pk}/threshold/",
        {"decision": "nfa", "rationale": "x", "not_referred_because": "y"},
    )
    assert response.status_code == 404
    assert not Allegation.objects.get(incident=about_bob).decisions.exists()
    assert client.get(f"/allegations/{about_bob.pk}/bundle.pdf").status_code == 404


def test_the_case_manager_opening_the_record_makes_it_and_every_view_is_recorded(
    client, se, about_bob
):
    client.force_login(se.head)
    assert client.get(f"/allegations/{about_bob.pk}/").status_code == 200
    client.get(f"/allegations/{about_bob.pk}/")
    assert Allegation.objects.filter(incident=about_bob, case_manager=se.head).count() == 1
    assert CaseAccess.objects.filter(incident=about_bob, user=se.head).count() == 2


def test_a_report_that_is_not_about_an_adult_has_no_allegation_record(client, se):
    from tests.reports import submit

    incident = submit(se.teacher, se.school)
    client.force_login(se.head)
    assert client.get(f"/allegations/{incident.pk}/").status_code == 404


def test_the_case_page_shows_the_panel_only_with_a_way_in_for_those_who_may(client, se):
    incident = report_about(se.teacher, se.school, se.governor, category="pupil_contact")
    client.force_login(se.head)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "A concern about an adult (KCSIE Part 4)" in page
    assert "Open the allegation record" in page
