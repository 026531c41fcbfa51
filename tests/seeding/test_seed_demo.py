import io
import logging

import pytest
from django.core.management import call_command

from people.models import Membership, Role, School, StaffCategory, Trust, User
from seeding.demo.people import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_it_creates_both_schools_and_the_trust():
    call_command("seed_demo", stdout=None)
    villiers = School.objects.get(slug="villiers")
    st_elisabeths = School.objects.get(slug="st-elisabeths")
    assert villiers.trust == Trust.objects.get(name="SHINE Academies Trust")
    assert st_elisabeths.trust is None
    assert st_elisabeths.head_title == "Head of School"
    assert villiers.head_title == "Head Teacher"


def test_every_school_has_a_person_in_every_role_and_twenty_staff_across_categories():
    call_command("seed_demo")
    school_roles = set(Role) - {Role.TRUST_HR, Role.DPL}
    for school in School.objects.all():
        memberships = Membership.objects.covering(school)
        assert school_roles <= set(memberships.values_list("role", flat=True))
        assert memberships.filter(role=Role.DPL).exists()
        categories = set(memberships.values_list("staff_category", flat=True))
        assert categories == set(StaffCategory)
        assert memberships.filter(role=Role.STAFF).count() >= 20
    assert Membership.objects.filter(role=Role.TRUST_HR, trust__slug="shine").exists()
    assert Membership.objects.filter(employed_centrally=True, school__slug="villiers").exists()


def test_running_it_again_changes_nothing():
    call_command("seed_demo")
    before = (User.objects.count(), Membership.objects.count(), School.objects.count())
    password = User.objects.get(email="head@villiers.example").password
    call_command("seed_demo")
    assert (User.objects.count(), Membership.objects.count(), School.objects.count()) == before
    assert User.objects.get(email="head@villiers.example").password == password


def test_the_demo_accounts_sign_in_with_the_documented_password(client):
    call_command("seed_demo")
    assert client.login(email="head@stelisabeths.example", password=DEMO_PASSWORD)
    readme = (__import__("pathlib").Path(__file__).parents[2] / "README.md").read_text()
    assert DEMO_PASSWORD in readme
    assert "head@stelisabeths.example" in readme


def test_the_demo_has_something_on_every_page_and_adds_it_once(django_capture_on_commit_callbacks):
    from acknowledgements.models import Declaration, SignOff
    from incidents.models import Incident

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    counts = (SignOff.objects.count(), Incident.objects.count(), Declaration.objects.count())
    assert counts[0] > 20 and counts[1] == 6 and counts[2] == 2
    assert Incident.objects.filter(school__slug="villiers", category="prevent").exists()
    call_command("seed_demo")
    assert (
        SignOff.objects.count(),
        Incident.objects.count(),
        Declaration.objects.count(),
    ) == counts


def test_a_first_demo_start_warns_of_nothing(caplog, django_capture_on_commit_callbacks):
    # The demo's notices are delivered in-process as it commits; kombu once warned on each one
    # that it was guessing the in-process broker's host, which read like an error.
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
