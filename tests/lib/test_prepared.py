"""Prepared queries (lib/prepared.py): the query its function builds, built once."""

import datetime
import itertools
from unittest import mock

import pytest
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

import conduct_portal.urls  # noqa: F401  (every view, so every prepared query, is imported)
from incidents.selectors import QUEUE_VALUES, queue_query
from lib.prepared import REGISTRY, Prepared, prepared
from people.models import Membership, School
from tests.factories import person

pytestmark = pytest.mark.django_db

# The queue's queries, one for each combination of its filters.
for size in range(len(QUEUE_VALUES) + 1):
    for valued in itertools.combinations(QUEUE_VALUES, size):
        for urgency, owner in itertools.product(["", "urgent", "normal"], ["", "me", "nobody"]):
            queue_query(valued, urgency, owner)


def _clock(year: int) -> mock._patch:
    moment = datetime.datetime(year, 6, 15, 12, 0, tzinfo=datetime.UTC)
    return mock.patch.object(timezone, "now", return_value=moment)


@pytest.mark.parametrize("query", REGISTRY, ids=lambda q: f"{q.build.__module__}.{q.__name__}")
def test_every_prepared_query_reads_nothing_but_its_arguments(query: Prepared):
    """Built under two clocks, a query is the same, and so is each of its variants for the
    arguments that may be None: "today" is one of its arguments. (A query whose SQL changes with
    its arguments' values is refused when it is built.)"""
    for nones in query.variants():
        with _clock(1999):
            first = query._compile("default", nones)
        with _clock(2031):
            second = query._compile("default", nones)
        assert (first.sql, first.slots) == (second.sql, second.slots)
        assert all(name for name, _ in first.slots if isinstance(_, datetime.date)), first.slots


def test_the_registry_holds_the_pages_access_rules():
    names = {q.__name__ for q in REGISTRY}
    assert {"_policy", "_version"} <= names


def _schools_named(name: str) -> QuerySet[School]:
    return School.objects.filter(name=name)


def test_rows_are_the_ordinary_querys_with_their_relations_and_annotations(st_elisabeths):
    query = Prepared(
        lambda slug, today: (
            School.objects.select_related("trust")
            .filter(slug=slug)
            .annotate(has_member=_has_member(today))
        ),
        {"slug": str, "today": datetime.date},
    )
    REGISTRY.remove(query)
    person(st_elisabeths, "staff")
    school = query.one(slug=st_elisabeths.slug, today=timezone.localdate())
    assert school == st_elisabeths
    assert school.has_member is True
    assert School._meta.get_field("trust").is_cached(school)
    assert query.one(slug="no-such-school", today=timezone.localdate()) is None
    assert (
        query.all(slug=st_elisabeths.slug, today=datetime.date(1990, 1, 1))[0].has_member is False
    )


def _has_member(today: datetime.date) -> Exists:
    return Exists(Membership.objects.current(today).filter(school=OuterRef("pk")))


@pytest.mark.parametrize(
    "build, kinds",
    [
        (lambda name: School.objects.filter(name__contains=name), {"name": str}),
        (lambda n: School.objects.all()[:n], {"n": int}),
    ],
    ids=["a parameter derived from an argument", "a limit taken from an argument"],
)
def test_a_query_whose_shape_follows_its_values_is_refused(build, kinds):
    query = Prepared(build, kinds)
    REGISTRY.remove(query)
    with pytest.raises(ValueError, match="cannot be prepared"):
        query.all(**{name: kind() if kind is str else 3 for name, kind in kinds.items()})


@pytest.mark.parametrize(
    "arguments",
    [{}, {"name": None}, {"name": 3}, {"name": "x", "other": "y"}],
    ids=["missing", "None", "of another kind", "unknown"],
)
def test_arguments_are_checked(arguments):
    query = Prepared(_schools_named, {"name": str})
    REGISTRY.remove(query)
    with pytest.raises(TypeError):
        query.all(**arguments)


def test_an_argument_that_may_be_none_chooses_a_variant_of_the_query(st_elisabeths, villiers):
    query = Prepared(
        lambda slug, trust: School.objects.filter(slug=slug, trust=trust),
        {"slug": str, "trust": int | None},
    )
    REGISTRY.remove(query)
    assert query.variants() == [frozenset(), frozenset({"trust"})]
    assert query.all(slug=st_elisabeths.slug, trust=None) == [st_elisabeths]  # IS NULL
    assert query.all(slug=villiers.slug, trust=villiers.trust_id) == [villiers]
    assert query.all(slug=villiers.slug, trust=None) == []
    with pytest.raises(TypeError):
        query.all(slug=None, trust=None)  # only an argument declared `int | None` may be None


def test_kinds_other_than_int_str_and_date_are_refused():
    with pytest.raises(TypeError):
        prepared(when=datetime.datetime)


def test_under_verify_a_query_that_no_longer_matches_its_function_fails(st_elisabeths, settings):
    query = Prepared(_schools_named, {"name": str})
    REGISTRY.remove(query)
    assert query.all(name=st_elisabeths.name) == [st_elisabeths]
    query.build = lambda name: School.objects.filter(slug=name)
    settings.PREPARED_VERIFY = True
    with pytest.raises(AssertionError, match="not the one it builds now"):
        query.all(name=st_elisabeths.name)
    settings.PREPARED_VERIFY = False
    assert query.all(name=st_elisabeths.name) == [st_elisabeths]  # what was prepared


def test_a_prepared_query_cannot_be_refined(st_elisabeths):
    query = Prepared(_schools_named, {"name": str})
    REGISTRY.remove(query)
    with pytest.raises(TypeError, match="read as it is"):
        query._queryset({"name": st_elisabeths.name}).filter(pk=1)


def test_columns_are_converted_as_django_converts_them_on_every_connection(st_elisabeths):
    """A JSON column comes back as the dict it stored, from this thread's connection and from
    another's (each its own converters)."""
    import threading

    from django.db import connection

    from notifications.models import Channel, Kind, Notification

    user = person(st_elisabeths, "staff")
    row = Notification.objects.create(
        recipient=user, kind=Kind.MESSAGE, channel=Channel.EMAIL, message={"subject": "Hello"}
    )
    query = Prepared(lambda pk: Notification.objects.filter(pk=pk), {"pk": int})
    REGISTRY.remove(query)
    assert query.one(pk=row.pk).message == {"subject": "Hello"}
    seen = []

    def elsewhere() -> None:
        # Another thread has its own connection, which does not see this test's transaction:
        # what it reads is converted with its own connection's converters all the same.
        seen.append(query.all(pk=row.pk))
        connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert seen == [[]]
    assert len(query.template().converters) == 2  # found once for each connection
