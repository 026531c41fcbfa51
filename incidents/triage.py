"""Triage: moving a case through its workflow, its chronology, and escalation.

Every change is a CaseEntry written in the same transaction as the change, so the chronology is
complete by construction. The workflow:

    new → acknowledged → investigating ⇄ referred → closed, and closed → investigating (reopen)

Referring records the referral and moves the case to "referred"; closing records the outcome.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from incidents.models import (
    CaseEntry,
    Category,
    EntryKind,
    Incident,
    RoutingDecision,
    Status,
    role_title,
)
from incidents.routing import escalation_step
from incidents.signals import case_closing
from lib import dates
from lib.batch import BatchRun, run_each
from notifications.models import Kind
from notifications.services import notifications_create
from people.models import Role, User

logger = logging.getLogger(__name__)

# Moves a person can make by a plain status change. Referring and closing have their own
# services because they record more than a status.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.ACKNOWLEDGED},
    Status.ACKNOWLEDGED: {Status.INVESTIGATING},
    Status.INVESTIGATING: set(),
    Status.REFERRED: {Status.INVESTIGATING},
    Status.CLOSED: {Status.INVESTIGATING},  # reopening, with a reason
}
OPEN_FOR_WORK = {Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.REFERRED}
URGENT_ACKNOWLEDGE_WITHIN = datetime.timedelta(minutes=60)
ACKNOWLEDGE_WITHIN_WORKING_DAYS = 2


def _locked(incident: Incident) -> Incident:
    """The case, re-read under a row lock so two people cannot move it at once."""
    return Incident.objects.select_for_update().select_related("school").get(pk=incident.pk)


def _entry(incident: Incident, kind: str, by: User | None, **fields) -> CaseEntry:
    entry = CaseEntry.objects.create(incident=incident, kind=kind, author=by, **fields)
    audit_record(
        action=Action.CASE_CHANGED, actor=by, school=incident.school, record=incident,
        detail=f"{incident.reference}: {entry.get_kind_display().lower()}",
    )  # fmt: skip
    return entry


def _move(incident: Incident, to: str, by: User | None, text: str = "") -> None:
    _entry(incident, EntryKind.STATUS, by, status_from=incident.status, status_to=to, text=text)
    incident.status = to
    if to == Status.ACKNOWLEDGED and incident.acknowledged_at is None:
        incident.acknowledged_at = timezone.now()
    incident.save(update_fields=["status", "acknowledged_at"])
    if incident.reporter_id != (by.pk if by else None):
        # The reporter follows their report's status, and only that (DESIGN.md): they are told
        # it changed, in the portal and by an e-mail with no details, and it opens My reports.
        notifications_create(
            recipients=[incident.reporter],
            kind=Kind.REPORT_STATUS,
            incident=incident,
            link=reverse("incidents:mine"),
        )


def _refuse_unless_open(incident: Incident, doing: str) -> None:
    if incident.status == Status.NEW:
        raise ValidationError(f"Acknowledge the case before {doing}.")
    if incident.status == Status.CLOSED:
        raise ValidationError(f"This case is closed: reopen it before {doing}.")


@transaction.atomic
def case_acknowledge(*, incident: Incident, by: User) -> Incident:
    """The first step: it says someone has the case. They own it unless someone already does."""
    incident = _locked(incident)
    if incident.status != Status.NEW:
        raise ValidationError("This case has already been acknowledged.")
    _move(incident, Status.ACKNOWLEDGED, by)
    if incident.owner_id is None:
        _set_owner(incident, by, by)
    logger.info("Case %s acknowledged by user %s", incident.pk, by.pk)
    return incident


@transaction.atomic
def case_status_change(*, incident: Incident, by: User, to: str, text: str = "") -> Incident:
    incident = _locked(incident)
    if to == Status.CLOSED:
        raise ValidationError("Record the outcome to close a case.")
    if to == Status.REFERRED:
        raise ValidationError("Record the referral (agency, date, reference) to refer a case.")
    if to not in TRANSITIONS[incident.status]:
        raise ValidationError(
            f"A case that is {incident.get_status_display().lower()} cannot become "
            f"{Status(to).label.lower()}."
        )
    if incident.status == Status.CLOSED and not text.strip():
        raise ValidationError({"text": "Say why the case is reopened."})
    _move(incident, to, by, text=text.strip())
    return incident


@transaction.atomic
def case_note_add(*, incident: Incident, by: User, text: str) -> CaseEntry:
    incident = _locked(incident)
    if incident.status == Status.CLOSED:
        raise ValidationError("This case is closed: reopen it to add a note.")
    if not text.strip():
        raise ValidationError({"text": "Write the note."})
    return _entry(incident, EntryKind.NOTE, by, text=text.strip())


@transaction.atomic
def case_refer(
    *,
    incident: Incident,
    by: User,
    agency: str,
    referred_on: datetime.date,
    reference: str = "",
    text: str = "",
) -> CaseEntry:
    incident = _locked(incident)
    if not agency:
        raise ValidationError({"agency": "Say which agency the case was referred to."})
    _refuse_unless_open(incident, "referring it")
    if referred_on > timezone.localdate():
        raise ValidationError({"referred_on": "A referral cannot be dated in the future."})
    entry = _entry(
        incident, EntryKind.REFERRAL, by,
        agency=agency, referred_on=referred_on, reference=reference.strip(), text=text.strip(),
    )  # fmt: skip
    if incident.status != Status.REFERRED:
        _move(incident, Status.REFERRED, by)
    return entry


@transaction.atomic
def case_close(*, incident: Incident, by: User, outcome: str, disciplinary: str) -> Incident:
    incident = _locked(incident)
    _refuse_unless_open(incident, "closing it")
    case_closing.send(sender=Incident, incident=incident)
    if not outcome.strip():
        raise ValidationError({"outcome": "Record the outcome."})
    if not disciplinary:
        raise ValidationError({"disciplinary": "Say whether it leads to disciplinary action."})
    _entry(incident, EntryKind.OUTCOME, by, text=outcome.strip(), disciplinary=disciplinary)
    _move(incident, Status.CLOSED, by)
    return incident


def _set_owner(incident: Incident, owner: User, by: User) -> None:
    _entry(incident, EntryKind.OWNER, by, owner=owner)
    incident.owner = owner
    incident.save(update_fields=["owner"])


@transaction.atomic
def case_owner_set(*, incident: Incident, by: User, owner: User) -> Incident:
    incident = _locked(incident)
    if not incident.routing_decisions.filter(recipient=owner).exists():
        raise ValidationError({"owner": "Only someone the case was routed to can own it."})
    if incident.owner_id != owner.pk:
        _set_owner(incident, owner, by)
    return incident


@transaction.atomic
def case_support_record(
    *, incident: Incident, by: User, support: list[str], text: str
) -> CaseEntry:
    """Support offered to a member of staff who is the victim of cyberbullying."""
    incident = _locked(incident)
    if incident.category != Category.CYBERBULLYING:
        raise ValidationError("Support is recorded on a cyberbullying case.")
    if not support:
        raise ValidationError({"support": "Choose the support that was offered."})
    return _entry(incident, EntryKind.SUPPORT, by, support=support, text=text.strip())


@transaction.atomic
def case_correct(*, incident: Incident, by: User, entry: CaseEntry, text: str) -> CaseEntry:
    """A correction is a new entry naming the one it corrects; nothing is rewritten."""
    if entry.incident_id != incident.pk:
        raise ValidationError("That entry belongs to another case.")
    if not text.strip():
        raise ValidationError({"text": "Write the correction."})
    return _entry(incident, EntryKind.CORRECTION, by, text=text.strip(), corrects=entry)


# Escalation


def add_working_days(moment: datetime.datetime, days: int) -> datetime.datetime:
    """The same local time `days` working days later: weekends and England's bank holidays do
    not count (lib.dates, from the `holidays` package)."""
    return dates.add_working_days(moment, days)


def is_overdue(incident: Incident, now: datetime.datetime) -> bool:
    if incident.urgent and incident.created_at + URGENT_ACKNOWLEDGE_WITHIN <= now:
        return True
    return add_working_days(incident.created_at, ACKNOWLEDGE_WITHIN_WORKING_DAYS) <= now


def escalation_targets(incident: Incident) -> tuple[str, list[User]]:
    """The next people in the case's chain (routing's chains and rules: never the subject nor
    anyone who answers to them) who do not have it yet."""
    decisions = list(incident.routing_decisions.all())
    roles = list(dict.fromkeys(Role(d.role) for d in decisions))
    role, _, people = escalation_step(
        school=incident.school,
        subject=incident.subject_user,
        roles=roles,
        have_it={d.recipient_id for d in decisions if d.recipient_id},
    )
    return role or "", people


@transaction.atomic
def case_escalate(*, incident: Incident, now: datetime.datetime) -> list[User]:
    """Escalate once: the next people in the chain receive the case, with the reason."""
    incident = _locked(incident)
    if incident.status != Status.NEW or incident.escalated_at is not None:
        return []
    role, people = escalation_targets(incident)
    waited = (
        "an urgent case not acknowledged within 60 minutes"
        if incident.urgent and incident.created_at + URGENT_ACKNOWLEDGE_WITHIN <= now
        else "not acknowledged within 2 working days"
    )
    position = incident.routing_decisions.count()
    for offset, person in enumerate(people):
        RoutingDecision.objects.create(
            incident=incident, recipient=person, role=role, position=position + offset,
            reason=f"Escalated to the {role_title(role, incident.school)}: {waited}.",
        )  # fmt: skip
    if people:
        text = f"Escalated to the {role_title(role, incident.school)}: {waited}."
        notifications_create(
            recipients=people,
            kind=Kind.INCIDENT_ESCALATED,
            urgent=incident.urgent,
            incident=incident,
        )
    else:
        text = f"Could not be escalated: nobody further in its chain ({waited})."
    _entry(incident, EntryKind.ESCALATION, None, text=text)
    incident.escalated_at = now
    incident.save(update_fields=["escalated_at"])
    logger.info("Case %s escalated to %s people as %s", incident.pk, len(people), role or "nobody")
    return people


def escalations_run(*, now: datetime.datetime | None = None) -> BatchRun:
    """Escalate every case not acknowledged in time; each case once, however often it runs.

    Each case is escalated in its own transaction: one that fails is logged, counted in the
    result and tried again after a back-off (lib.batch), and never holds up the cases behind
    it, although it is the oldest and so always comes first.
    """
    now = now or timezone.now()
    waiting = Incident.objects.filter(status=Status.NEW, escalated_at__isnull=True).filter(
        created_at__lte=now - URGENT_ACKNOWLEDGE_WITHIN
    )
    overdue = [
        incident
        for incident in waiting.select_related("school").order_by("created_at", "pk")
        if is_overdue(incident, now)
    ]
    # Back-off from a minute (the beat interval) to an hour: a case stuck for longer than that
    # is already in the ERROR log every hour.
    return run_each(
        "escalations",
        overdue,
        lambda incident: case_escalate(incident=incident, now=now),
        now=now,
        max_delay=datetime.timedelta(hours=1),
    )
