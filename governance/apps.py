from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governors' dashboard"

    def ready(self) -> None:
        from governance import signals  # noqa: F401  (connects the cache's receivers)
