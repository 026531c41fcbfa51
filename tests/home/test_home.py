import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.models import Role
from tests.factories import MembershipFactory, person


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_head_sees_their_title_as_their_school_names_it(client, alice):
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    assert "Head of School at St Elisabeth&#x27;s CE Primary School" in response.text
    assert "Declarations and requests to decide" in response.text
    assert "Reports waiting for you" in response.text


def test_a_teacher_sees_only_what_applies_to_them(client, bob):
    client.force_login(bob)
    response = client.get("/")
    assert "Member of staff at St Elisabeth&#x27;s CE Primary School" in response.text
    assert "Policies to read and sign" in response.text
    assert "Declarations and requests to decide" not in response.text
    assert "Reports waiting for you" not in response.text


def test_a_leaver_is_told_they_have_no_current_role(client, bob):
    bob.memberships.update(ends_on="2025-12-31")
    client.force_login(bob)
    assert "You have no current role at any school" in client.get("/").text


def test_the_home_page_query_count_does_not_grow_with_roles_or_data(
    client, st_elisabeths, villiers
):
    # Expected queries: session, user, memberships with their schools and trusts, current
    # versions that apply, this person's sign-offs, policies due for review, declarations
    # waiting, requests waiting, reports waiting, schools they manage, and the governors'
    # dashboards they may open (trusts and schools, one UNION) = 11.
    from acknowledgements.services.declarations import declaration_submit
    from tests.factories import import_source, publish
    from tests.reports import submit

    user = person(st_elisabeths, Role.STAFF, Role.HEAD)
    publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths))
    client.force_login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for role in (Role.HEAD, Role.DSL, Role.GOVERNOR):
        MembershipFactory(user=user, school=villiers, role=role)
    publish(import_source("villiers-staff-social-media.md", school=villiers))
    publish(import_source("villiers-parents-code-of-conduct.md", school=villiers))
    for _ in range(3):
        declaration_submit(
            user=person(villiers), school=villiers, pupil_name="P", class_or_year="Y2",
            relationship="niece",
        )  # fmt: skip
    for _ in range(3):
        submit(person(villiers), villiers, category="prevent")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")
    assert "Villiers Primary School" in response.text
    assert response.text.count("Declaration from") == 3
    assert response.text.count("URGENT · R-") == 3
    assert "Governors' dashboard: St Elisabeth&#x27;s CE Primary School" in response.text
    assert len(few) == len(many) == 11


@pytest.mark.django_db
def test_static_files_are_served_from_the_repository_not_a_cdn(client, alice):
    client.force_login(alice)
    html = client.get("/").text
    assert "/static/vendor/bootstrap.min.css" in html
    assert "cdn" not in html.lower()


def test_the_head_sees_policies_due_for_review_on_their_home_page(client, alice, st_elisabeths):
    from tests.factories import import_source, publish

    version = publish(
        import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths),
        approved_on=datetime.date.today() - datetime.timedelta(days=340),
        review_due=datetime.date.today() + datetime.timedelta(days=25),
    )
    client.force_login(alice)
    html = client.get("/").text
    assert "Policies due for review" in html
    assert f'href="/policies/{version.policy_id}/"' in html
    assert "Social Media Policy, St Elisabeth&#x27;s CE Primary School: review due" in html
