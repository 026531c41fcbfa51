"""Retention (UK GDPR storage limitation): closed reports are deleted when they fall due.

- An allegation about a member of staff (a report whose subject is an adult of the school) is
  kept until the person's normal retirement date or for 10 years from the allegation, whichever
  is later (KCSIE). While the retirement date is unknown it is kept.
- Other reports are kept for the school's RetentionRule for their category, else
  DEFAULT_YEARS, from the date of the report.
- A report on legal hold, or not yet closed, is never deleted.

Deletion goes through conduct_portal.immutability.erasure_permitted(): the only sanctioned way
past the append-only triggers. What was deleted is recorded (references only) in the audit log.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from conduct_portal.immutability import erasure_permitted
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
from notifications.models import Notification

logger = logging.getLogger(__name__)

DEFAULT_YEARS = 6
ALLEGATION_YEARS = 10


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def delete_on(incident: Incident, rules: dict[tuple[int, str], int]) -> datetime.date | None:
    """The day the report may be deleted, or None while it must be kept (no retirement date)."""
    reported = timezone.localdate(incident.created_at)
    if incident.subject_kind == SubjectKind.ADULT:
        retires = incident.subject_user.retirement_on if incident.subject_user else None
        if retires is None:
            return None
        return max(retires, _years_after(reported, ALLEGATION_YEARS))
    years = rules.get((incident.school_id, incident.category), DEFAULT_YEARS)
    return _years_after(reported, years)


def due_for_deletion(today: datetime.date) -> list[Incident]:
    """Closed reports not on legal hold whose retention has run out (two queries)."""
    rules = {(r.school_id, r.category): r.years for r in RetentionRule.objects.all()}
    shortest = min([DEFAULT_YEARS, ALLEGATION_YEARS, *rules.values()])
    candidates = Incident.objects.filter(
        status=Status.CLOSED,
        legal_hold=False,
        created_at__date__lte=_years_after(today, -shortest),
    ).select_related("subject_user")
    return [i for i in candidates if (day := delete_on(i, rules)) is not None and day <= today]


def retention_run(*, today: datetime.date | None = None) -> list[str]:
    """Delete every report that is due, with its evidence, routing, chronology, accesses and
    notifications; return their references. Each report is deleted in its own transaction."""
    today = today or timezone.localdate()
    deleted = []
    for incident in due_for_deletion(today):
        with transaction.atomic(), erasure_permitted():
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
        deleted.append(incident.reference)
    logger.info("Retention deleted %s reports", len(deleted))
    return deleted


@transaction.atomic
def legal_hold_set(*, incident: Incident, by, hold: bool, reason: str) -> Incident:
    if hold and not reason.strip():
        raise ValidationError({"reason": "Say why the report must be kept."})
    incident.legal_hold = hold
    incident.legal_hold_reason = reason.strip() if hold else ""
    incident.save(update_fields=["legal_hold", "legal_hold_reason"])
    audit_record(
        action=Action.LEGAL_HOLD, actor=by, school=incident.school, record=incident,
        detail=f"{incident.reference}: {'placed on' if hold else 'released from'} legal hold",
    )  # fmt: skip
    return incident
