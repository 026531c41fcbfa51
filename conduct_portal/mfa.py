"""Two-factor authentication is required of everyone who can see other people's personal data
or any case; everyone else is offered it.

allauth asks for the code at sign-in once a person has an authenticator. This middleware makes
sure the people who must have one do: until they set it up, every page sends them to do so.
"""

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from people.models import Membership, Role

MFA_ROLES = [
    Role.HEAD, Role.DEPUTY_HEAD, Role.DSL, Role.DEPUTY_DSL, Role.CHAIR, Role.TRUST_HR, Role.DPL,
]  # fmt: skip
CHECKED = "mfa_requirement_met"
# Where someone who still has to set up two-factor authentication may go.
ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/reauthenticate/", "/static/")


def needs_mfa(user) -> bool:
    return Membership.objects.not_ended().filter(user=user, role__in=MFA_ROLES).exists()


def has_mfa(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.MFA_REQUIRED
            and user.is_authenticated
            and not request.session.get(CHECKED)
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not request.htmx  # a page's own poll: the page itself is what gets redirected
        ):
            if needs_mfa(user) and not has_mfa(user):
                messages.warning(
                    request,
                    "Your role lets you see other people's personal data, so your account needs "
                    "two-factor authentication. Set up an authenticator app to continue.",
                )
                return redirect("mfa_activate_totp")
            request.session[CHECKED] = True
        return self.get_response(request)
