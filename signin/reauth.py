"""Sensitive actions (publishing a policy, exporting, changing who holds which role) need an
authentication from the last five minutes: the sign-in itself, or allauth's re-authentication
(password, and the code for those with two-factor), which it asks for when the last is older."""

import time
from collections.abc import Callable
from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.core.exceptions import ReauthenticationRequired
from django.conf import settings
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def authenticated_recently(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    latest = max((record.get("at", 0) for record in records), default=0)
    return time.time() - latest < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def recent_authentication_required(
    view: View | None = None, *, when: Callable[[HttpRequest], bool] | None = None
) -> View | Callable[[View], View]:
    """By default for POSTs only (a GET shows the form); `when` chooses the requests instead."""
    applies = when or (lambda request: request.method == "POST")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if applies(request) and not authenticated_recently(request):
                raise ReauthenticationRequired()
            return view(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view else decorator
