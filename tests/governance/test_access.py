"""Who sees which dashboard: anonymous → sign in; no place there → 404; a place but not a
governance role → 403; governors, the Chair, the Head and trust-level roles → 200."""

import datetime

import pytest

from people.models import Role
from tests.factories import MembershipFactory, UserFactory, person
from tests.governance.data import trust_member

LOGIN = "/accounts/login/"
TO_VILLIERS = "→villiers"


@pytest.fixture
def people(st_elisabeths, villiers, shine, alice, charlie, gwen, hana, seb):
    leaver = person(villiers, Role.GOVERNOR, full_name="Len Leaver")
    leaver.memberships.update(ends_on=datetime.date(2025, 12, 31))
    central = UserFactory(full_name="Ian Tran")
    MembershipFactory(user=central, school=None, trust=shine, role=Role.STAFF)
    return {
        "anonymous": None,
        "villiers teacher": charlie,
        "villiers DSL": person(villiers, Role.STAFF, Role.DSL, full_name="Nadia Shah"),
        "villiers governor": gwen,
        "villiers chair": person(villiers, Role.CHAIR, full_name="Robert Ashby"),
        "villiers head": person(villiers, Role.STAFF, Role.HEAD, full_name="Victoria Reid"),
        "former villiers governor": leaver,
        "trust head of HR": hana,
        "trust data protection lead": trust_member(shine, Role.DPL, full_name="Daniel Price"),
        "trustee": trust_member(shine, Role.GOVERNOR, full_name="Tara Trustee"),
        "trust staff": central,
        "st elisabeth's governor": seb,
        "st elisabeth's head": alice,
        "st elisabeth's data protection lead": person(st_elisabeths, Role.STAFF, Role.DPL),
    }


WHO = [
    "anonymous",
    "villiers teacher",
    "villiers DSL",
    "villiers governor",
    "villiers chair",
    "villiers head",
    "former villiers governor",
    "trust head of HR",
    "trust data protection lead",
    "trustee",
    "trust staff",
    "st elisabeth's governor",
    "st elisabeth's head",
    "st elisabeth's data protection lead",
]
VILLIERS = [LOGIN, 403, 403, 200, 200, 200, 404, 200, 200, 200, 403, 404, 404, 404]
SHINE = [LOGIN, 403, 403, 403, 403, 403, 404, 200, 200, 200, 403, 404, 404, 404]
ST_ELISABETHS = [LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200, 403]
PAGES = {
    "/governance/schools/villiers/": VILLIERS,
    "/governance/schools/villiers/figures.csv": VILLIERS,
    "/governance/schools/villiers/report.pdf": VILLIERS,
    "/governance/trusts/shine/": SHINE,
    "/governance/trusts/shine/figures.csv": SHINE,
    "/governance/trusts/shine/report.pdf": SHINE,
    "/governance/schools/st-elisabeths/": ST_ELISABETHS,
    "/governance/schools/st-elisabeths/figures.csv": ST_ELISABETHS,
    "/governance/schools/st-elisabeths/report.pdf": ST_ELISABETHS,
    "/governance/schools/nowhere/": [LOGIN, *[404] * 13],
    "/governance/trusts/nowhere/": [LOGIN, *[404] * 13],
    # The way in: straight to the one dashboard a person has, or a choice of several.
    "/governance/": [LOGIN, 403, 403, TO_VILLIERS, TO_VILLIERS, TO_VILLIERS, 403, 200, 200,
                     200, 403, "→st-elisabeths", "→st-elisabeths", 403],
}  # fmt: skip


@pytest.mark.parametrize("url", list(PAGES))
@pytest.mark.parametrize("who", WHO)
def test_page_access_by_role(client, people, url, who):
    expected = PAGES[url][WHO.index(who)]
    if people[who]:
        client.force_login(people[who])
    response = client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    elif isinstance(expected, str):
        assert response.status_code == 302
        assert response.url == f"/governance/schools/{expected[1:]}/"
    else:
        assert response.status_code == expected


def test_a_trust_level_person_chooses_between_the_trust_and_its_schools(client, hana, oscar):
    client.force_login(hana)
    page = client.get("/governance/").text
    assert page.index("SHINE Academies Trust") < page.index("Oakfield Primary School")
    assert page.index("Oakfield Primary School") < page.index("Villiers Primary School")
    assert 'href="/governance/trusts/shine/"' in page
    assert 'href="/governance/schools/oakfield/"' in page
    assert "St Elisabeth" not in page


def test_a_trust_level_person_sees_a_schools_dashboard_linked_to_the_trusts(client, hana, villiers):
    client.force_login(hana)
    page = client.get("/governance/schools/villiers/").text
    assert 'href="/governance/trusts/shine/"' in page


def test_someone_governing_two_schools_chooses_between_them(client, gwen, st_elisabeths):
    MembershipFactory(user=gwen, school=st_elisabeths, role=Role.GOVERNOR)
    client.force_login(gwen)
    page = client.get("/governance/").text
    assert 'href="/governance/schools/villiers/"' in page
    assert 'href="/governance/schools/st-elisabeths/"' in page
    assert 'href="/governance/trusts/shine/"' not in page


def test_the_vice_chair_sees_the_governors_dashboard_and_the_clerk_does_not(client, villiers):
    vice = person(villiers, Role.VICE_CHAIR, full_name="Vera Vice")
    clerk = person(villiers, Role.CLERK, full_name="Colin Clerk")
    client.force_login(vice)
    assert client.get("/governance/schools/villiers/").status_code == 200
    client.force_login(clerk)
    assert client.get("/governance/schools/villiers/").status_code == 403


@pytest.mark.parametrize("who", WHO[1:])
def test_the_dashboards_a_person_is_offered_are_exactly_those_they_may_open(people, who, oscar):
    # The list (the way in, the home page, the links between dashboards) is read from the
    # person's roles; the pages ask the permissions. They must agree, role by role.
    from governance.selectors import dashboards_for

    offered = {url for _, url in dashboards_for(people[who])}
    opens = {url for url, expected in PAGES.items() if url.endswith("/") and url.count("/") == 4}
    opens = {url for url in opens if PAGES[url][WHO.index(who)] == 200}
    if who in ("trust head of HR", "trust data protection lead", "trustee"):
        opens |= {"/governance/schools/oakfield/"}  # the trust's other school
    assert offered == opens
