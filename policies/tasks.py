from celery import shared_task

from policies.services import review_reminders_send


@shared_task(name="policies.send_review_reminders", autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)  # fmt: skip
def send_review_reminders() -> dict[str, int]:
    return review_reminders_send().summary()
