from typing import Any

from allauth.account.adapter import DefaultAccountAdapter

# The internal module, as allauth's own adapter uses it: the public one returns no usage to
# give back on a successful sign-in.
from allauth.core.internal import ratelimit
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from lib.client import client_ip
from people.models import Membership, User

# The rate-limit action (ACCOUNT_RATE_LIMITS in settings) counting failed sign-ins of one
# account from one address: allauth counts per account and per address, never both together.
LOGIN_FAILED_HERE = "login_failed_account_at_address"


class AccountAdapter(DefaultAccountAdapter):
    """People are added by their school; nobody signs themselves up, and a leaver whose
    every role has ended can no longer sign in."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_login(self, request: HttpRequest, user: User, **kwargs) -> HttpResponse | None:
        if not user.is_staff and not Membership.objects.not_ended().filter(user=user).exists():
            messages.error(
                request,
                "Your access to the Conduct Portal has ended. If you think this is wrong, "
                "ask your school office.",
            )
            return HttpResponseRedirect(reverse("account_login"))
        return super().pre_login(request, user, **kwargs)

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's throttling and session list use the portal's one rule (lib/client.py)."""
        ip = client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Count a sign-in attempt for the account at this address before allauth counts it
        for the account and for the address.

        The tight limit is per account *and* address, so one person's typos stop only that
        person there, not the colleagues who share the school's public address. Checked first,
        so that once it refuses, further attempts are not counted against the address's
        ceiling either. A successful sign-in gives the attempt back, as allauth does its own.
        """
        login = str(credentials.get("email") or credentials.get("username") or "").lower()
        here = ratelimit.consume(
            request,
            app="allauth.account",
            action=LOGIN_FAILED_HERE,
            key=f"{login} {self.get_client_ip(request)}",
        )
        if not here:
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)
        self._here_usage = here

    def authenticate(self, request: HttpRequest, **credentials: Any) -> User | None:
        self._here_usage = None
        user = super().authenticate(request, **credentials)
        if user is not None and self._here_usage:
            self._here_usage.rollback()
        return user
