from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # The delivery tasks registered with Celery in every process, web ones too: services
        # queue them by name (services.deliveries_queue), since tasks import services.
        from notifications import tasks  # noqa: F401
