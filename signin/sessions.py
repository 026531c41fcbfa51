"""Sessions end after 30 minutes idle and 12 hours after sign-in (OWASP ASVS 3.3)."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

STARTED = "session_started_at"
SEEN = "session_seen_at"
# Writing the session on every request would cost a query each time; once a minute is enough.
TOUCH_EVERY = 60
# Whose authentication records the session holds (allauth ignores another user's). allauth
# publishes the records' key and reader (allauth.account.authentication) but not this one;
# tests and the benchmark that build a signed-in session write it, and read the records back
# through the public reader so that a change in allauth fails loudly.
AUTHENTICATION_RECORDS_USER_KEY = "account_authentication_methods_user"


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(STARTED, now)
            seen = session.get(SEEN, now)
            if now - seen > settings.SESSION_IDLE_SECONDS or (
                now - started > settings.SESSION_ABSOLUTE_SECONDS
            ):
                logout(request)
                messages.info(
                    request, "For your security you were signed out. Please sign in again."
                )
                # For an htmx poll, come back to the page it was polling from.
                back = request.htmx.current_url_abs_path if request.htmx else request.path
                return redirect(f"{settings.LOGIN_URL_PATH}?next={back}")
            if now - seen > TOUCH_EVERY or SEEN not in session:
                session[SEEN] = now
        return self.get_response(request)
