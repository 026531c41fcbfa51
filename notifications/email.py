"""E-mails are templates: emails/<name>_subject.txt, _body.txt and, if it exists, _body.html."""

import contextlib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string

# Seconds an SMTP relay may take to answer before the send fails (and is retried later).
SMTP_TIMEOUT = 30


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
    message = EmailMultiAlternatives(
        rendered["subject"],
        rendered["body"],
        to=to,
        headers=headers,
        connection=get_connection(timeout=SMTP_TIMEOUT),
    )
    if rendered.get("html"):
        message.attach_alternative(rendered["html"], "text/html")
    message.send()


def send_templated_email(
    name: str, *, to: list[str], context: dict, headers: dict[str, str] | None = None
) -> None:
    send_rendered_email(render_templated_email(name, context), to=to, headers=headers)
