"""Every page the benchmark measures makes at most 12 SQL queries, and the same number whether a
school has 12 people and 30 reports or ten times as many (seeding.scale builds both).

Transaction control (SAVEPOINT and its RELEASE) is not counted, as in bench/middleware.py: it
reads nothing, and a test's transaction turns every atomic block into one.
"""

from dataclasses import replace

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acknowledgements.models import SignOff
from bench.middleware import is_transaction_control
from incidents.models import RoutingDecision, Status
from people.models import Membership, Role, School, User
from policies.models import PolicyVersion, VersionStatus
from seeding.scale import Size, seed_scale

BUDGET = 12
SMALL = Size(
    trusts=1,
    schools_per_trust=2,
    standalone_schools=1,
    people_per_school=12,
    incidents_per_school=30,
    declarations_per_school=1,
    approvals_per_school=2,
)
TEN_TIMES = replace(
    SMALL,
    people_per_school=120,
    incidents_per_school=300,
    declarations_per_school=10,
    approvals_per_school=20,
)
PAGES = [
    "home",
    "policy_read",
    "signoff_post",
    "queue",
    "queue_filtered",
    "case",
    "dashboard",
    "report_post",
]


def _count(client: Client, method: str, path: str, data=None) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data or {})
    counted = [q for q in queries.captured_queries if not is_transaction_control(q["sql"])]
    return len(counted), response.status_code


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/")  # the session's first page: from here on, every page does what it does now
    return client


def _measure_pages() -> dict[str, tuple[int, int]]:
    school = School.objects.get(slug="school-01")
    members = Membership.objects.filter(school=school)
    head = members.get(role=Role.HEAD).user
    chair = members.get(role=Role.CHAIR).user
    staff = (
        User.objects.filter(memberships__school=school, memberships__role=Role.STAFF)
        .exclude(memberships__role__in=[r for r in Role.values if r != Role.STAFF])
        .order_by("pk")
        .first()
    )
    version = PolicyVersion.objects.get(policy__school=school, status=VersionStatus.PUBLISHED)
    # Someone signing again: they signed the version before this one, not this one yet.
    signer = (
        User.objects.filter(signoffs__version__policy=version.policy)
        .exclude(signoffs__version=version)
        .exclude(pk=staff.pk)
        .order_by("pk")
        .first()
    )
    case = (
        # A case about an adult: the heaviest page (it also shows what the adult signed).
        RoutingDecision.objects.filter(
            recipient=head, incident__status=Status.CLOSED, incident__subject_kind="adult"
        )
        .order_by("incident__created_at")
        .values_list("incident_id", flat=True)
        .first()
    )
    assert signer and case, "the dataset has a re-signer and a closed case"
    as_staff, as_head, as_chair = _client(staff), _client(head), _client(chair)
    report = {
        "school": school.pk,
        "category": "social_media_misuse",
        "subject_kind": "parent",
        "subject_description": "A parent in the Year 4 class group",
        "happened_on": timezone.localdate().isoformat(),
        "description": "Posts about a member of staff.",
    }
    results = {
        "home": _count(as_staff, "get", "/"),
        "policy_read": _count(as_staff, "get", f"/policies/{version.policy_id}/"),
        "signoff_post": _count(
            _client(signer),
            "post",
            f"/acknowledgements/sign/{version.pk}/",
            {"text_sha256": version.content_sha256},
        ),
        "queue": _count(as_head, "get", "/incidents/queue/"),
        "queue_filtered": _count(as_head, "get", "/incidents/queue/?status=new&category=breach"),
        "case": _count(as_head, "get", f"/incidents/{case}/"),
        "dashboard": _count(as_chair, "get", f"/governance/schools/{school.slug}/"),
        "report_post": _count(as_staff, "post", "/incidents/report/", report),
    }
    assert SignOff.objects.filter(user=signer, version=version).exists()
    return results


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker) -> dict[str, dict[str, tuple[int, int]]]:
    """Both datasets, one after the other, each rolled back once its pages are measured."""
    measured = {}
    with django_db_blocker.unblock():
        for name, size in [("small", SMALL), ("ten_times", TEN_TIMES)]:
            cache.clear()  # pages measured as their first reader sees them
            with transaction.atomic():
                seed_scale(size)
                measured[name] = _measure_pages()
                transaction.set_rollback(True)
    return measured


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_each_page_makes_as_many_queries_with_ten_times_the_data(counts, page) -> None:
    small, large = counts["small"][page], counts["ten_times"][page]
    assert small[1] in (200, 302) and large[1] in (200, 302), (small, large)
    assert small[0] == large[0], f"{page}: {small[0]} queries, then {large[0]} at ten times"


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_each_page_stays_within_the_query_budget(counts, page) -> None:
    queries = counts["ten_times"][page][0]
    assert queries <= BUDGET, f"{page}: {queries} queries"
