"""Failed sign-ins are limited per account, so a school whose staff share one public address
is not locked out by one person's typos; a ceiling per address still stops a spray.

The limits (conduct_portal/settings.py, README "Security"): 5 failures in 5 minutes for an
account at one address, 20 an hour for an account from anywhere, 200 an hour from one address,
and 120 sign-in forms a minute from one address.
"""

import time
from types import SimpleNamespace

import pytest
from allauth.core.internal import ratelimit

from people.models import Role
from tests.factories import PASSWORD, person

SCHOOL = "192.0.2.10"  # the school's one public address, shared by its staff
HOME = "198.51.100.20"
WRONG = "wrong-password-1"
REFUSED = "Too many failed login attempts"


def sign_in(client, email, password=PASSWORD, address=SCHOOL):
    client.cookies.clear()
    return client.post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and REFUSED not in response.text


@pytest.fixture
def clock(monkeypatch):
    """allauth's rate-limit clock, moved by hand: a minute or an hour passes in no time."""
    now = [time.time()]
    fake = SimpleNamespace(time=lambda: now[0], monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(ratelimit, "time", fake)

    def advance(seconds: float) -> None:
        now[0] += seconds

    return advance


def test_eleven_failures_of_one_account_do_not_stop_a_colleague_at_the_same_address(
    client, bob, alice
):
    for _ in range(11):
        sign_in(client, "bob@se.example", WRONG)
    assert signed_in(sign_in(client, "alice@se.example"))


def test_an_account_is_refused_at_its_address_after_five_failures_even_with_its_password(
    client, bob
):
    for _ in range(5):
        assert "not correct" in sign_in(client, "bob@se.example", WRONG).text
    refused = sign_in(client, "bob@se.example")
    assert REFUSED in refused.text
    assert "_auth_user_id" not in client.session


def test_the_limit_at_an_address_lapses_after_five_minutes(client, bob, clock):
    for _ in range(5):
        sign_in(client, "bob@se.example", WRONG)
    assert REFUSED in sign_in(client, "bob@se.example").text
    clock(5 * 60 + 1)
    assert signed_in(sign_in(client, "bob@se.example"))


def test_a_successful_sign_in_is_not_counted_against_the_account(client, bob):
    for _ in range(4):
        sign_in(client, "bob@se.example", WRONG)
    for _ in range(3):
        assert signed_in(sign_in(client, "bob@se.example"))
    assert "not correct" in sign_in(client, "bob@se.example", WRONG).text  # the fifth failure


def test_an_account_attacked_from_many_addresses_locks_after_twenty_failures_an_hour(
    client, bob, clock
):
    for n in range(20):
        assert "not correct" in sign_in(client, "bob@se.example", WRONG, f"203.0.113.{n}").text
    assert REFUSED in sign_in(client, "bob@se.example", address="203.0.113.99").text
    assert REFUSED in sign_in(client, "bob@se.example", address=SCHOOL).text
    clock(60 * 60 + 1)
    assert signed_in(sign_in(client, "bob@se.example"))


def test_the_address_ceiling_stops_a_spray_of_many_accounts_but_not_other_addresses(
    client, st_elisabeths, alice, clock
):
    staff = [person(st_elisabeths, Role.STAFF).email for _ in range(40)]
    for email in staff:
        for _ in range(5):  # each account up to its own limit at this address
            clock(1)  # a spray over minutes, under the 120 forms a minute
            assert "not correct" in sign_in(client, email, WRONG).text
    # 200 failures from the school's address in under four minutes: the ceiling is reached.
    assert REFUSED in sign_in(client, "alice@se.example").text
    assert signed_in(sign_in(client, "alice@se.example", address=HOME))


def test_a_locked_account_adds_nothing_to_its_addresss_ceiling(client, bob, alice, clock):
    # Bob keeps trying long after his own limit: only his first 5 count against the address.
    for _ in range(250):
        clock(1)
        sign_in(client, "bob@se.example", WRONG)
    assert signed_in(sign_in(client, "alice@se.example"))


def test_a_staff_room_signing_in_together_is_not_refused(client, st_elisabeths, alice):
    staff = [person(st_elisabeths, Role.STAFF).email for _ in range(40)]
    assert all(signed_in(sign_in(client, email)) for email in staff)


def test_behind_a_trusted_proxy_the_limits_count_the_client_not_the_proxy(
    client, settings, bob, alice
):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            "/accounts/login/",
            {"login": "bob@se.example", "password": WRONG},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=SCHOOL,
        )
    # Bob at home comes through the same proxy: his school's limit is not his home's.
    response = client.post(
        "/accounts/login/",
        {"login": "bob@se.example", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=HOME,
    )
    assert signed_in(response)
