"""Requests for prior approval (St Elisabeth's §6.5, §8.1; Villiers' "Personal use")."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from acknowledgements.models import ApprovalRequest, ApprovalStatus
from acknowledgements.services.common import (
    audit_decision,
    decision_tell,
    require_member,
    require_pending,
    tell_deciders,
)
from people.models import School, User

logger = logging.getLogger(__name__)


@transaction.atomic
def approval_request_submit(
    *, user: User, school: School, kind: str, details: str
) -> ApprovalRequest:
    require_member(user, school)
    request = ApprovalRequest.objects.create(user=user, school=school, kind=kind, details=details)
    tell_deciders(request, "request")
    audit_decision(request, user, f"asked: {request.get_kind_display()}")
    logger.info("Approval request %s (%s) at school %s", request.pk, kind, school.pk)
    return request


@transaction.atomic
def approval_decide(
    *,
    request: ApprovalRequest,
    by: User,
    approve: bool,
    reason: str = "",
    expires_on: datetime.date | None = None,
) -> ApprovalRequest:
    require_pending(request, by)
    if not approve and not reason.strip():
        raise ValidationError({"reason": "Say why the request is declined."})
    if approve and expires_on and expires_on <= timezone.localdate():
        raise ValidationError({"expires_on": "An expiry date must be in the future."})
    request.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DECLINED
    request.reason = reason.strip()
    request.expires_on = expires_on if approve else None
    request.decided_at = timezone.now()
    decision_tell(request, by, request.get_status_display().lower())
    return request
