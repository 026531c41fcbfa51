from celery import shared_task

from acknowledgements.services.reminders import signoff_reminders_send


@shared_task(name="acknowledgements.send_signoff_reminders", max_retries=5,
             autoretry_for=(OSError,), retry_backoff=True)  # fmt: skip
def send_signoff_reminders() -> dict[str, int]:
    return signoff_reminders_send()
