"""Reads about single sign-on: whose configuration a sign-in came through, who it applies to."""

from allauth.socialaccount.models import SocialAccount
from django.db.models import Q, QuerySet

from people.models import Membership, School, Trust, User
from signin.models import PasskeyPolicy, SingleSignOn


def provider_id_for(organisation: School | Trust) -> str:
    """Part of the redirect URI registered with the provider: stable, and never reused."""
    kind = "school" if isinstance(organisation, School) else "trust"
    return f"{kind}-{organisation.pk}"


def configuration_for(organisation: School | Trust) -> SingleSignOn | None:
    field = "school" if isinstance(organisation, School) else "trust"
    return (
        SingleSignOn.objects.select_related("app", "emergency_admin")
        .filter(**{field: organisation})
        .first()
    )


def configuration_for_app(provider_id: str) -> SingleSignOn | None:
    return (
        SingleSignOn.objects.select_related("app", "school", "trust")
        .filter(app__provider_id=provider_id)
        .first()
    )


def members(configuration: SingleSignOn) -> QuerySet[Membership]:
    """Memberships not ended that the configuration covers: a school's own people and the
    trust's central staff who work there; for a trust, its central staff and every school's."""
    if configuration.school_id:
        return Membership.objects.not_ended().covering(configuration.school)
    return Membership.objects.not_ended().filter(
        Q(trust_id=configuration.trust_id) | Q(school__trust_id=configuration.trust_id)
    )


def is_member(configuration: SingleSignOn, user: User) -> bool:
    return members(configuration).filter(user=user).exists()


def _where(user: User) -> Q:
    """The schools and trusts where the person has a role not ended: their schools and those
    schools' trusts, and their trust for trust-level roles."""
    memberships = Membership.objects.not_ended().filter(user=user)
    school_ids = memberships.exclude(school=None).values("school_id")
    trust_ids = memberships.exclude(trust=None).values("trust_id")
    school_trusts = School.objects.filter(id__in=school_ids).exclude(trust=None).values("trust_id")
    return Q(school_id__in=school_ids) | Q(trust_id__in=trust_ids) | Q(trust_id__in=school_trusts)


def configurations_applying_to(user: User) -> list[SingleSignOn]:
    return list(SingleSignOn.objects.select_related("app", "school", "trust").filter(_where(user)))


def passkey_policy_for(organisation: School | Trust) -> PasskeyPolicy | None:
    field = "school" if isinstance(organisation, School) else "trust"
    return PasskeyPolicy.objects.filter(**{field: organisation}).first()


def passkey_sign_in_refused_by(user: User) -> PasskeyPolicy | None:
    """A school or trust of the person's that does not let its people sign in with a passkey
    alone (the strictest applies), if any."""
    return (
        PasskeyPolicy.objects.select_related("school", "trust")
        .filter(_where(user), sign_in_allowed=False)
        .first()
    )


def password_refused_by(user: User) -> SingleSignOn | None:
    """The single-sign-on-only configuration that refuses this person a password, if any: the
    named emergency administrator keeps theirs."""
    for configuration in configurations_applying_to(user):
        if configuration.only and configuration.emergency_admin_id != user.pk:
            return configuration
    return None


def not_yet_signed_in(configuration: SingleSignOn) -> int:
    """How many people it covers have never signed in with its provider."""
    connected = SocialAccount.objects.filter(provider=configuration.app.provider_id).values(
        "user_id"
    )
    return (
        members(configuration).exclude(user_id__in=connected).values("user_id").distinct().count()
    )
