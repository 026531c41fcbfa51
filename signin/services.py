"""Writes about signing in: a school's or trust's single sign-on, and ending leavers' sessions."""

import logging

from allauth.socialaccount.models import SocialApp
from allauth.usersessions.models import UserSession
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from people.models import Membership, School, Trust, User
from signin import selectors
from signin.models import PasskeyPolicy, Provider, SingleSignOn

logger = logging.getLogger(__name__)


def _audit(by: User | None, configuration: SingleSignOn, detail: str) -> None:
    audit_record(
        action=Action.PEOPLE,
        actor=by,
        school=configuration.school,
        record=configuration,
        detail=detail,
    )


@transaction.atomic
def single_sign_on_save(
    *,
    organisation: School | Trust,
    by: User,
    provider: str,
    tenant: str,
    client_id: str,
    secret: str = "",
    trusts_provider_mfa: bool = False,
) -> SingleSignOn:
    """Set up or change the organisation's provider. An empty secret keeps the saved one (it is
    never shown again); a new configuration needs one."""
    tenant = tenant.strip().lower()
    client_id = client_id.strip()
    if provider not in Provider.values:
        raise ValidationError({"provider": "Choose Microsoft or Google."})
    if not tenant:
        raise ValidationError({"tenant": "Enter the tenant (Microsoft) or domain (Google)."})
    if provider == Provider.GOOGLE and "." not in tenant:
        raise ValidationError({"tenant": "Enter the school's Google Workspace domain."})
    if not client_id:
        raise ValidationError({"client_id": "Enter the client ID the provider gave you."})
    configuration = selectors.configuration_for(organisation)
    if configuration is None and not secret:
        raise ValidationError({"secret": "Enter the client secret the provider gave you."})
    app = configuration.app if configuration else SocialApp(provider="openid_connect")
    app.provider_id = selectors.provider_id_for(organisation)
    # The sign-in button's label (allauth shows the app's name; at most 40 characters).
    label = SingleSignOn(provider=provider).button_label
    named = f"{label} ({organisation.name})"
    app.name = named if len(named) <= 40 else label
    app.client_id = client_id
    if secret:
        app.secret = secret
    probe = SingleSignOn(provider=provider, tenant=tenant)
    app.settings = {
        "server_url": probe.server_url(),
        # Google: restricts its account chooser to the school's domain; the returned `hd` claim
        # is still checked (signin.adapters), as a hint alone proves nothing.
        "auth_params": {"hd": tenant} if provider == Provider.GOOGLE else {},
        "oauth_pkce_enabled": True,
    }
    app.save()
    if configuration is None:
        field = "school" if isinstance(organisation, School) else "trust"
        configuration = SingleSignOn(**{field: organisation}, app=app)
    configuration.provider = provider
    configuration.tenant = tenant
    configuration.trusts_provider_mfa = trusts_provider_mfa
    configuration.save()
    # What changed, never the client id or the secret.
    _audit(
        by,
        configuration,
        f"single sign-on set to {Provider(provider).label}"
        + ("; a new client secret saved" if secret else "")
        + ("; the provider's multi-factor check counts" if trusts_provider_mfa else ""),
    )
    logger.info("Single sign-on for %s set by %s", app.provider_id, by.pk)
    return configuration


@transaction.atomic
def single_sign_on_only_set(
    *, configuration: SingleSignOn, by: User, only: bool, emergency_admin: User | None
) -> int:
    """Turn "single sign-on only" on or off; returns how many people have not yet signed in
    with the provider (who will need it the next time they sign in)."""
    if only:
        if emergency_admin is None:
            raise ValidationError(
                {"emergency_admin": "Name the emergency administrator who keeps a password."}
            )
        if not selectors.is_member(configuration, emergency_admin):
            raise ValidationError(
                {"emergency_admin": "The emergency administrator must work here."}
            )
    configuration.only = only
    configuration.emergency_admin = emergency_admin
    configuration.save(update_fields=["only", "emergency_admin", "updated_at"])
    _audit(
        by,
        configuration,
        "single sign-on only turned on" if only else "single sign-on only turned off",
    )
    return selectors.not_yet_signed_in(configuration)


@transaction.atomic
def passkey_sign_in_set(*, organisation: School | Trust, by: User, allowed: bool) -> bool:
    """Let the organisation's people sign in with a passkey alone, or not (a passkey stays a
    second factor either way). False, and nothing recorded, if nothing changed."""
    field = "school" if isinstance(organisation, School) else "trust"
    policy = PasskeyPolicy.objects.select_for_update().filter(**{field: organisation}).first()
    if (policy.sign_in_allowed if policy else True) == allowed:
        return False
    policy = policy or PasskeyPolicy(**{field: organisation})
    policy.sign_in_allowed = allowed
    policy.save()
    audit_record(
        action=Action.PEOPLE,
        actor=by,
        school=policy.school,
        record=policy,
        detail="signing in with a passkey alone " + ("allowed" if allowed else "turned off"),
    )
    return True


def sessions_of_leavers_end(
    *, school_ids: set[int] | None = None, trust_ids: set[int] | None = None
) -> int:
    """End every session of anyone at these schools or trusts (everywhere, if neither is
    given) who no longer has a role anywhere: a leaver is signed out once their last
    membership has ended."""
    today = timezone.localdate()
    if school_ids is None and trust_ids is None:
        here = Membership.objects.all()
    else:
        here = Membership.objects.filter(school_id__in=school_ids or ()) | (
            Membership.objects.filter(trust_id__in=trust_ids or ())
        )
    people = here.values("user_id")
    still_here = Membership.objects.not_ended(today).values("user_id")
    # Ended: none in force today or later (someone leaving today still works today).
    leavers = User.objects.filter(id__in=people).exclude(id__in=still_here).exclude(is_staff=True)
    ended = 0
    for session in UserSession.objects.filter(user__in=leavers).select_related("user"):
        session.end()
        ended += 1
        audit_record(action=Action.SIGN_OUT, actor=session.user, detail="a leaver's session ended")
    return ended
