"""A dashboard is counted once and kept, and counted again as soon as anything it counts
changes: a sign-off, a report acknowledged, a newcomer added, at the school or its trust."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acknowledgements.services.signoff import signoff_record
from governance import selectors
from governance.periods import current_term
from incidents.triage import case_acknowledge
from people.models import Role, StaffCategory
from people.services import person_add
from tests.factories import import_source, person, publish
from tests.governance.data import reports, rows, table, trust_member


def dashboard(school):
    today = timezone.localdate()
    return selectors.school_dashboard(school, current_term(today), today=today)


def counted(school) -> tuple[object, int]:
    """The dashboard, and how many queries building it took."""
    with CaptureQueriesContext(connection) as queries:
        figures = dashboard(school)
    return figures, len(queries)


def signed(school, version) -> list[str]:
    return rows(dashboard(school), f"signoff-{version.pk}-category")["Everyone"]


def test_a_second_look_takes_no_query(villiers, villiers_policy, gwen):
    first, queries = counted(villiers)
    again, none = counted(villiers)
    assert queries > 0 and none == 0
    assert again.produced_at == first.produced_at
    assert rows(again, "incidents-status") == rows(first, "incidents-status")


def test_a_sign_off_is_counted_at_once(villiers, villiers_policy, charlie):
    before = signed(villiers, villiers_policy)
    signoff_record(
        user=charlie, version=villiers_policy, text_sha256=villiers_policy.content_sha256,
        ip_address=None, user_agent="test",
    )  # fmt: skip
    assert signed(villiers, villiers_policy) != before


def test_a_report_acknowledged_is_counted_at_once(villiers, gwen):
    head = person(villiers, Role.HEAD, full_name="Hattie Head", email="hattie@villiers.example")
    incident = reports(villiers, on=timezone.localdate())[0]  # bulk: no signal of its own
    dashboard(villiers)  # counted and kept
    case_acknowledge(incident=incident, by=head)
    figures, queries = counted(villiers)
    assert queries > 0
    assert table(figures, "acknowledge").rows[0].cells[0].text != "0"


def test_a_newcomer_added_in_bulk_is_counted_at_once(villiers, villiers_policy, gwen):
    before, _ = counted(villiers)
    person_add(
        school=villiers, email="new@villiers.example", full_name="Nia Newcomer",
        roles=[Role.STAFF], staff_category=StaffCategory.TEACHING, starts_on=timezone.localdate(),
        by=gwen,
    )  # fmt: skip
    after, queries = counted(villiers)
    assert queries > 0 and after.produced_at != before.produced_at


def test_a_change_at_another_school_leaves_this_one_kept(villiers, st_elisabeths, alice):
    dashboard(villiers)
    version = publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths))
    signoff_record(
        user=alice, version=version, text_sha256=version.content_sha256,
        ip_address=None, user_agent="test",
    )  # fmt: skip
    assert counted(villiers)[1] == 0


def test_a_change_at_the_trust_is_counted_at_its_schools(villiers, shine):
    dashboard(villiers)
    trust_member(shine, Role.TRUST_HR, full_name="Hana Reyes", email="hana@shine.example")
    assert counted(villiers)[1] > 0


def test_the_generation_is_replaced_again_when_the_write_commits(
    villiers, django_capture_on_commit_callbacks
):
    dashboard(villiers)
    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        reports(villiers, on=timezone.localdate())[0].save()
    dashboard(villiers)  # counted between the write and its commit, and kept…
    for callback in on_commit:
        callback()
    assert counted(villiers)[1] > 0  # …until the commit: counted again


@pytest.mark.parametrize("lost", ["the school's generation", "everything"])
def test_a_cache_that_lost_its_keys_never_serves_old_figures(villiers, lost):
    first = dashboard(villiers)
    if lost == "everything":
        cache.clear()
    else:
        cache.delete(f"governance:generation:school:{villiers.pk}")
    again, queries = counted(villiers)
    assert queries > 0 and again.produced_at != first.produced_at


def test_without_a_cache_dashboards_are_counted_and_writes_carry_on(
    villiers, villiers_policy, charlie, settings, caplog
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert dashboard(villiers).sections
    _, created = signoff_record(
        user=charlie, version=villiers_policy, text_sha256=villiers_policy.content_sha256,
        ip_address=None, user_agent="test",
    )  # fmt: skip
    assert created
    assert "The cache cannot be reached" in caplog.text


def test_the_page_renders_its_figures_once_for_each_count(client, villiers, gwen, charlie):
    client.force_login(gwen)
    url = f"/governance/schools/{villiers.slug}/"

    def rendered(response) -> bool:
        return "governance/_figures.html" in [t.name for t in response.templates]

    first = client.get(url)
    again = client.get(url)
    assert rendered(first) and not rendered(again)
    assert "At a glance" in again.text and again.text.count("figure-pair") > 5
    person(villiers, full_name="Nell Newcomer")  # counted again, so rendered again
    assert rendered(client.get(url))
