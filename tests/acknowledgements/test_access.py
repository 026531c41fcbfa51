"""Who sees which acknowledgement page: anonymous → sign in, others → 404 or 403."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from acknowledgements.models import ApprovalKind
from acknowledgements.services.approvals import approval_request_submit
from acknowledgements.services.declarations import declaration_submit
from people.models import Role
from tests.acknowledgements.test_signoff import sign
from tests.factories import MembershipFactory, UserFactory, person

LOGIN = "/accounts/login/"


@pytest.fixture
def people(st_elisabeths, alice, bob, charlie, chair, dee):
    return {
        "anonymous": None,
        "signer": bob,
        "colleague": person(st_elisabeths, full_name="Colin Colleague"),
        "governor": person(st_elisabeths, Role.GOVERNOR),
        "chair": chair,
        "head": alice,
        "other school": charlie,
        "other head": dee,
    }


@pytest.fixture
def objects(bob, st_elisabeths, se_policy):
    signoff, _ = sign(bob, se_policy)
    declaration = declaration_submit(
        user=bob, school=st_elisabeths, pupil_name="P", class_or_year="Y1", relationship="son"
    )
    request_ = approval_request_submit(
        user=bob, school=st_elisabeths, kind=ApprovalKind.OFFICIAL_SITE, details="Year 6 blog"
    )
    return {"v": se_policy.pk, "r": signoff.pk, "d": declaration.pk, "q": request_.pk}


WHO = [
    "anonymous",
    "signer",
    "colleague",
    "governor",
    "chair",
    "head",
    "other school",
    "other head",
]
PAGES = {
    "/acknowledgements/sign/{v}/": [LOGIN, 302, 200, 200, 200, 200, 404, 404],
    "/acknowledgements/receipts/{r}/": [LOGIN, 200, 404, 404, 404, 404, 404, 404],
    "/acknowledgements/receipts/{r}/pdf/": [LOGIN, 200, 404, 404, 404, 404, 404, 404],
    "/acknowledgements/my-record/": [LOGIN, 200, 200, 200, 200, 200, 200, 200],
    "/acknowledgements/declarations/{d}/": [LOGIN, 200, 404, 404, 404, 200, 404, 404],
    "/acknowledgements/requests/{q}/": [LOGIN, 200, 404, 404, 404, 200, 404, 404],
    "/acknowledgements/declarations/new/": [LOGIN, 200, 200, 200, 200, 200, 200, 200],
    "/acknowledgements/requests/new/": [LOGIN, 200, 200, 200, 200, 200, 200, 200],
    "/acknowledgements/head/": [LOGIN, 403, 403, 403, 403, 200, 403, 200],
}


@pytest.mark.parametrize("url", list(PAGES))
@pytest.mark.parametrize("who", WHO)
def test_page_access_by_role(client, people, objects, url, who):
    expected = PAGES[url][WHO.index(who)]
    if people[who]:
        client.force_login(people[who])
    response = client.get(url.format(**objects))
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("who", ["colleague", "governor", "chair", "other school", "other head"])
def test_deciding_someone_elses_declaration_or_request_is_404(client, people, objects, who):
    client.force_login(people[who])
    decide = client.post(
        f"/acknowledgements/declarations/{objects['d']}/decide/",
        {"action": "acknowledge", "discussed_on": "2026-11-01", "agreed_protocol": "x"},
    )
    assert decide.status_code == 404
    approve = client.post(f"/acknowledgements/requests/{objects['q']}/", {"decision": "approve"})
    assert approve.status_code == 404


def test_the_heads_sign_off_view_filters_by_category_and_exports_csv(
    client, alice, bob, chair, objects, st_elisabeths
):
    person(st_elisabeths, Role.GOVERNOR, full_name="Gwen Governor")
    client.force_login(alice)
    page = client.get("/acknowledgements/head/").text
    assert "1 of 4 signed" in page  # Alice, Bob, Gwen and the chair
    governors = client.get("/acknowledgements/head/", {"category": "governor"}).text
    assert "<td>Gwen Governor</td>" in governors and "<td>Bob Baker</td>" not in governors
    csv = client.get("/acknowledgements/head/", {"format": "csv"}).content.decode()
    lines = csv.strip().splitlines()
    assert lines[0].startswith("School,Policy,Version,Name")
    assert len(lines) == 5
    assert any("Bob Baker" in line and "outstanding" not in line for line in lines)


def test_the_heads_view_query_count_does_not_grow_with_staff(client, alice, objects, st_elisabeths):
    # Expected: session, user, schools headed, declarations waiting, requests waiting,
    # current versions, memberships with their people, sign-offs of the version = 8.
    client.force_login(alice)
    with CaptureQueriesContext(connection) as few:
        client.get("/acknowledgements/head/")
    for _ in range(20):
        MembershipFactory(
            user=UserFactory(), school=st_elisabeths, starts_on=datetime.date(2025, 9, 1)
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/acknowledgements/head/")
    assert len(few) == len(many) == 8


def test_my_record_query_count_does_not_grow_with_what_was_signed(
    client, bob, objects, se_policy, villiers_policy, villiers
):
    # Expected: session, user, memberships, current versions, sign-offs (outstanding),
    # sign-offs with versions (record), declarations, requests = 8.
    client.force_login(bob)
    with CaptureQueriesContext(connection) as few:
        client.get("/acknowledgements/my-record/")
    MembershipFactory(user=bob, school=villiers)
    sign(bob, villiers_policy)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/acknowledgements/my-record/").text
    assert page.count("receipt<span") == 2
    assert len(few) == len(many) == 8
