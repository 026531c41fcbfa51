from django.db import models


class Heartbeat(models.Model):
    """When a scheduled task last finished: one row per task, replaced each run.

    In the database rather than the cache, because the demo's cache is per process and the web
    process that answers /healthz/status is never the worker that ran the task.
    """

    name = models.CharField(max_length=80, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
