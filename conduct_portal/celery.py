import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conduct_portal.settings")

app = Celery("conduct_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="conduct_portal.ping")
def ping() -> str:
    """Round-trips through the broker and a worker; used by the health check and its test."""
    return "pong"
