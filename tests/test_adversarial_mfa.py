"""A penetration test of two-factor authentication: every route of tests/test_route_matrix.py,
asked for by a Head and a DSL who have a password but no authenticator, with MFA_REQUIRED on,
in every way a client can vary a request (htmx and XHR headers, JSON, methods, content types,
spellings of the path). Each answer must be a redirect to the set-up page (an HX-Redirect for
htmx) with no content, and nothing may change in the database.

One test per route, with every variant inside it: the world the matrix builds is the slow part,
and the refusals themselves are cheap (they never reach a view).
"""

import hashlib
import json
import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.test import Client

from incidents.models import Incident
from people.models import Membership, Role
from tests import test_route_matrix
from tests.factories import MembershipFactory
from tests.test_route_matrix import MATRIX

world = test_route_matrix.world  # the matrix's fixture: one of everything, owned by Bob

ACTIVATE = "/accounts/2fa/totp/activate/"
PORTAL_APPS = ["people", "policies", "acknowledgements", "incidents", "notifications", "audit"]
HEADERS = {
    "plain": {},
    "htmx": {"HX-Request": "true"},
    "boosted": {"HX-Boosted": "true"},
    "htmx-boosted": {"HX-Request": "true", "HX-Boosted": "true"},
    "xhr": {"X-Requested-With": "XMLHttpRequest"},
    "json": {"Accept": "application/json"},
}
METHODS = ["GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"]
# A body that would do something on most of the portal's forms.
FORM = "text=x&to=closed&role=head&decision=approve&reason=x&approved_by=x&email=e%40x.example"
BODIES = [
    ("application/x-www-form-urlencoded", FORM),
    ("application/json", json.dumps({"text": "x", "to": "closed", "role": "head"})),
    ("multipart/form-data; boundary=B", '--B\r\nContent-Disposition: form-data; name="text"\r\n\r\nx\r\n--B--\r\n'),
    ("text/plain", "text=x"),
]  # fmt: skip


def spellings(path: str) -> list[str]:
    """The same route spelled otherwise: what a prefix match on the raw path would miss."""
    inner = path[1:]
    found = [path.rstrip("/") if path.endswith("/") and path != "/" else path + "/"]
    if "/" in inner.rstrip("/"):
        found.append("/" + inner.replace("/", "//", 1))  # a doubled slash
        found.append("/" + inner.replace("/", "%2F", 1))  # an encoded slash
    else:
        found.append(path + "/")
    if inner[:1].isalpha():
        found.append(f"/%{ord(inner[0]):02X}{inner[1:]}")  # /incidents/ as /%69ncidents/
        found.append(path.upper())
    return found


def fingerprint() -> str:
    """Every row count of the portal's tables and allauth's authenticators, and the fields an
    allowed POST would update in place (roles ending, a case's status and owner)."""
    counts = {m._meta.label: m.objects.count() for a in PORTAL_APPS for m in apps.get_app_config(a).get_models()}  # fmt: skip
    counts["authenticators"] = Authenticator.objects.count()
    updates = [
        list(Membership.objects.order_by("pk").values_list("pk", "role", "ends_on")),
        list(Incident.objects.order_by("pk").values_list("pk", "status", "owner_id")),
    ]
    return hashlib.sha256(repr((sorted(counts.items()), updates)).encode()).hexdigest()


def assert_sent_to_set_up(response, headers: dict, what: str) -> None:
    if headers.get("HX-Request") == "true":
        assert (response.status_code, response.get("HX-Redirect")) == (200, ACTIVATE), what
    else:
        assert (response.status_code, response.get("Location")) == (302, ACTIVATE), what
    assert response.content == b"", what


def variants(path: str):
    """(method, path, headers, content type, body) for every way of asking for the route."""
    for headers in HEADERS.values():
        for method in METHODS:
            yield method, path, headers, *BODIES[0]
    for content_type, body in BODIES[1:]:
        for headers in (HEADERS["plain"], HEADERS["htmx"]):
            yield "POST", path, headers, content_type, body
    for spelled in spellings(path):
        for method in ("GET", "POST"):
            for headers in (HEADERS["plain"], HEADERS["htmx"]):
                yield method, spelled, headers, *BODIES[0]


def ask(client: Client, method: str, path: str, headers: dict, content_type: str, body: str):
    if method in ("GET", "HEAD", "OPTIONS"):
        return client.generic(method, path, headers=headers)
    return client.generic(method, path, body, content_type=content_type, headers=headers)


def try_every_variant(client: Client, path: str) -> None:
    before = fingerprint()
    for method, spelled, headers, content_type, body in variants(path):
        response = ask(client, method, spelled, headers, content_type, body)
        assert_sent_to_set_up(response, headers, f"{method} {spelled} {headers} {content_type}")
    assert fingerprint() == before, f"a request to {path} changed something"


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED = True


@pytest.mark.parametrize("name", list(MATRIX))
def test_no_route_answers_an_unenrolled_head_or_dsl_in_any_form(world, mfa_required, name):
    people, objects = world
    path = MATRIX[name][1].format(**objects)
    for role in ("head", "dsl"):
        client = Client()
        client.force_login(people[role])
        try_every_variant(client, path)


def test_the_same_requests_reach_their_views_once_two_factor_is_passed(world, mfa_required):
    """The control for the suite above: its refusals are the requirement's, not the route's."""
    people, objects = world
    dsl = people["dsl"]
    client = Client()
    client.force_login(dsl)
    assert client.get(ACTIVATE).status_code == 200
    passed_code(client, TOTP.activate(dsl, generate_totp_secret()).instance)
    assert client.get("/incidents/queue/").status_code == 200
    case = f"/incidents/{objects['case']}/"
    assert client.get(case, headers=HEADERS["htmx"]).status_code == 200
    assert client.get("/notifications/bell/", headers=HEADERS["htmx"]).content != b""
    before = fingerprint()
    client.post(case + "act/note/", FORM, content_type=BODIES[0][0])
    assert fingerprint() != before  # a note is saved: the fingerprint sees a POST's effect


def passed_code(client: Client, authenticator: Authenticator) -> None:
    """As allauth leaves a session after its code step (allauth.mfa's post_authentication)."""
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        *session[AUTHENTICATION_METHODS_SESSION_KEY],
        {"method": "mfa", "at": time.time(), "id": authenticator.pk, "type": "totp"},
    ]
    session.save()


def every_route(objects: dict) -> list[str]:
    return [path.format(**objects) for _, path, _ in MATRIX.values()]


def test_a_teacher_made_a_dsl_mid_session_is_stopped_on_every_route(
    world, mfa_required, st_elisabeths
):
    people, objects = world
    teacher = people["colleague"]
    client = Client()
    client.force_login(teacher)
    assert client.get("/").status_code == 200
    MembershipFactory(user=teacher, school=st_elisabeths, role=Role.DSL)
    for path in every_route(objects):
        for headers in HEADERS.values():
            assert_sent_to_set_up(client.get(path, headers=headers), headers, f"GET {path}")
            assert_sent_to_set_up(client.post(path, headers=headers), headers, f"POST {path}")


def test_a_dsl_whose_authenticator_is_deleted_is_stopped_on_every_route(world, mfa_required):
    people, objects = world
    dsl = people["dsl"]
    client = Client()
    client.force_login(dsl)
    passed_code(client, TOTP.activate(dsl, generate_totp_secret()).instance)
    assert client.get("/incidents/queue/").status_code == 200
    Authenticator.objects.filter(user=dsl).delete()
    before = fingerprint()
    for path in every_route(objects):
        for headers in HEADERS.values():
            assert_sent_to_set_up(client.get(path, headers=headers), headers, f"GET {path}")
            assert_sent_to_set_up(client.post(path, headers=headers), headers, f"POST {path}")
    assert fingerprint() == before
