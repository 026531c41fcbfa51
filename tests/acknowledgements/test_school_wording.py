"""Links and wording follow the reader's school and role: each form cites the reader's own
school's clauses, and nobody is offered a page that will refuse them."""

import pytest

from people.models import Role
from tests.factories import MembershipFactory, UserFactory, person

DECLARE = "/acknowledgements/declarations/new/"
ASK = "/acknowledgements/requests/new/"
RECORD = "/acknowledgements/my-record/"


@pytest.fixture
def trust_officer(villiers):
    def make(role):
        user = UserFactory(email=f"{role}@shine.example")
        MembershipFactory(user=user, school=None, trust=villiers.trust, role=role)
        return user

    return make


@pytest.mark.parametrize("role", [Role.DPL, Role.TRUST_HR])
def test_a_trust_officer_sees_no_link_to_declare_or_ask(client, trust_officer, role):
    client.force_login(trust_officer(role))
    html = client.get(RECORD).text
    assert DECLARE not in html and ASK not in html
    assert "you have no role at a school" in html
    # ...and those pages do refuse them, which is why there is no link.
    assert client.get(DECLARE).status_code == 404
    assert client.get(ASK).status_code == 404


@pytest.mark.parametrize("school", ["st_elisabeths", "villiers"])
def test_staff_at_a_school_see_both_links(client, request, school):
    client.force_login(person(request.getfixturevalue(school)))
    html = client.get(RECORD).text
    assert DECLARE in html and ASK in html


def test_st_elisabeths_staff_read_their_policys_clauses_on_the_declaration(
    client, bob, se_policy, villiers_policy
):
    client.force_login(bob)
    html = client.get(DECLARE).text
    policy = se_policy.policy_id
    assert f'your school\'s policy, <a href="/policies/{policy}/#clause-6-7">§6.7–6.9</a>' in html
    assert "Personal use of Social Media" not in html


def test_villiers_staff_read_their_policys_section_not_st_elisabeths_numbers(
    client, charlie, se_policy, villiers_policy
):
    client.force_login(charlie)
    html = client.get(DECLARE).text
    policy = villiers_policy.policy_id
    assert (
        f'your school\'s policy, <a href="/policies/{policy}/#clause-personal-use-of-social-media-2">'
        "“Personal use of Social Media”</a>"
    ) in html
    assert "§6.7" not in html and "St Elisabeth" not in html


def test_someone_at_both_schools_reads_each_schools_clauses(
    client, st_elisabeths, villiers, se_policy, villiers_policy
):
    both = person(st_elisabeths)
    MembershipFactory(user=both, school=villiers, role=Role.STAFF)
    client.force_login(both)
    html = client.get(DECLARE).text
    assert "St Elisabeth&#x27;s CE Primary School: <a" in html and "§6.7–6.9" in html
    assert "Villiers Primary School: <a" in html and "“Personal use of Social Media”" in html


def test_the_approval_form_cites_only_the_readers_own_schools_clauses(
    client, bob, charlie, se_policy, villiers_policy
):
    client.force_login(bob)
    html = client.get(ASK).text
    assert "Talking with parents or carers about pupils on social media (§6.5)" in html
    assert "Creating an official school social media site (§8.1)" in html
    assert "Using social media on behalf of" not in html
    assert "“Personal use of Social Media”" not in html

    client.force_login(charlie)
    html = client.get(ASK).text
    assert (
        "Reading school e-mail on a personal device (“Using social media on behalf of the named school/ Academy Trust”)"
        in html
    )
    assert (
        "Using a school address for a social media account (“Personal use of Social Media”)" in html
    )
    assert "§6.5" not in html and "§8.1" not in html and "St Elisabeth" not in html


def test_a_school_without_a_published_policy_cites_nothing(client, bob):
    client.force_login(bob)
    html = client.get(DECLARE).text
    assert "your school's policy" not in html and "§" not in html
    html = client.get(ASK).text
    assert "§" not in html
