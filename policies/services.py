"""Writes to policies: importing, drafting and publishing. Reads are in selectors.py."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from lib.batch import BatchRun, run_each
from notifications.services import email_queue
from people.models import Role, School, Trust, User
from people.selectors import holders_of
from policies.importer import derived_key, parse_policy
from policies.models import (
    Audience,
    Clause,
    Policy,
    PolicyVersion,
    ReviewReminder,
    VersionStatus,
    content_sha256,
)

logger = logging.getLogger(__name__)


class VersionNotEditable(ValidationError):
    """A published or superseded version never changes; only a draft does."""

    def __init__(self, version: PolicyVersion) -> None:
        super().__init__(
            f"Version {version.number} of “{version.policy.title}” is "
            f"{version.get_status_display().lower()} and can no longer be changed. "
            "Start a new draft to change the policy."
        )


def _audit(version: PolicyVersion, by: User | None, detail: str, action: str = "") -> None:
    audit_record(
        action=action or Action.POLICY_CHANGED,
        actor=by,
        school=version.policy.school,
        record=version,
        detail=f"{version.policy.title} v{version.number}: {detail}",
    )


def _require_draft(version: PolicyVersion) -> None:
    # Re-read the status under a row lock, so a publish in another request cannot slip between.
    status = PolicyVersion.objects.select_for_update().values_list("status", flat=True)
    if status.get(pk=version.pk) != VersionStatus.DRAFT:
        raise VersionNotEditable(version)


@transaction.atomic
def policy_import(
    *,
    text: str,
    school: School | None = None,
    trust: Trust | None = None,
    by: User | None = None,
    title: str | None = None,
) -> PolicyVersion:
    """Read a policy file into a new draft version; the policy is created if it is new.

    A policy is matched by owner and title, so importing a revised file makes the next version.
    Raises PolicyFormatError (naming the line) before anything is written.
    """
    parsed = parse_policy(text)
    title = title or parsed.title
    audience = Audience(parsed.header.get("audience", Audience.STAFF))
    policy, _ = Policy.objects.get_or_create(
        title=title, school=school, trust=trust, defaults={"audience": audience}
    )
    if policy.versions.filter(status=VersionStatus.DRAFT).exists():
        raise ValidationError(f"“{title}” already has a draft; publish or discard it first.")
    version = PolicyVersion.objects.create(
        policy=policy, number=_next_number(policy), created_by=by
    )
    Clause.objects.bulk_create(
        Clause(
            version=version,
            key=c.key,
            position=i,
            section=c.section,
            text=c.text,
            gap_before=c.gap_before or None,
        )
        for i, c in enumerate(parsed.clauses, start=1)
    )
    _audit(version, by, f"imported {len(parsed.clauses)} clauses as a draft")
    logger.info(
        "Imported %s clauses into draft v%s of policy %s",
        len(parsed.clauses),
        version.number,
        policy.pk,
    )
    return version


def _next_number(policy: Policy) -> int:
    return (policy.versions.aggregate(last=Max("number"))["last"] or 0) + 1


@transaction.atomic
def draft_start(*, policy: Policy, by: User) -> PolicyVersion:
    """The policy's draft: the existing one, or a new copy of the current published version."""
    Policy.objects.select_for_update().get(pk=policy.pk)
    draft = policy.versions.filter(status=VersionStatus.DRAFT).first()
    if draft:
        return draft
    current = policy.versions.filter(status=VersionStatus.PUBLISHED).first()
    draft = PolicyVersion.objects.create(policy=policy, number=_next_number(policy), created_by=by)
    if current:
        Clause.objects.bulk_create(
            Clause(
                version=draft,
                key=c.key,
                position=c.position,
                section=c.section,
                text=c.text,
                gap_before=c.gap_before,  # the source's gap is still there until filled
            )
            for c in current.clauses.all()
        )
    _audit(draft, by, "draft started")
    logger.info("Draft v%s of policy %s started by user %s", draft.number, policy.pk, by.pk)
    return draft


@transaction.atomic
def draft_discard(*, version: PolicyVersion, by: User | None = None) -> None:
    _require_draft(version)
    _audit(version, by, "draft discarded")
    version.delete()


def _renumber(version: PolicyVersion, ordered: list[Clause]) -> None:
    for position, clause in enumerate(ordered, start=1):
        clause.position = position
    Clause.objects.bulk_update(ordered, ["position"])


@transaction.atomic
def clause_add(
    *,
    version: PolicyVersion,
    section: str,
    text: str,
    key: str = "",
    after: Clause | None = None,
    by: User | None = None,
) -> Clause:
    """Add a clause after another (or at the end). With no key, one is derived from its section."""
    _require_draft(version)
    clauses = list(version.clauses.all())
    keys = {c.key for c in clauses}
    key = key.strip()
    if not key:
        ordinal = 1
        while derived_key(section, ordinal) in keys:
            ordinal += 1
        key = derived_key(section, ordinal)
    elif key in keys:
        raise ValidationError({"key": f"This version already has a clause {key}."})
    clause = Clause(
        version=version, key=key, section=section.strip(), text=text.strip(), position=0
    )
    index = clauses.index(after) + 1 if after else len(clauses)
    clauses.insert(index, clause)
    clause.position = index + 1
    clause.save()
    _renumber(version, clauses)
    _audit(version, by, f"clause {clause.key} added")
    return clause


@transaction.atomic
def clause_update(*, clause: Clause, section: str, text: str, by: User | None = None) -> Clause:
    _require_draft(clause.version)
    clause.section = section.strip()
    clause.text = text.strip()
    clause.save(update_fields=["section", "text"])
    _audit(clause.version, by, f"clause {clause.key} changed")
    return clause


@transaction.atomic
def clause_remove(*, clause: Clause, by: User | None = None) -> None:
    version = clause.version
    _require_draft(version)
    clause.delete()
    _renumber(version, list(version.clauses.all()))
    _audit(version, by, f"clause {clause.key} removed")


@transaction.atomic
def clause_move(*, clause: Clause, offset: int, by: User | None = None) -> None:
    """Move a clause up (offset -1) or down (+1) in its version."""
    version = clause.version
    _require_draft(version)
    clauses = list(version.clauses.all())
    index = next(i for i, c in enumerate(clauses) if c.pk == clause.pk)
    target = min(max(index + offset, 0), len(clauses) - 1)
    clauses.insert(target, clauses.pop(index))
    _renumber(version, clauses)
    _audit(version, by, f"clause {clause.key} moved")


@transaction.atomic
def version_publish(
    *,
    version: PolicyVersion,
    by: User | None,
    approved_by: str,
    approved_on: datetime.date,
    review_due: datetime.date,
    summary_of_changes: str = "",
) -> PolicyVersion:
    """Publish a draft: the version before it is superseded, and sign-off opens for everyone.

    The version is re-read under a row lock first: of two publishes at once (a double click),
    the second waits for the first and is refused, so one version is published once, with one
    audit row and one set of reminders later.
    """
    version.refresh_from_db(from_queryset=PolicyVersion.objects.select_for_update())
    if version.status == VersionStatus.PUBLISHED:
        raise ValidationError(f"Version {version.number} has already been published.")
    _require_draft(version)
    clauses = list(version.clauses.all())
    if not clauses:
        raise ValidationError("A version with no clauses cannot be published.")
    if review_due <= approved_on:
        raise ValidationError({"review_due": "The review date must be after the approval date."})
    previous = version.policy.versions.filter(status=VersionStatus.PUBLISHED)
    if previous.exists() and not summary_of_changes.strip():
        raise ValidationError({"summary_of_changes": "Say what changed since the last version."})
    previous.update(status=VersionStatus.SUPERSEDED)
    version.status = VersionStatus.PUBLISHED
    version.published_by = by
    version.published_at = timezone.now()
    version.approved_by = approved_by.strip()
    version.approved_on = approved_on
    version.review_due = review_due
    version.summary_of_changes = summary_of_changes.strip()
    version.content_sha256 = content_sha256(clauses)
    version.save()
    _audit(version, by, f"published, approved by {version.approved_by}", Action.POLICY_PUBLISHED)
    logger.info(
        "Policy %s v%s published by user %s", version.policy_id, version.number, by and by.pk
    )
    return version


REVIEW_REMINDER_DAYS = 30


def review_reminders_send(*, today: datetime.date | None = None) -> BatchRun:
    """Remind each policy's owner once, 30 days before its current version's review falls due.

    The reminder row is written before the e-mail is queued, in one transaction per version, so
    however often the schedule runs, and however many run at once, each version gets one. A
    version whose reminder fails is logged and tried again on a later run (lib.batch); the
    others are reminded all the same. The result names versions by id.
    """
    today = today or timezone.localdate()
    due = (
        PolicyVersion.objects.filter(
            status=VersionStatus.PUBLISHED,
            review_due__lte=today + datetime.timedelta(days=REVIEW_REMINDER_DAYS),
            review_reminder__isnull=True,
        )
        .select_related("policy", "policy__school", "policy__trust", "policy__owner")
        .order_by("pk")
    )
    return run_each("policy-review-reminders", due, _review_remind)


def _review_remind(version: PolicyVersion) -> bool:
    recipients = _policy_owners(version.policy)
    if not recipients:
        logger.warning("Policy %s has nobody to remind of its review", version.policy_id)
        return False
    try:
        with transaction.atomic():
            ReviewReminder.objects.create(version=version, sent_to=recipients[0])
    except IntegrityError:
        return False  # another run reminded them a moment ago
    for recipient in recipients:
        email_queue(recipient=recipient, template="policy_review_due", context={"version": version})
    logger.info("Review reminder for policy %s v%s queued", version.policy_id, version.number)
    return True


def _policy_owners(policy: Policy) -> list[User]:
    if policy.school_id:
        return holders_of(Role.HEAD, policy.school)
    return [policy.owner] if policy.owner else []
