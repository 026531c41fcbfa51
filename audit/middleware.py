"""Refusals go into the audit log: a 403, or a 404 raised because the object is not the
person's to see (audit.Refused, raised by every app's permissions)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.models import Action
from audit.refusal import Refused
from audit.services import audit_record


class RefusalAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403 and request.user.is_authenticated:
            self._record(request, "403")
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, Refused) and request.user.is_authenticated:
            self._record(request, "404")

    def _record(self, request: HttpRequest, status: str) -> None:
        audit_record(
            action=Action.REFUSED,
            actor=request.user,
            detail=f"{status} {request.method} {request.path}"[:300],
            request=request,
        )
