"""Writes for sign-off, reminders, declarations and approval requests."""

import datetime
import logging
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from acknowledgements.models import (
    ApprovalRequest,
    ApprovalStatus,
    Declaration,
    DeclarationStatus,
    ReminderStep,
    SignOff,
    SignOffReminder,
)
from acknowledgements.permissions import decidable
from acknowledgements.selectors import current_versions_for_school
from audit.models import Action
from audit.services import audit_record
from lib.batch import run_each
from notifications.models import Kind
from notifications.services import email_queue, notifications_create
from people.models import Membership, Role, School, User
from people.selectors import holders_of
from policies.comparison import compare, keys_changed
from policies.models import Audience, PolicyVersion, VersionStatus
from policies.text import clause_texts

logger = logging.getLogger(__name__)

# The clause whose monitoring notice every sign-off repeats: St Elisabeth's §3.4, or the
# "Monitoring" section of a policy like Villiers'.
MONITORING_CLAUSE_KEYS = ["3.4", "monitoring-1"]


def _tell_in_app(item: Declaration | ApprovalRequest, kind: Kind) -> None:
    """A notification in the portal for the person waiting on a decision, beside its e-mail:
    it says only that there is an answer, and opens the declaration or request."""
    name = (
        "acknowledgements:declaration"
        if isinstance(item, Declaration)
        else "acknowledgements:request"
    )
    notifications_create(
        recipients=[item.user], kind=kind, link=reverse(name, args=[item.pk]), email=False
    )


def _email_on_commit(name: str, *, to: User, context: dict) -> None:
    """Through the outbox: sent by a worker once the transaction commits, retried if need be."""
    email_queue(recipient=to, template=name, context=context)


# Sign-off


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
    return (
        SignOff.objects.filter(
            user=user, version__policy=version.policy, version__number__lt=version.number
        )
        .select_related("version")
        .order_by("-version__number")
        .first()
    )


def signoff_changes(user: User, version: PolicyVersion):
    """For someone who signed an earlier version: the comparison with the last one they signed."""
    last = _last_signed(user, version)
    if last is None:
        return None, []
    return last, compare(list(last.version.clauses.all()), list(version.clauses.all()))


def _applies_to(version: PolicyVersion, user: User) -> bool:
    """One EXISTS: the person holds a role at the policy's school, or in or under its trust."""
    policy = version.policy
    if policy.audience != Audience.STAFF:
        return False
    place = (
        Q(school_id=policy.school_id)
        if policy.school_id
        else (Q(trust_id=policy.trust_id) | Q(school__trust_id=policy.trust_id))
    )
    return Membership.objects.not_ended().filter(place, user=user).exists()


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
    existing = SignOff.objects.filter(user=user, version=version).first()
    if existing:
        return existing, False
    refusal = _refusal(version, user)
    if refusal:
        raise ValidationError(refusal)
    if text_sha256 != version.content_sha256:
        raise ValidationError(
            "The text you were shown is not the published text of this version. "
            "Please reload the page, read it again and sign."
        )
    clauses = clause_texts(version)
    last = _last_signed(user, version)
    changed = keys_changed(clause_texts(last.version), clauses) if last else []
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
        # Another request by the same person won the race: theirs is the record.
        return SignOff.objects.get(user=user, version=version), False
    audit_record(
        action=Action.SIGNED_OFF, actor=user, school=version.policy.school, record=signoff,
        detail=f"{version.policy.title} v{version.number}",
    )  # fmt: skip
    logger.info("User %s signed policy version %s", user.pk, version.pk)
    return signoff, True


# Reminders


def _days_outstanding(version: PolicyVersion, membership: Membership, today: datetime.date) -> int:
    since = max(timezone.localdate(version.published_at), membership.starts_on)
    return (today - since).days


@dataclass(frozen=True)
class _Reminder:
    """One step due for one person (first, second), or a school's digest for the Head."""

    step: str
    version: PolicyVersion
    school: School
    people: tuple[User, ...]

    @property
    def key(self) -> str:
        # Ids only: it names the item in logs and in lib.batch's failure counts.
        who = f"s{self.school.pk}" if self.step == ReminderStep.DIGEST else f"u{self.people[0].pk}"
        return f"{self.step}:v{self.version.pk}:{who}"


def signoff_reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Remind each outstanding person at the school's first and second thresholds, then tell
    the Head who is still outstanding. Each step happens once per person per version.

    Each school is read, and each reminder and digest written and queued, in its own
    transaction (lib.batch): one that fails is logged, counted under "failed", tried again on a
    later run, and stops no other.
    """
    today = today or timezone.localdate()
    planned = run_each(
        "signoff-reminders-plan",
        School.objects.order_by("pk"),
        lambda school: _reminders_due(school, today),
    )
    found = [cast(list[_Reminder], items) for items in planned.outcomes.values()]
    due = {item.key: item for items in found for item in items}
    run = run_each("signoff-reminders", due.values(), _remind, key=lambda item: item.key)
    counts = {step: 0 for step in ReminderStep}
    for key in run.done:
        counts[due[key].step] += cast(int, run.outcomes[key])
    counts["failed"] = len(planned.failed) + len(run.failed)
    logger.info("Sign-off reminders sent: %s", counts)
    return counts


def _reminders_due(school: School, today: datetime.date) -> list[_Reminder]:
    memberships = list(
        Membership.objects.current(on=today).filter(school=school).select_related("school")
    )
    if not memberships:
        return []
    return [
        reminder
        for version in current_versions_for_school(school)
        for reminder in _due_for_version(school, version, memberships, today)
    ]


def _due_for_version(
    school: School, version: PolicyVersion, memberships: list[Membership], today: datetime.date
) -> list[_Reminder]:
    signed = set(SignOff.objects.filter(version=version).values_list("user_id", flat=True))
    done = set(SignOffReminder.objects.filter(version=version).values_list("user_id", "step"))
    # A person's earliest current membership here says when their clock started.
    starts: dict[int, Membership] = {}
    for membership in sorted(memberships, key=lambda m: m.starts_on):
        starts.setdefault(membership.user_id, membership)
    thresholds = [
        (ReminderStep.DIGEST, school.digest_days),
        (ReminderStep.SECOND, school.second_reminder_days),
        (ReminderStep.FIRST, school.first_reminder_days),
    ]
    due: dict[str, list[int]] = {step: [] for step in ReminderStep}
    for user_id, membership in starts.items():
        if user_id in signed:
            continue
        days = _days_outstanding(version, membership, today)
        # The latest step reached that has not gone out yet; earlier steps are not sent late.
        for step, threshold in thresholds:
            if days >= threshold:
                if (user_id, step) not in done:
                    due[step].append(user_id)
                break
    people = User.objects.in_bulk([uid for ids in due.values() for uid in ids])
    reminders = [
        _Reminder(step, version, school, (people[user_id],))
        for step in (ReminderStep.FIRST, ReminderStep.SECOND)
        for user_id in due[step]
    ]
    if due[ReminderStep.DIGEST]:
        digest = tuple(people[uid] for uid in due[ReminderStep.DIGEST])
        reminders.append(_Reminder(ReminderStep.DIGEST, version, school, digest))
    return reminders


def _remind(reminder: _Reminder) -> int | bool:
    """Log the step and queue its e-mail together; False if another run already did."""
    version = reminder.version
    if reminder.step != ReminderStep.DIGEST:
        [person] = reminder.people
        if not _log_step(person.pk, version, reminder.step):
            return False
        _email_on_commit(
            "signoff_reminder",
            to=person,
            context={"version": version, "second": reminder.step == ReminderStep.SECOND},
        )
        return 1
    digest = [p for p in reminder.people if _log_step(p.pk, version, ReminderStep.DIGEST)]
    if not digest:
        return False
    for head in holders_of(Role.HEAD, reminder.school):
        _email_on_commit(
            "signoff_digest",
            to=head,
            context={"version": version, "school": reminder.school, "outstanding": digest},
        )
    return len(digest)


def _log_step(user_id: int, version: PolicyVersion, step: str) -> bool:
    """Record the step; False if another run already did (the unique constraint decides)."""
    try:
        with transaction.atomic():
            SignOffReminder.objects.create(user_id=user_id, version=version, step=step)
    except IntegrityError:
        return False
    return True


# Declarations of a family relationship with a pupil (St Elisabeth's §6.7–6.9)


def _tell_deciders(item: Declaration | ApprovalRequest, what: str) -> None:
    """E-mail whoever decides it (the Head, or the Chair for the Head's own): no details."""
    is_head = (
        Membership.objects.current()
        .filter(user=item.user, school=item.school, role=Role.HEAD)
        .exists()
    )
    for decider in holders_of(Role.CHAIR if is_head else Role.HEAD, item.school):
        if decider != item.user:
            _email_on_commit("decision_waiting", to=decider, context={"what": what, "item": item})


def _audit(item: Declaration | ApprovalRequest, by: User, what: str) -> None:
    action = Action.DECLARATION if isinstance(item, Declaration) else Action.APPROVAL
    audit_record(action=action, actor=by, school=item.school, record=item, detail=what)


def _require_member(user: User, school: School) -> None:
    if not Membership.objects.current().filter(user=user, school=school).exists():
        raise ValidationError({"school": "You can only declare or ask at a school you work at."})


def _relock(item: Declaration | ApprovalRequest) -> None:
    """Re-read the row under a lock, into the caller's object. Of two submits at once (a double
    click, two tabs, the Head and the Chair), the second waits for the first to commit and then
    sees its decision, so a decision is made, e-mailed and audited once."""
    item.refresh_from_db(from_queryset=type(item).objects.select_for_update())


@transaction.atomic
def declaration_submit(*, user: User, school: School, **fields) -> Declaration:
    _require_member(user, school)
    declaration = Declaration.objects.create(user=user, school=school, **fields)
    _tell_deciders(declaration, "declaration")
    _audit(declaration, user, "declared")
    logger.info("Declaration %s submitted at school %s", declaration.pk, school.pk)
    return declaration


@transaction.atomic
def declaration_update(*, declaration: Declaration, **fields) -> Declaration:
    """The person answers the Head's request for more: it goes back to the Head."""
    _relock(declaration)
    if declaration.status not in (DeclarationStatus.PENDING, DeclarationStatus.MORE_INFO):
        raise ValidationError("Only a declaration waiting for the Head can be changed.")
    for name, value in fields.items():
        setattr(declaration, name, value)
    declaration.status = DeclarationStatus.PENDING
    declaration.save()
    _tell_deciders(declaration, "declaration")
    _audit(declaration, declaration.user, "answered the Head")
    return declaration


def _require_pending(item: Declaration | ApprovalRequest, by: User) -> None:
    _relock(item)
    if not decidable(type(item), by).filter(pk=item.pk).exists():
        raise ValidationError("You cannot decide this one.")
    if item.status != "pending":
        raise ValidationError(f"This has already been decided ({item.get_status_display()}).")


@transaction.atomic
def declaration_acknowledge(
    *, declaration: Declaration, by: User, discussed_on: datetime.date, agreed_protocol: str
) -> Declaration:
    _require_pending(declaration, by)
    if discussed_on > timezone.localdate():
        raise ValidationError({"discussed_on": "The discussion cannot be in the future."})
    declaration.status = DeclarationStatus.ACKNOWLEDGED
    declaration.discussed_on = discussed_on
    declaration.agreed_protocol = agreed_protocol.strip()
    declaration.decided_by = by
    declaration.acknowledged_at = timezone.now()
    declaration.save()
    _audit(declaration, by, "acknowledged")
    _email_on_commit("declaration_outcome", to=declaration.user, context={"item": declaration})
    _tell_in_app(declaration, Kind.DECLARATION_OUTCOME)
    return declaration


@transaction.atomic
def declaration_request_more(*, declaration: Declaration, by: User, note: str) -> Declaration:
    _require_pending(declaration, by)
    declaration.status = DeclarationStatus.MORE_INFO
    declaration.head_note = note.strip()
    declaration.decided_by = by
    declaration.save()
    _audit(declaration, by, "sent back for more information")
    _email_on_commit("declaration_outcome", to=declaration.user, context={"item": declaration})
    _tell_in_app(declaration, Kind.DECLARATION_OUTCOME)
    return declaration


@transaction.atomic
def declaration_reconfirm(*, declaration: Declaration) -> Declaration:
    _relock(declaration)
    if declaration.status != DeclarationStatus.ACKNOWLEDGED:
        raise ValidationError("Only an acknowledged declaration can be re-confirmed.")
    # Not refused when repeated: a second confirmation only moves the date on again.
    declaration.confirmed_at = timezone.now()
    declaration.save(update_fields=["confirmed_at"])
    _audit(declaration, declaration.user, "re-confirmed")
    return declaration


@transaction.atomic
def declaration_end(*, declaration: Declaration) -> Declaration:
    _relock(declaration)
    if declaration.status == DeclarationStatus.ENDED:
        return declaration
    declaration.status = DeclarationStatus.ENDED
    declaration.ended_at = timezone.now()
    declaration.save(update_fields=["status", "ended_at"])
    _audit(declaration, declaration.user, "ended")
    return declaration


# Prior approvals


@transaction.atomic
def approval_request_submit(
    *, user: User, school: School, kind: str, details: str
) -> ApprovalRequest:
    _require_member(user, school)
    request = ApprovalRequest.objects.create(user=user, school=school, kind=kind, details=details)
    _tell_deciders(request, "request")
    _audit(request, user, f"asked: {request.get_kind_display()}")
    logger.info("Approval request %s (%s) at school %s", request.pk, kind, school.pk)
    return request


@transaction.atomic
def approval_decide(
    *,
    request: ApprovalRequest,
    by: User,
    approve: bool,
    reason: str = "",
    expires_on: datetime.date | None = None,
) -> ApprovalRequest:
    _require_pending(request, by)
    if not approve and not reason.strip():
        raise ValidationError({"reason": "Say why the request is declined."})
    if approve and expires_on and expires_on <= timezone.localdate():
        raise ValidationError({"expires_on": "An expiry date must be in the future."})
    request.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DECLINED
    request.reason = reason.strip()
    request.expires_on = expires_on if approve else None
    request.decided_by = by
    request.decided_at = timezone.now()
    request.save()
    _audit(request, by, request.get_status_display().lower())
    _email_on_commit("approval_outcome", to=request.user, context={"item": request})
    _tell_in_app(request, Kind.APPROVAL_OUTCOME)
    return request
