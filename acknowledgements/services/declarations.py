"""Declarations of a family relationship with a pupil (St Elisabeth's §6.7–6.9)."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from acknowledgements.models import Declaration, DeclarationStatus
from acknowledgements.services.common import (
    audit_decision,
    decision_tell,
    relock,
    require_member,
    require_pending,
    tell_deciders,
)
from people.models import School, User

logger = logging.getLogger(__name__)


@transaction.atomic
def declaration_submit(
    *,
    user: User,
    school: School,
    pupil_name: str,
    class_or_year: str,
    relationship: str,
    social_media_contact: bool = False,
    details: str = "",
) -> Declaration:
    require_member(user, school)
    declaration = Declaration.objects.create(
        user=user,
        school=school,
        pupil_name=pupil_name,
        class_or_year=class_or_year,
        relationship=relationship,
        social_media_contact=social_media_contact,
        details=details,
    )
    tell_deciders(declaration, "declaration")
    audit_decision(declaration, user, "declared")
    logger.info("Declaration %s submitted at school %s", declaration.pk, school.pk)
    return declaration


@transaction.atomic
def declaration_update(
    *,
    declaration: Declaration,
    pupil_name: str,
    class_or_year: str,
    relationship: str,
    social_media_contact: bool,
    details: str,
) -> Declaration:
    """The person answers the Head's request for more: it goes back to the Head."""
    relock(declaration)
    if declaration.status not in (DeclarationStatus.PENDING, DeclarationStatus.MORE_INFO):
        raise ValidationError("Only a declaration waiting for the Head can be changed.")
    declaration.pupil_name = pupil_name
    declaration.class_or_year = class_or_year
    declaration.relationship = relationship
    declaration.social_media_contact = social_media_contact
    declaration.details = details
    declaration.status = DeclarationStatus.PENDING
    declaration.save()
    tell_deciders(declaration, "declaration")
    audit_decision(declaration, declaration.user, "answered the Head")
    return declaration


@transaction.atomic
def declaration_acknowledge(
    *, declaration: Declaration, by: User, discussed_on: datetime.date, agreed_protocol: str
) -> Declaration:
    require_pending(declaration, by)
    if discussed_on > timezone.localdate():
        raise ValidationError({"discussed_on": "The discussion cannot be in the future."})
    declaration.status = DeclarationStatus.ACKNOWLEDGED
    declaration.discussed_on = discussed_on
    declaration.agreed_protocol = agreed_protocol.strip()
    declaration.acknowledged_at = timezone.now()
    decision_tell(declaration, by, "acknowledged")
    return declaration


@transaction.atomic
def declaration_request_more(*, declaration: Declaration, by: User, note: str) -> Declaration:
    require_pending(declaration, by)
    declaration.status = DeclarationStatus.MORE_INFO
    declaration.head_note = note.strip()
    decision_tell(declaration, by, "sent back for more information")
    return declaration


@transaction.atomic
def declaration_reconfirm(*, declaration: Declaration) -> Declaration:
    relock(declaration)
    if declaration.status != DeclarationStatus.ACKNOWLEDGED:
        raise ValidationError("Only an acknowledged declaration can be re-confirmed.")
    # Not refused when repeated: a second confirmation only moves the date on again.
    declaration.confirmed_at = timezone.now()
    declaration.save(update_fields=["confirmed_at"])
    audit_decision(declaration, declaration.user, "re-confirmed")
    return declaration


@transaction.atomic
def declaration_end(*, declaration: Declaration) -> Declaration:
    relock(declaration)
    if declaration.status == DeclarationStatus.ENDED:
        return declaration
    declaration.status = DeclarationStatus.ENDED
    declaration.ended_at = timezone.now()
    declaration.save(update_fields=["status", "ended_at"])
    audit_decision(declaration, declaration.user, "ended")
    return declaration
