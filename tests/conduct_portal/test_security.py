"""Headers, sessions, sign-in limits, two-factor authentication and re-authentication."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value
from django.contrib.sessions.models import Session
from django.core.cache import cache

from people.models import Role
from signin import sessions
from tests.factories import PASSWORD, import_source, person, publish

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_every_page_has_a_content_security_policy_with_no_inline_script(client, bob):
    client.force_login(bob)
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_carries_inline_script_or_style():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if inline_script.search(path.read_text()) or ' style="' in path.read_text()
    ]
    assert offenders == []


def test_production_passes_djangos_deployment_checks():
    # As production runs: without the test run's DJANGO_ALLOW_ASYNC_UNSAFE (for Playwright).
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_ENV": "production",
        "SECRET_KEY": "test-only-7f3Kq9Lm2Xz8Wv5Rb1Nc4Hd6Jt0Yp3Ga" * 2,
        "ALLOWED_HOSTS": "portal.example",
        "MFA_REQUIRED": "true",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_signing_in_gives_a_new_session_id_and_signing_out_ends_it_on_the_server(client, bob):
    client.get("/accounts/login/")
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    sign_in(client, "bob@se.example")
    after = client.cookies["sessionid"].value
    assert after != before
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=after).exists()


@pytest.mark.parametrize(
    ("key", "ago"), [(sessions.SEEN, 31 * 60), (sessions.STARTED, 12 * 60 * 60 + 1)],
    ids=["30 minutes idle", "12 hours after sign-in"],
)  # fmt: skip
def test_a_session_ends_when_idle_or_too_old(client, bob, key, ago):
    client.force_login(bob)
    session = client.session
    session[key] = time.time() - ago
    session.save()
    response = client.get("/policies/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/policies/"
    assert "you were signed out" in client.get(response.url).text
    assert client.get("/").status_code == 302


def test_a_person_can_end_their_other_sessions(client, bob):
    from django.test import Client

    other = Client()
    sign_in(other, "bob@se.example")
    sign_in(client, "bob@se.example")
    page = client.get("/accounts/sessions/")
    assert page.status_code == 200
    client.post("/accounts/sessions/", {"action": "sign_out"})
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200


# Sign-in limits: tests/people/test_sign_in_limits.py.


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED = True


def test_a_dsl_without_two_factor_must_set_it_up_before_anything_else(
    client, mfa_required, st_elisabeths
):
    dsl = person(st_elisabeths, Role.STAFF, Role.DSL)
    client.force_login(dsl)
    response = client.get("/incidents/queue/")
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/totp/activate/"
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


@pytest.mark.parametrize(
    "role", [Role.HEAD, Role.DEPUTY_HEAD, Role.DSL, Role.DEPUTY_DSL, Role.CHAIR, Role.DPL]
)
def test_every_role_that_sees_personal_data_needs_two_factor(
    client, mfa_required, st_elisabeths, role
):
    client.force_login(person(st_elisabeths, role))
    assert client.get("/").url == "/accounts/2fa/totp/activate/"


def test_a_teacher_is_offered_two_factor_but_not_made_to(client, mfa_required, bob):
    client.force_login(bob)
    assert client.get("/").status_code == 200
    assert client.get("/accounts/2fa/").status_code == 200


def test_with_an_authenticator_sign_in_asks_for_the_code(client, mfa_required, st_elisabeths):
    dsl = person(st_elisabeths, Role.STAFF, Role.DSL, email="dsl@se.example")
    secret = generate_totp_secret()
    TOTP.activate(dsl, secret)
    response = sign_in(client, "dsl@se.example")
    assert response.url == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert "_auth_user_id" not in client.session and wrong.status_code == 200
    code = hotp_value(secret, int(time.time()) // 30)
    client.post("/accounts/2fa/authenticate/", {"code": f"{code:06d}"})
    assert client.session["_auth_user_id"] == str(dsl.pk)
    assert client.get("/incidents/queue/").status_code == 200
    assert Authenticator.objects.filter(user=dsl).exists()


def test_publishing_after_a_stale_sign_in_asks_for_the_password_again(client, alice, st_elisabeths):
    from policies.services import draft_start

    version = publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths))
    draft_start(policy=version.policy, by=alice)
    client.force_login(alice)
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] = time.time() - 301
    session.save()
    url = f"/policies/{version.policy_id}/draft/publish/"
    assert client.get(url).status_code == 200  # reading the form is fine
    response = client.post(
        url,
        {
            "approved_by": "Governors",
            "approved_on": "2026-11-20",
            "review_due": "2027-11-20",
            "summary_of_changes": "x",
        },
    )
    assert response.status_code == 302
    assert response.url.startswith("/accounts/reauthenticate/")
    version.policy.versions.get(number=2)  # still a draft
    assert version.policy.versions.get(number=2).status == "draft"


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/acknowledgements/head/?format=csv", None),
        ("/people/st-elisabeths/add/", {"full_name": "X"}),
    ],
)
def test_exports_and_role_changes_also_ask_again_after_a_stale_sign_in(client, alice, url, data):
    client.force_login(alice)
    session = client.session
    session["account_authentication_methods"][0]["at"] = time.time() - 301
    session.save()
    response = client.post(url, data) if data else client.get(url)
    assert response.url.startswith("/accounts/reauthenticate/")


def test_an_htmx_request_that_would_be_redirected_tells_the_browser_to_go_instead(client, bob):
    client.force_login(bob)
    session = client.session
    session[sessions.SEEN] = time.time() - 31 * 60
    session.save()
    response = client.get(
        "/notifications/bell/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/policies/",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/policies/"
    assert response.content == b""


def test_the_dashboard_exports_ask_again_after_a_stale_sign_in(client, st_elisabeths):
    client.force_login(person(st_elisabeths, Role.GOVERNOR))
    session = client.session
    session["account_authentication_methods"][0]["at"] = time.time() - 301
    session.save()
    for export in ("figures.csv", "report.pdf"):
        response = client.get(f"/governance/schools/st-elisabeths/{export}")
        assert response.url.startswith("/accounts/reauthenticate/")
    assert client.get("/governance/schools/st-elisabeths/").status_code == 200


def test_in_production_a_plain_http_health_check_is_answered_and_pages_go_to_https():
    # A load balancer checks /healthz over plain HTTP; a person's page is sent to HTTPS.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_ENV": "production",
        "SECRET_KEY": "test-only-7f3Kq9Lm2Xz8Wv5Rb1Nc4Hd6Jt0Yp3Ga" * 2,
        "ALLOWED_HOSTS": "portal.example",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='portal.example')\n"
        "print(c.get('/healthz').status_code, c.get('/policies/').status_code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False,
        env={**env, "DJANGO_SETTINGS_MODULE": "conduct_portal.settings"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    health, page = result.stdout.split()[-2:]
    assert health in ("200", "503")  # answered: 503 only if this test's database is not there
    assert page == "301"
