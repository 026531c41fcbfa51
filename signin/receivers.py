"""Signals this app listens to: people's memberships changing (a leaver's sessions end) and a
sign-in through single sign-on (whether the provider's multi-factor check counts)."""

from functools import partial

from allauth.account.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from audit.models import Action
from audit.services import audit_record
from people.models import User
from people.signals import memberships_changed
from signin import mfa, selectors, services

# The provider_id of the configuration whose provider's multi-factor check this session's
# sign-in passed (signin.mfa reads it, and checks the school still trusts that provider).
PROVIDER_MFA_SESSION_KEY = mfa.PROVIDER_MFA_SESSION_KEY


@receiver(memberships_changed, dispatch_uid="signin.receivers.leavers_signed_out")
def leavers_signed_out(sender, school_ids: set[int], trust_ids: set[int], **kwargs) -> None:
    # Once the write commits: a rolled-back leaver keeps their sessions.
    transaction.on_commit(
        partial(services.sessions_of_leavers_end, school_ids=school_ids, trust_ids=trust_ids)
    )


def asserts_mfa(extra_data: dict) -> bool:
    """Whether the ID token says the person passed a multi-factor check (`amr`, RFC 8176:
    Entra ID sends "mfa"; Google sends no `amr` at all)."""
    token = extra_data.get("id_token") if isinstance(extra_data.get("id_token"), dict) else {}
    amr = token.get("amr") or []
    return isinstance(amr, list) and "mfa" in amr


@receiver(user_logged_in, dispatch_uid="signin.receivers.single_sign_on_recorded")
def single_sign_on_recorded(sender, request: HttpRequest, user: User, **kwargs) -> None:
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is None:
        return
    provider_id = sociallogin.account.provider
    configuration = selectors.configuration_for_app(provider_id)
    if configuration is None:
        return
    passed = asserts_mfa(sociallogin.account.extra_data or {})
    counts = passed and configuration.trusts_provider_mfa
    if counts:
        request.session[PROVIDER_MFA_SESSION_KEY] = provider_id
    else:
        request.session.pop(PROVIDER_MFA_SESSION_KEY, None)
    if counts:
        detail = "with single sign-on; its multi-factor check counted as the second factor"
    elif passed:
        detail = "with single sign-on; the provider's multi-factor check is not trusted here"
    else:
        detail = "with single sign-on; the provider asserted no multi-factor check"
    audit_record(
        action=Action.SIGN_IN,
        actor=user,
        school=configuration.school,
        record=configuration,
        detail=detail,
        request=request,
    )
