from celery import shared_task

from incidents.evidence import evidence_sweep
from incidents.handover import reroute_by_date
from incidents.retention import retention_run
from incidents.triage import escalations_run


@shared_task(name="incidents.run_escalations")
def run_escalations() -> dict[str, int]:
    """Every minute: escalate cases not acknowledged in time (on the urgent queue)."""
    return escalations_run().summary()


@shared_task(name="incidents.run_retention")
def run_retention() -> dict[str, int]:
    """Daily: delete the closed reports whose retention has run out."""
    return retention_run().summary()


@shared_task(name="incidents.sweep_evidence")
def sweep_evidence() -> int:
    """Daily: remove evidence files no record names (a report rolled back after writing them)."""
    return len(evidence_sweep())


@shared_task(name="incidents.reroute")
def reroute() -> int:
    """Hourly: the cases of schools whose memberships started or ended by date follow the roles
    (a new DSL's first day; a leaver's last)."""
    return reroute_by_date()
