from celery import shared_task

from allegations.retention import malicious_removal_run
from allegations.services import lado_escalations_run


@shared_task(name="allegations.lado_escalations")
def lado_escalations() -> dict[str, int]:
    """Every five minutes: escalate allegations whose LADO discussion is overdue."""
    return lado_escalations_run().summary()


@shared_task(name="allegations.remove_malicious")
def remove_malicious() -> dict[str, int]:
    """Daily: remove allegations found malicious."""
    return malicious_removal_run().summary()
