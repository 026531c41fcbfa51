import os

import pytest


def require(available: bool, what: str) -> None:
    """Skip a test whose service is missing on a developer's machine; fail it in CI."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available")


def celery_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: object) -> None:
    """Set one Celery setting for a test, whatever Celery's version. The app reads Django's
    settings under the CELERY_ namespace, and Celery 5.6 looks the namespaced key up before the
    plain one (setting only `task_always_eager` changed nothing there); 5.7 reads either."""
    from conduct_portal.celery import app

    for key in (name, f"CELERY_{name.upper()}"):
        monkeypatch.setitem(app.conf, key, value)
