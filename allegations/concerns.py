"""Low-level concerns (KCSIE Part 4): any adult raises one, about themselves too; the person
the school names handles it, sees the earlier ones, and may refer it as an allegation (then
allegations.services opens it and records that it may meet the harm threshold)."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from allegations.models import LowLevelConcern, LowLevelConcernResponse, Response, Threshold
from allegations.selectors import CASE_MANAGER_CATEGORY, answer_to, low_level_handler
from allegations.services import allegation_open, threshold_record
from audit.models import Action
from audit.services import audit_record
from incidents.models import SubjectKind
from incidents.routing import People
from incidents.services import report_submit
from notifications.services import email_queue
from people.models import Membership, School, User

logger = logging.getLogger(__name__)


def _works_at(user: User, school: School) -> bool:
    return Membership.objects.current().covering(school).filter(user=user).exists()


@transaction.atomic
def low_level_concern_raise(
    *,
    raised_by: User,
    school: School,
    subject: User,
    happened_on: datetime.date,
    what_happened: str,
) -> LowLevelConcern:
    """Any adult of the school raises a low-level concern, about themselves too. It goes to the
    Head, or the person the school names, or the Chair when it is about the Head; they are told
    only that something needs attention."""
    errors = {}
    if not _works_at(raised_by, school):
        raise ValidationError("You can only raise a concern at a school you work at.")
    if not _works_at(subject, school):
        errors["subject"] = "Choose the adult from the school's people."
    if happened_on > timezone.localdate():
        errors["happened_on"] = "The date cannot be in the future."
    if not what_happened.strip():
        errors["what_happened"] = "Say what happened."
    if errors:
        raise ValidationError(errors)
    handler = low_level_handler(school, subject)
    concern = LowLevelConcern.objects.create(
        school=school, raised_by=raised_by, subject=subject, handler=handler,
        happened_on=happened_on, what_happened=what_happened.strip(),
    )  # fmt: skip
    audit_record(
        action=Action.REPORT, actor=raised_by, school=school, record=concern,
        detail=f"{concern.reference}: low-level concern raised",
    )  # fmt: skip
    if handler is not None:
        email_queue(
            recipient=handler,
            template="low_level_concern",
            context={"school": school, "link": reverse("allegations:concern", args=[concern.pk])},
        )
    else:
        logger.error(
            "Low-level concern %s: nobody at school %s can receive it", concern.pk, school.pk
        )
    return concern


@transaction.atomic
def low_level_concern_respond(
    *,
    concern: LowLevelConcern,
    by: User,
    response: str,
    rationale: str,
    pattern_seen: bool = False,
    harmed_child: bool = False,
    criminal_offence: bool = False,
    risk_of_harm: bool = False,
    unsuitable: bool = False,
) -> LowLevelConcernResponse:
    """The handler's decision. When it now meets the harm threshold it becomes a report about
    the adult (routed as a breach by an adult, to its case manager) and an allegation with its
    threshold decision recorded, so the LADO clock starts."""
    LowLevelConcern.objects.select_for_update().filter(pk=concern.pk).first()
    errors = {}
    if response not in Response.values:
        errors["response"] = "Choose what you decide."
    if not rationale.strip():
        errors["rationale"] = "Give the reasons for the decision."
    tests = {
        "harmed_child": harmed_child,
        "criminal_offence": criminal_offence,
        "risk_of_harm": risk_of_harm,
        "unsuitable": unsuitable,
    }
    if response == Response.MEETS_THRESHOLD and not any(tests.values()):
        errors["harmed_child"] = "Tick which of the four tests it may now meet."
    if errors:
        raise ValidationError(errors)
    if by.pk == concern.subject_id or by.pk in answer_to(
        concern.subject, People.of(concern.school)
    ):
        raise ValidationError(
            "A concern about you, or someone you answer to, is not yours to decide."
        )
    incident = None
    if response == Response.MEETS_THRESHOLD:
        if concern.responses.filter(response=Response.MEETS_THRESHOLD).exists():
            raise ValidationError("This concern has already been referred as an allegation.")
        incident = report_submit(
            reporter=by, school=concern.school, category=CASE_MANAGER_CATEGORY,
            subject_kind=SubjectKind.ADULT, subject_user=concern.subject,
            happened_on=concern.happened_on,
            description=f"Low-level concern {concern.reference}, raised "
            f"{date_format(timezone.localtime(concern.raised_at), 'j F Y')}"
            f"{' by the adult themselves' if concern.self_report else ''}, now judged to meet "
            f"the harm threshold.\n\n{concern.what_happened}",
        )  # fmt: skip
        allegation = allegation_open(incident=incident)
        threshold_record(
            allegation=allegation, by=by, decision=Threshold.MAY_MEET,
            rationale=rationale, **tests,
        )  # fmt: skip
    record = LowLevelConcernResponse.objects.create(
        concern=concern, by=by, response=response, rationale=rationale.strip(),
        pattern_seen=pattern_seen, incident=incident,
    )  # fmt: skip
    audit_record(
        action=Action.CASE_CHANGED, actor=by, school=concern.school, record=concern,
        detail=f"{concern.reference}: {record.get_response_display()[:80].lower()}",
    )  # fmt: skip
    return record
