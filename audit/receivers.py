"""Sign-in events come from Django's authentication signals: they are infrastructure, not the
portal's domain flow, and every way of signing in sends them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import Action
from audit.services import audit_record


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs) -> None:
    audit_record(action=Action.SIGN_IN, actor=user, request=request)


@receiver(user_logged_out)
def signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=Action.SIGN_OUT, actor=user, request=request)


@receiver(user_login_failed)
def failed(sender, credentials, request=None, **kwargs) -> None:
    email = str(credentials.get("email") or credentials.get("username") or "")[:150]
    user = get_user_model().objects.filter(email__iexact=email).first()
    detail = "" if user else "for an address with no account"
    audit_record(action=Action.SIGN_IN_FAILED, actor=user, detail=detail, request=request)
