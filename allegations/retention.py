"""Retention of allegations follows their outcome (KCSIE Part 4).

- A malicious allegation is removed: the report, its evidence, routing, chronology, accesses,
  notifications and the allegation's records, by incidents' own erasure (the one sanctioned
  way past the append-only triggers), with an audit event that names the reference only.
- Every other outcome is kept until the adult's normal retirement date or 10 years from the
  allegation, whichever is later: incidents/retention.py already deletes a report about an
  adult then, and the allegation's records go with it (they cascade from the report inside the
  same erasure). `allegations.selectors.kept_until` says the day on the record page.
- Low-level concerns are never removed by the portal: they are kept at least until the adult
  leaves the school, and then reviewed by a person (the concern page says so).
"""

import logging

from django.utils import timezone

from allegations.models import Allegation, Outcome
from audit.models import Action
from audit.services import audit_record
from incidents.models import Incident, Status
from incidents.retention import _delete as incident_erase  # the sanctioned erasure of a report
from lib.batch import BatchRun, run_each

logger = logging.getLogger(__name__)


def malicious_due() -> list[Incident]:
    """Closed reports whose allegation was found malicious, not on legal hold (one query)."""
    return list(
        Incident.objects.filter(
            allegation__outcome=Outcome.MALICIOUS, status=Status.CLOSED, legal_hold=False
        )
        .select_related("school")
        .order_by("pk")
    )


def _remove(incident: Incident) -> bool:
    outcome_on = (
        Allegation.objects.filter(incident=incident).values_list("closed_at", flat=True).first()
    )
    removed = incident_erase(incident)
    if removed:
        audit_record(
            action=Action.RETENTION, school=incident.school,
            detail=f"{incident.reference}: allegation found malicious "
            f"({timezone.localdate(outcome_on) if outcome_on else 'date unknown'}), removed "
            "(KCSIE Part 4)",
        )  # fmt: skip
    return removed


def malicious_removal_run() -> BatchRun:
    """Remove every malicious allegation that is due, each in its own transaction (lib.batch):
    one that fails is logged by reference and tried again later."""
    run = run_each("malicious-allegations", malicious_due(), _remove, key=lambda i: i.reference)
    logger.info("Retention removed %s malicious allegations", len(run.done))
    return run
