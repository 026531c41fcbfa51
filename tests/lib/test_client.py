"""One client address for throttling, sign-off evidence and the audit log, trusting
X-Forwarded-For only as far as TRUSTED_PROXY_COUNT proxies of our own wrote it."""

import pytest
from django.test import RequestFactory

from acknowledgements.models import SignOff
from audit.models import Action, AuditEvent
from lib.client import client_ip
from tests.factories import PASSWORD

FORGED = "203.0.113.66"  # what a client writes into the header itself
CLIENT = "198.51.100.7"  # the address our proxy was reached from, appended by it
PROXY = "10.0.0.2"  # the proxy itself, as gunicorn sees the connection


def request(forwarded: str | None = None, remote: str = PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_with_no_trusted_proxy_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(f"{FORGED}, {CLIENT}")) == PROXY


def test_behind_one_proxy_the_client_is_the_address_it_appended_and_a_forged_one_is_ignored(
    settings,
):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(CLIENT)) == CLIENT
    assert client_ip(request(f"{FORGED}, {CLIENT}")) == CLIENT
    assert client_ip(request(f"{FORGED},{CLIENT}")) == CLIENT


def test_behind_two_proxies_the_client_is_the_second_address_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(f"{FORGED}, {CLIENT}, 10.0.0.9")) == CLIENT


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", "unknown, garbage"], ids=repr)
def test_a_missing_short_or_unreadable_header_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1 if forwarded != "unknown, garbage" else 3
    assert client_ip(request(forwarded)) == PROXY


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("198.51.100.7:52100", "198.51.100.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_addresses_are_normalised_as_the_database_stores_them(settings, written, address):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(written)) == address


def test_no_request_and_no_address_is_none(settings):
    assert client_ip(None) is None
    assert client_ip(request(remote="")) is None


@pytest.mark.parametrize(("proxies", "recorded"), [(0, PROXY), (1, CLIENT)])
def test_the_sign_off_and_the_audit_log_record_the_same_address(
    client, settings, bob, se_policy, proxies, recorded
):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{FORGED}, {CLIENT}"}
    client.post("/accounts/login/", {"login": "bob@se.example", "password": PASSWORD}, **headers)
    client.post(
        f"/acknowledgements/sign/{se_policy.pk}/",
        {"text_sha256": se_policy.content_sha256},
        **headers,
    )
    assert SignOff.objects.get(user=bob).ip_address == recorded
    assert AuditEvent.objects.get(action=Action.SIGN_IN).ip_address == recorded
