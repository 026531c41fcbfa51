"""Writes to incidents: submitting a report and recording who looked at a case."""

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from incidents import evidence as evidence_files
from incidents.handover import unrouted_alert
from incidents.models import (
    AccessAction,
    CaseAccess,
    Category,
    Evidence,
    Incident,
    RoutingDecision,
    SubjectKind,
)
from incidents.routing import People, route
from incidents.rules import rule_for
from notifications.models import Kind
from notifications.services import notifications_create
from people.models import Membership, School, User

logger = logging.getLogger(__name__)


def _belongs_to(user: User, school: School, people: People) -> bool:
    # `people` are the school's active members, loaded for routing anyway: asking the database
    # is left for anyone else (an account no longer active, or someone from elsewhere).
    return (
        bool(people.roles_of(user))
        or Membership.objects.current().covering(school).filter(user=user).exists()
    )


# Outside the transaction, so that a failed commit also removes the files written for it.
@evidence_files.removed_unless_committed
@transaction.atomic
def report_submit(
    *,
    reporter: User,
    school: School,
    category: str,
    subject_kind: str,
    description: str,
    happened_on: datetime.date,
    happened_at_time: datetime.time | None = None,
    subject_user: User | None = None,
    subject_description: str = "",
    affected_user: User | None = None,
    platform: str = "",
    content_address: str = "",
    files: list[UploadedFile] | None = None,
) -> Incident:
    """Save a report with its evidence, route it, and write its notifications, all or nothing.

    Every file is checked before anything is written (EvidenceRefused names each refused file).
    The files appear in the evidence folder, and the notifications are handed to Celery, only
    once this transaction commits; if anything fails, commit included, no file is left.
    """
    files = list(files or [])
    people = People.of(school)
    if not _belongs_to(reporter, school, people):
        raise PermissionDenied("You can only report a concern at a school you work at.")
    rule = rule_for(Category(category))
    subject_kind = SubjectKind(subject_kind)
    if subject_kind == SubjectKind.ADULT:
        if subject_user is None or not _belongs_to(subject_user, school, people):
            raise ValidationError({"subject_user": "Choose the adult from the school's people."})
    else:
        subject_user = None
    if affected_user is not None and not _belongs_to(affected_user, school, people):
        raise ValidationError({"affected_user": "Choose a member of the school's staff."})
    if category != Category.CYBERBULLYING:
        affected_user = None
    if happened_on > timezone.localdate():
        raise ValidationError({"happened_on": "The date cannot be in the future."})
    checked = evidence_files.check_all(files, accepts_evidence=rule.accepts_evidence)

    incident = Incident.objects.create(
        school=school,
        reporter=reporter,
        category=category,
        urgent=rule.urgent,
        subject_kind=subject_kind,
        subject_user=subject_user,
        subject_description=subject_description.strip(),
        affected_user=affected_user,
        happened_on=happened_on,
        happened_at_time=happened_at_time,
        platform=platform.strip(),
        content_address=content_address.strip(),
        description=description.strip(),
    )
    for file in checked:
        # What is stored (and hashed as `sha256`) is the checked file's data: an image encoded
        # again without its metadata, a PDF as uploaded. original_sha256 is of the upload.
        kept = evidence_files.store(file.data)
        Evidence.objects.create(
            incident=incident,
            original_name=file.name,
            content_type=file.content_type,
            size=kept.size,
            sha256=kept.sha256,
            original_sha256=file.original_sha256,
            stored_name=kept.stored_name,
            uploaded_by=reporter,
        )
    decisions = route(
        school=school,
        category=category,
        subject=subject_user,
        affected=affected_user or reporter,
        people=people,
    )
    RoutingDecision.objects.bulk_create(
        RoutingDecision(
            incident=incident,
            recipient=decision.recipient,
            role=decision.role,
            reason=decision.reason,
            position=position,
        )
        for position, decision in enumerate(decisions)
    )
    recipients = [d.recipient for d in decisions if d.recipient is not None]
    notifications_create(
        recipients=recipients,
        kind=Kind.INCIDENT_REPORTED,
        urgent=incident.urgent,
        incident=incident,
    )
    audit_record(
        action=Action.REPORT, actor=reporter, school=school, record=incident,
        detail=f"{incident.reference}: {incident.get_category_display()}",
    )  # fmt: skip
    if not recipients:
        # It waits, unrouted and unseen, until a role is filled (incidents/handover.py).
        unrouted_alert(incident=incident)
    logger.info(
        "Report %s (%s%s) at school %s: %s files, %s recipients",
        incident.pk,
        category,
        ", urgent" if incident.urgent else "",
        school.pk,
        len(checked),
        len(recipients),
    )
    return incident


def case_access_record(
    *, incident: Incident, user: User, evidence: Evidence | None = None, action: str = ""
) -> CaseAccess:
    """Append to the case's audit trail: a view of the case page, a download, a refusal, or a
    reading of the trail itself."""
    return CaseAccess.objects.create(
        incident=incident,
        user=user,
        action=action or (AccessAction.DOWNLOAD if evidence else AccessAction.VIEW),
        evidence=evidence,
    )
