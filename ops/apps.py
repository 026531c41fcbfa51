from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations: health and backups"

    def ready(self) -> None:
        from celery.signals import task_success

        from ops.heartbeats import heartbeat_on_success

        task_success.connect(heartbeat_on_success, weak=False, dispatch_uid="ops.heartbeats")
