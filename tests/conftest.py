import os
import time

import pytest
from allauth.account.authentication import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
)
from django.core.cache import cache
from django.test import Client, RequestFactory
from hypothesis import settings as hypothesis_settings

from lib.immutability import erasure_permitted
from notifications import services as notification_services
from people.models import Role, School
from policies.models import PolicyVersion
from signin import sessions
from tests.factories import SchoolFactory, TrustFactory, import_source, person, publish

pytest_plugins = ["tests.journeys", "tests.reports", "tests.oidc"]

# Generated worlds explore anew on every developer's run; in CI they run the same examples each
# time, so a landing is never decided by which worlds chance picked (a failure found locally is
# replayed from .hypothesis/ until fixed).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session", autouse=True)
def flush_is_a_sanctioned_erasure():
    """Transactional tests empty the database after each test. The immutability triggers let
    that through only as a sanctioned erasure, the same path retention uses."""
    from django.core.management.commands import flush

    original = flush.Command.handle

    def handle(self, *args, **options):
        with erasure_permitted(using=options.get("database", "default")):
            return original(self, *args, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(autouse=True)
def force_login_is_a_fresh_sign_in(monkeypatch):
    """A real sign-in records when the person authenticated (allauth reads it before sensitive
    actions); the test client's force_login does the same, so tests act as if just signed in."""
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[sessions.STARTED] = session[sessions.SEEN] = time.time()
        session[sessions.AUTHENTICATION_RECORDS_USER_KEY] = str(user.pk)
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "email": user.email, "reauthenticated": True}
        ]
        session.save()
        # Read back through allauth's public reader, so a renamed key fails here, loudly.
        request = RequestFactory().get("/")
        request.session = session
        assert get_authentication_records(request, user), "allauth's session keys changed"

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache, as the database starts empty: a cached dashboard
    or rate-limit count must not outlive the rows it was computed from."""
    cache.clear()


@pytest.fixture(autouse=True)
def broker_presumed_up(monkeypatch):
    """No test inherits another's broker failure (notifications.services rests after one)."""
    monkeypatch.setattr(notification_services, "broker", notification_services.BrokerState())


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def st_elisabeths(db) -> School:
    return SchoolFactory(
        name="St Elisabeth's CE Primary School", slug="st-elisabeths", head_title="Head of School"
    )


@pytest.fixture
def villiers(db) -> School:
    trust = TrustFactory(name="SHINE Academies Trust", slug="shine")
    return SchoolFactory(
        name="Villiers Primary School", slug="villiers", trust=trust, head_title="Head Teacher"
    )


@pytest.fixture
def alice(st_elisabeths):
    """Alice is the Head of School at St Elisabeth's."""
    return person(
        st_elisabeths, Role.STAFF, Role.HEAD, full_name="Alice Archer", email="alice@se.example"
    )


@pytest.fixture
def bob(st_elisabeths):
    """Bob teaches at St Elisabeth's."""
    return person(st_elisabeths, full_name="Bob Baker", email="bob@se.example")


@pytest.fixture
def charlie(villiers):
    """Charlie teaches at Villiers, the other school."""
    return person(villiers, full_name="Charlie Chen", email="charlie@villiers.example")


@pytest.fixture
def se_policy(st_elisabeths) -> PolicyVersion:
    """St Elisabeth's real policy, published as version 1."""
    return publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths))


@pytest.fixture
def villiers_policy(villiers) -> PolicyVersion:
    """Villiers' real staff policy, published as version 1."""
    return publish(import_source("villiers-staff-social-media.md", school=villiers))
