"""Two-factor authentication is required of everyone who can see other people's personal data
or any case; everyone else is offered it.

A second factor is an authenticator app's code, a passkey (its user verification on the
device), or, where the school or trust says it trusts it, the multi-factor check its single
sign-on provider asserted in the ID token (signin.receivers records it in the session).

allauth asks for the code at sign-in once a person has an authenticator. This middleware makes
sure the people who must have one do, and that their session went through it: on every request
(deny by default, whatever the headers, method or spelling of the path) a person who holds one
of MFA_ROLES today and whose session has not passed a second factor with an authenticator that
still exists is sent to set one up (or, if they have one, to enter its code), except on the few
pages that doing so needs. Nothing about the requirement is remembered in the session: a role
gained mid-session, or an authenticator deleted, counts from the next request.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef, Value
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from people.models import Membership, Role, User
from signin.models import SingleSignOn

# Everyone who receives cases (incidents.selectors.RECEIVING_ROLES, a test keeps them in step)
# and the Data Protection Lead, who reads the audit log and subject-access exports.
MFA_ROLES = [
    Role.HEAD, Role.DEPUTY_HEAD, Role.DSL, Role.DEPUTY_DSL, Role.CHAIR, Role.VICE_CHAIR,
    Role.TRUST_HR, Role.DPL,
]  # fmt: skip
# The pages someone who still has to pass two-factor may reach, by URL name (never by the
# spelling of the path): setting up an authenticator, entering its code, confirming the
# password that setting one up asks for, and signing out.
ALLOWED_URL_NAMES = frozenset(
    {
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
    }
)
# The authenticators that are a second factor day to day (recovery codes are a way back in).
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Written by signin.receivers when a single sign-on's ID token asserted a multi-factor check.
PROVIDER_MFA_SESSION_KEY = "signin_provider_mfa"
# The authenticators this session set up (allauth verifies a code to activate one, so this
# session has shown the second factor, but allauth records no authentication for it).
ACTIVATED_SESSION_KEY = "conduct_portal_mfa_activated"
MESSAGE = (
    "Your role lets you see other people's personal data, so your account needs two-factor "
    "authentication. Set up an authenticator app or a passkey to continue."
)
CODE_MESSAGE = (
    "Your role lets you see other people's personal data: enter the code from your "
    "authenticator app, or use your passkey, to continue."
)


@dataclass(frozen=True)
class Standing:
    must: bool  # holds a role in MFA_ROLES that has not ended
    enrolled: bool  # has an authenticator app or a passkey
    passed: bool  # this session showed a second factor, with an authenticator that still exists
    provider_passed: bool = False  # its single sign-on asserted MFA, and the school trusts it

    @property
    def blocked(self) -> bool:
        return self.must and not ((self.enrolled and self.passed) or self.provider_passed)


def session_authenticator_ids(request: HttpRequest) -> set[int]:
    """The authenticators this session's sign-in (or re-authentication) used, read through
    allauth's public record of authentication methods, and the ones it set up."""
    ids = {
        record["id"]
        for record in get_authentication_records(request, request.user)
        if record.get("method") == "mfa" and isinstance(record.get("id"), int)
    }
    ids.update(pk for pk in request.session.get(ACTIVATED_SESSION_KEY, []) if isinstance(pk, int))
    return ids


def mfa_standing(
    user: User, authenticator_ids: set[int], provider_id: str | None = None
) -> Standing:
    """Whether the person must have two-factor, has it, and passed it: one query.

    `provider_id`: the single sign-on app whose multi-factor check this session's sign-in
    passed; it counts only while its configuration still trusts it (read here, every request).
    """

    def authenticators():
        return Authenticator.objects.filter(user=OuterRef("pk"))

    passed = (
        Exists(authenticators().filter(pk__in=authenticator_ids))
        if authenticator_ids
        else Value(False)
    )
    provider_passed = (
        Exists(SingleSignOn.objects.filter(app__provider_id=provider_id, trusts_provider_mfa=True))
        if provider_id
        else Value(False)
    )
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            must=Exists(
                Membership.objects.not_ended().filter(user=OuterRef("pk"), role__in=MFA_ROLES)
            ),
            enrolled=Exists(authenticators().filter(type__in=SECOND_FACTORS)),
            passed=passed,
            provider_passed=provider_passed,
        )
        .values_list("must", "enrolled", "passed", "provider_passed")
        .first()
    )
    return Standing(*row) if row else Standing(must=False, enrolled=False, passed=False)


def needs_mfa(user: User) -> bool:
    """Whether the person holds, today or from a later start date, a role that needs it."""
    return Membership.objects.not_ended().filter(user=user, role__in=MFA_ROLES).exists()


def must_keep_authenticator(authenticator: Authenticator) -> bool:
    """Whether removing this authenticator would leave someone who must have two-factor without
    an authenticator app or a passkey (recovery codes alone are no way to sign in day to day)."""
    if authenticator.type not in SECOND_FACTORS:
        return False
    if not settings.MFA_REQUIRED or not needs_mfa(authenticator.user):
        return False
    others = Authenticator.objects.filter(
        user_id=authenticator.user_id, type__in=SECOND_FACTORS
    ).exclude(pk=authenticator.pk)
    return not others.exists()


@receiver(authenticator_added, dispatch_uid="signin.mfa.remember_activation")
def remember_activation(sender, request: HttpRequest, authenticator: Authenticator, **kwargs):
    """allauth's signal, not domain flow: it is the only public hook on activation. The module
    is imported with the middleware, before any request can activate an authenticator."""
    if authenticator.type in SECOND_FACTORS:
        activated = [*request.session.get(ACTIVATED_SESSION_KEY, []), authenticator.pk]
        request.session[ACTIVATED_SESSION_KEY] = activated


def is_allowed_path(path: str, urlconf: str | None = None) -> bool:
    # Resolved as Django will resolve it for the view (the decoded path_info and the request's
    # urlconf), so no spelling of a path reaches another view through the allow-list.
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    return match.url_name in ALLOWED_URL_NAMES and not match.namespace


def is_allowed_page(request: HttpRequest) -> bool:
    return is_allowed_path(request.path_info, getattr(request, "urlconf", None))


def polled_from_allowed_page(request: HttpRequest) -> bool:
    """An htmx request sent by one of the set-up pages themselves (the bell on them polls)."""
    current = request.headers.get("HX-Current-URL", "")
    return is_allowed_path(unquote(urlsplit(current).path), getattr(request, "urlconf", None))


def add_message_once(request: HttpRequest, text: str) -> None:
    """An htmx poll and the page it sends the browser to must not stack the same warning."""
    storage = messages.get_messages(request)
    already = any(message.message == text for message in storage)
    storage.used = False  # reading them above must not consume them (Django's documented way)
    if not already:
        messages.warning(request, text)


def refusal(request: HttpRequest, standing: Standing) -> HttpResponse:
    htmx = bool(getattr(request, "htmx", False))
    if standing.enrolled:
        # An authenticator set up since this session signed in (elsewhere, or by support):
        # its code, not a second one.
        url, text = reverse("mfa_reauthenticate"), CODE_MESSAGE
        if request.method == "GET" and not htmx:
            url += "?" + urlencode({"next": request.get_full_path()})
    else:
        url, text = reverse("mfa_activate_totp"), MESSAGE
    if htmx and polled_from_allowed_page(request):
        # Sending the browser to the set-up page it is already on would reload it for ever:
        # the poll gets nothing, and htmx swaps nothing for a 204.
        return HttpResponse(status=204)
    add_message_once(request, text)
    if htmx:
        # A redirect would be followed by htmx and the set-up page swapped into a corner of the
        # current one: the browser is told to go there instead.
        return HttpResponseClientRedirect(url)
    # Every method: the view never runs, so a POST, PUT or DELETE changes nothing.
    return HttpResponseRedirect(url)


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if settings.MFA_REQUIRED and user.is_authenticated:
            provider_id = request.session.get(PROVIDER_MFA_SESSION_KEY)
            standing = mfa_standing(
                user,
                session_authenticator_ids(request),
                provider_id if isinstance(provider_id, str) else None,
            )
            if standing.blocked and not is_allowed_page(request):
                return refusal(request, standing)
        return self.get_response(request)
