"""Signing a published version: what the person is shown and confirms, and the sign-off itself."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from acknowledgements.models import SignOff
from audit.models import Action
from audit.services import audit_record
from lib.prepared import prepared
from people.models import Membership, User
from policies.comparison import compare
from policies.models import Audience, PolicyVersion, VersionStatus
from policies.text import clause_texts, clauses_changed

logger = logging.getLogger(__name__)


# The clause whose monitoring notice every sign-off repeats: St Elisabeth's §3.4, or the
# "Monitoring" section of a policy like Villiers'.
MONITORING_CLAUSE_KEYS = ["3.4", "monitoring-1"]


def signoff_statement(version: PolicyVersion, monitoring_text: str) -> str:
    """The confirmation a person signs: what they read, and the monitoring notice."""
    policy = version.policy
    statement = (
        f"I confirm that I have read version {version.number} of the {policy.title} of "
        f"{policy.school or policy.trust}, that I understand it, and that I will follow it."
    )
    if monitoring_text:
        statement += f" I understand that: {monitoring_text}"
    return statement


def monitoring_notice(clauses: list) -> str:
    by_key = {clause.key: clause for clause in clauses}
    clause = next((by_key[k] for k in MONITORING_CLAUSE_KEYS if k in by_key), None)
    return " ".join(clause.text.split()) if clause else ""


def _last_signed(user: User, version: PolicyVersion) -> SignOff | None:
    """The person's sign-off of the latest earlier version of the same policy, if any."""
    return _signed_before.one(user=user.pk, policy=version.policy_id, number=version.number)


@prepared(user=int, policy=int, number=int)
def _signed_before(user: int, policy: int, number: int) -> QuerySet[SignOff]:
    return (
        SignOff.objects.filter(user=user, version__policy=policy, version__number__lt=number)
        .select_related("version")
        .order_by("-version__number")[:1]
    )


def signoff_changes(user: User, version: PolicyVersion):
    """For someone who signed an earlier version: the comparison with the last one they signed."""
    last = _last_signed(user, version)
    if last is None:
        return None, []
    return last, compare(list(last.version.clauses.all()), list(version.clauses.all()))


def _applies_to(version: PolicyVersion, user: User) -> bool:
    """One EXISTS: the person holds a role at the policy's school, or in or under its trust."""
    policy, today = version.policy, timezone.localdate()
    if policy.audience != Audience.STAFF:
        return False
    return bool(
        _role_under.all(user=user.pk, school=policy.school_id, trust=policy.trust_id, today=today)
    )


@prepared(user=int, school=int | None, trust=int | None, today=datetime.date)
def _role_under(
    user: int, school: int | None, trust: int | None, today: datetime.date
) -> QuerySet[Membership]:
    """A role at the policy's school, or in or under its trust (a policy has one or the other)."""
    place = Q(school=school) if school is not None else Q(trust=trust) | Q(school__trust=trust)
    return Membership.objects.not_ended(today).filter(place, user=user).values("pk")[:1]


def _refusal(version: PolicyVersion, user: User) -> str | None:
    if version.status == VersionStatus.DRAFT:
        return "This version is a draft: only a published version can be signed."
    if version.status == VersionStatus.SUPERSEDED:
        return (
            f"Version {version.number} has been replaced by a newer version. "
            "Please read and sign the current version instead."
        )
    if not _applies_to(version, user):
        return "This policy does not apply to you, so there is nothing for you to sign."
    return None


@transaction.atomic
def signoff_record(
    *,
    user: User,
    version: PolicyVersion,
    text_sha256: str,
    ip_address: str | None,
    user_agent: str,
) -> tuple[SignOff, bool]:
    """Record that the person read and accepted the version; returns (sign-off, created).

    A second submit (a double click, another tab) returns the first record unchanged.
    """
    refusal = _refusal(version, user)
    if not refusal and text_sha256 != version.content_sha256:
        refusal = (
            "The text you were shown is not the published text of this version. "
            "Please reload the page, read it again and sign."
        )
    if refusal:
        # Looked for only when refused (a repeat once the version is replaced, say); otherwise
        # the unique constraint finds it, below, at no cost to the first submit.
        if existing := SignOff.objects.filter(user=user, version=version).first():
            return existing, False
        raise ValidationError(refusal)
    clauses = clause_texts(version)
    last = _last_signed(user, version)
    changed = clauses_changed(last.version, version) if last else []
    try:
        with transaction.atomic():
            signoff = SignOff.objects.create(
                user=user,
                version=version,
                text_sha256=version.content_sha256,
                statement=signoff_statement(version, monitoring_notice(clauses)),
                changed_clause_keys=changed,
                ip_address=ip_address,
                user_agent=user_agent[:500],
            )
    except IntegrityError:
        # Signed already (a double click, another tab, or a race): that is the record.
        return SignOff.objects.get(user=user, version=version), False
    audit_record(
        action=Action.SIGNED_OFF, actor=user, school=version.policy.school, record=signoff,
        detail=f"{version.policy.title} v{version.number}",
    )  # fmt: skip
    logger.info("User %s signed policy version %s", user.pk, version.pk)
    return signoff, True
