"""E-mails are templates: emails/<name>_subject.txt, _body.txt and, if it exists, _body.html."""

import contextlib
import smtplib
import threading
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string

# Seconds an SMTP relay may take to answer before the send fails (and is retried later).
SMTP_TIMEOUT = 30
# A worker keeps its connection to the relay between messages for this long: connecting and
# greeting the relay for every message was a good part of what a delivery cost.
SMTP_KEEP_SECONDS = 30
# What a relay does to a connection it has closed while it was kept: the message is sent again
# on a new one (nothing was accepted on the old one).
_STALE = (smtplib.SMTPServerDisconnected, ConnectionResetError, BrokenPipeError)


class _Kept(threading.local):
    connection: SMTPBackend | None = None
    settings: tuple = ()
    used_at: float = 0.0


_kept = _Kept()


def _relay_settings() -> tuple:
    return (
        settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD, settings.EMAIL_USE_TLS,
        getattr(settings, "EMAIL_USE_SSL", False),
    )  # fmt: skip


def _drop_kept() -> None:
    connection, _kept.connection = _kept.connection, None
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()


def _send_kept(message: EmailMultiAlternatives) -> None:
    """Send over this thread's open connection to the relay, opened if there is none (or the
    settings changed, or it was idle too long), and kept open after."""
    now = time.monotonic()
    current = _relay_settings()
    if _kept.connection is not None and (
        _kept.settings != current or now - _kept.used_at > SMTP_KEEP_SECONDS
    ):
        _drop_kept()
    reused = _kept.connection is not None
    if not reused:
        connection = get_connection(timeout=SMTP_TIMEOUT)
        if not isinstance(connection, SMTPBackend):  # console, locmem: nothing to keep
            message.connection = connection
            message.send()
            return
        connection.open()
        _kept.connection, _kept.settings = connection, current
    message.connection = _kept.connection
    try:
        message.send()
    except _STALE:
        _drop_kept()
        if not reused:
            raise
        _send_kept(message)  # once, on a new connection
        return
    except BaseException:
        _drop_kept()  # after any other failure the session's state is unknown
        raise
    _kept.used_at = time.monotonic()


def _plain_text(template: str, context: dict) -> str:
    """A plain-text part is not HTML: "St Elisabeth's" must not arrive as "St Elisabeth&#x27;s"."""
    return get_template(template).template.render(Context(context, autoescape=False))


def render_templated_email(name: str, context: dict) -> dict[str, str]:
    """The e-mail's subject, text body and (if its template exists) HTML body."""
    context = {"site_url": settings.SITE_URL, **context}
    rendered = {
        "subject": " ".join(_plain_text(f"emails/{name}_subject.txt", context).split()),
        "body": _plain_text(f"emails/{name}_body.txt", context),
    }
    with contextlib.suppress(TemplateDoesNotExist):
        rendered["html"] = render_to_string(f"emails/{name}_body.html", context)
    return rendered


def send_rendered_email(
    rendered: dict[str, str], *, to: list[str], headers: dict[str, str] | None = None
) -> None:
    message = EmailMultiAlternatives(rendered["subject"], rendered["body"], to=to, headers=headers)
    if rendered.get("html"):
        message.attach_alternative(rendered["html"], "text/html")
    _send_kept(message)


def send_templated_email(
    name: str, *, to: list[str], context: dict, headers: dict[str, str] | None = None
) -> None:
    send_rendered_email(render_templated_email(name, context), to=to, headers=headers)
