"""Retention (UK GDPR storage limitation): closed reports are deleted when they fall due.

- An allegation about a member of staff (a report whose subject is an adult of the school) is
  kept until the person's normal retirement date or for 10 years from the allegation, whichever
  is later (KCSIE). While the retirement date is unknown it is kept.
- Other reports are kept for the school's RetentionRule for their category, else
  DEFAULT_YEARS, from the date of the report.
- A report on legal hold, or not yet closed, is never deleted.

Deletion goes through lib.immutability.erasure_permitted(): the only sanctioned way
past the append-only triggers. What was deleted is recorded (references only) in the audit log.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from incidents import evidence as evidence_files
from incidents.models import (
    CaseAccess,
    CaseEntry,
    Evidence,
    Incident,
    RetentionRule,
    RoutingDecision,
    Status,
    SubjectKind,
)
from lib.batch import BatchRun, run_each
from lib.dates import years_after
from lib.immutability import erasure_permitted
from notifications.models import Notification
from people.models import User

logger = logging.getLogger(__name__)

DEFAULT_YEARS = 6
ALLEGATION_YEARS = 10


def delete_on(incident: Incident, rules: dict[tuple[int, str], int]) -> datetime.date | None:
    """The day the report may be deleted, or None while it must be kept (no retirement date)."""
    reported = timezone.localdate(incident.created_at)
    if incident.subject_kind == SubjectKind.ADULT:
        retires = incident.subject_user.retirement_on if incident.subject_user else None
        if retires is None:
            return None
        return max(retires, years_after(reported, ALLEGATION_YEARS))
    years = rules.get((incident.school_id, incident.category), DEFAULT_YEARS)
    return years_after(reported, years)


def due_for_deletion(today: datetime.date) -> list[Incident]:
    """Closed reports not on legal hold whose retention has run out (two queries)."""
    rules = {(r.school_id, r.category): r.years for r in RetentionRule.objects.all()}
    shortest = min([DEFAULT_YEARS, ALLEGATION_YEARS, *rules.values()])
    candidates = Incident.objects.filter(
        status=Status.CLOSED,
        legal_hold=False,
        created_at__date__lte=years_after(today, -shortest),
    ).select_related("subject_user")
    return [i for i in candidates if (day := delete_on(i, rules)) is not None and day <= today]


def retention_run(*, today: datetime.date | None = None) -> BatchRun:
    """Delete every report that is due, with its evidence, routing, chronology, accesses and
    notifications. Each report is deleted in its own transaction (lib.batch): one that fails is
    logged and counted, and the others are deleted all the same. The result names reports by
    reference: `done` were deleted, `skipped` were put on hold or reopened since selected."""
    today = today or timezone.localdate()
    run = run_each("retention", due_for_deletion(today), _delete, key=lambda i: i.reference)
    logger.info("Retention deleted %s reports", len(run.done))
    return run


def _delete(incident: Incident) -> bool:
    # The list was read without locks, so a legal hold set (or the case reopened) since then
    # must win: re-read the row under a lock. A hold set after this waits for the lock, then
    # finds nothing to hold.
    still_due = (
        Incident.objects.select_for_update()
        .filter(pk=incident.pk, status=Status.CLOSED, legal_hold=False)
        .exists()
    )
    if not still_due:
        logger.info("Report %s kept: on hold or reopened since it was selected", incident.reference)
        return False
    with erasure_permitted():
        files = Evidence.objects.filter(incident=incident)
        stored = list(files.values_list("stored_name", flat=True))
        Notification.objects.filter(incident=incident).delete()
        for model in (CaseEntry, CaseAccess, RoutingDecision, Evidence):
            model.objects.filter(incident=incident).delete()
        Incident.objects.filter(pk=incident.pk).delete()
        audit_record(
            action=Action.RETENTION, school=incident.school,
            detail=f"{incident.reference} ({incident.get_category_display()}) deleted: "
            f"retention ran out; {len(stored)} files",
        )  # fmt: skip
        transaction.on_commit(lambda names=stored: evidence_files.discard(names))
    return True


@transaction.atomic
def legal_hold_set(*, incident: Incident, by: User, hold: bool, reason: str) -> Incident:
    """Place a report on legal hold or release it. The row is re-read under a lock: a second
    submit of the same change (a double click, another tab) changes nothing and records
    nothing, and a retention run deleting the report waits, or is waited for."""
    if hold and not reason.strip():
        raise ValidationError({"reason": "Say why the report must be kept."})
    incident.refresh_from_db(from_queryset=Incident.objects.select_for_update())
    reason = reason.strip() if hold else ""
    if incident.legal_hold == hold and incident.legal_hold_reason == reason:
        logger.info("Legal hold of report %s unchanged: already %s", incident.pk, hold)
        return incident
    incident.legal_hold = hold
    incident.legal_hold_reason = reason
    incident.save(update_fields=["legal_hold", "legal_hold_reason"])
    audit_record(
        action=Action.LEGAL_HOLD, actor=by, school=incident.school, record=incident,
        detail=f"{incident.reference}: {'placed on' if hold else 'released from'} legal hold",
    )  # fmt: skip
    return incident
