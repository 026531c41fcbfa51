from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "signin"
    verbose_name = "Signing in"

    def ready(self) -> None:
        # Receivers for allauth's and people's signals (activation of an authenticator,
        # memberships ending) are connected when their modules are imported.
        from signin import mfa, receivers  # noqa: F401
