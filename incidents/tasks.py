from celery import shared_task

from incidents.retention import retention_run
from incidents.triage import escalations_run
from ops.heartbeats import records_heartbeat


@shared_task(name="incidents.run_escalations")
@records_heartbeat("incidents.run_escalations")
def run_escalations() -> int:
    """Every minute: escalate cases not acknowledged in time (on the urgent queue)."""
    return escalations_run()


@shared_task(name="incidents.run_retention")
def run_retention() -> list[str]:
    """Daily: delete the closed reports whose retention has run out."""
    return retention_run()
