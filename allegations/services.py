"""Writes about concerns about adults: each validates, saves its record, writes the incident's
chronology and the audit log, and queues what it sends, in one transaction.

The records (decisions, LADO contacts, outcomes, low-level concerns) are append-only: a change
of mind is a new record, and the case's chronology (incidents.CaseEntry) says so in words.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from allegations.models import (
    Allegation,
    AllegationOutcome,
    LadoContact,
    Outcome,
    Threshold,
    ThresholdDecision,
    YesNo,
)
from allegations.selectors import (
    case_manager_for,
)
from audit.models import Action
from audit.services import audit_record
from incidents import triage
from incidents.models import (
    Agency,
    CaseEntry,
    EntryKind,
    Incident,
    RoutingDecision,
    Status,
    SubjectKind,
    role_title,
)
from incidents.routing import escalation_step
from lib import dates
from lib.batch import BatchRun, run_each
from notifications.models import Kind
from notifications.services import notifications_create
from people.models import Role, User

logger = logging.getLogger(__name__)

LADO_WITHIN_WORKING_DAYS = 1


def lado_deadline(decided_at: datetime.datetime) -> datetime.datetime:
    """When the LADO must have been consulted: one working day after it was judged that the
    concern may meet the harm threshold (KCSIE Part 4), on England's calendar (lib.dates)."""
    return dates.add_working_days(decided_at, LADO_WITHIN_WORKING_DAYS)


def _chronicle(incident: Incident, kind: str, by: User | None, text: str, **fields) -> CaseEntry:
    """One entry of the case's chronology, and the audit event saying a case changed (what
    kind of change only: never its content)."""
    entry = CaseEntry.objects.create(incident=incident, kind=kind, author=by, text=text, **fields)
    audit_record(
        action=Action.CASE_CHANGED, actor=by, school=incident.school, record=incident,
        detail=f"{incident.reference}: allegation, {entry.get_kind_display().lower()}",
    )  # fmt: skip
    return entry


def _locked(allegation: Allegation) -> Allegation:
    return (
        Allegation.objects.select_for_update(of=("self",))
        .select_related("incident__school", "incident__subject_user", "case_manager")
        .get(pk=allegation.pk)
    )


@transaction.atomic
def allegation_open(*, incident: Incident) -> Allegation:
    """The allegation record of a report about an adult, made the first time its case manager
    opens it; when the role of case manager has changed hands since, it passes to the new
    holder (with a chronology entry). Idempotent."""
    if incident.subject_kind != SubjectKind.ADULT:
        raise ValidationError("Only a report about an adult of the school is an allegation.")
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("school", "subject_user")
        .get(pk=incident.pk)
    )
    manager = case_manager_for(incident)
    if manager is None:
        raise ValidationError("Nobody in the portal can manage a case about this adult.")
    allegation = Allegation.objects.filter(incident=incident).first()
    title = role_title(manager.role, incident.school)
    if allegation is None:
        allegation = Allegation.objects.create(
            incident=incident, case_manager=manager.recipient, case_manager_role=manager.role
        )
        _chronicle(
            incident, EntryKind.OWNER, None,
            f"Handled as a concern about an adult (KCSIE Part 4): the case manager is the "
            f"{title}. {manager.reason}",
            owner=manager.recipient,
        )  # fmt: skip
    elif allegation.case_manager_id != manager.recipient.pk:
        allegation.case_manager = manager.recipient
        allegation.case_manager_role = manager.role
        allegation.save(update_fields=["case_manager", "case_manager_role"])
        _chronicle(
            incident, EntryKind.HANDOVER, None,
            f"The case manager is now the {title}: the role changed hands.",
            owner=manager.recipient,
        )  # fmt: skip
    return allegation


@transaction.atomic
def threshold_record(
    *,
    allegation: Allegation,
    by: User,
    decision: str,
    rationale: str,
    not_referred_because: str = "",
    harmed_child: bool = False,
    criminal_offence: bool = False,
    risk_of_harm: bool = False,
    unsuitable: bool = False,
) -> ThresholdDecision:
    """The case manager's decision on the harm threshold, with its reasons. A concern that may
    meet it starts the LADO clock: one working day (weekends and bank holidays do not count)."""
    allegation = _locked(allegation)
    incident = allegation.incident
    if allegation.outcome:
        raise ValidationError("This allegation has its outcome: nothing more is decided on it.")
    tests = {
        "harmed_child": harmed_child,
        "criminal_offence": criminal_offence,
        "risk_of_harm": risk_of_harm,
        "unsuitable": unsuitable,
    }
    errors = {}
    if decision not in Threshold.values:
        errors["decision"] = "Choose whether it may meet the harm threshold."
    if not rationale.strip():
        errors["rationale"] = "Give the reasons for the decision."
    if decision == Threshold.MAY_MEET and not any(tests.values()):
        errors["harmed_child"] = "Tick which of the four tests the concern may meet."
    if decision in (Threshold.LOW_LEVEL, Threshold.NO_FURTHER_ACTION):
        if not not_referred_because.strip():
            errors["not_referred_because"] = "Say why it is not discussed with the LADO."
        if any(tests.values()):
            errors["harmed_child"] = (
                "A concern that may meet one of the tests is discussed with the LADO: "
                "choose “may meet the harm threshold”, or untick the tests."
            )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    record = ThresholdDecision.objects.create(
        allegation=allegation, decided_by=by, decided_at=now, decision=decision,
        rationale=rationale.strip(),
        not_referred_because="" if decision == Threshold.MAY_MEET else not_referred_because.strip(),
        **tests,
    )  # fmt: skip
    allegation.threshold = decision
    if decision == Threshold.MAY_MEET and allegation.lado_due_at is None:
        allegation.lado_due_at = lado_deadline(now)
    allegation.save(update_fields=["threshold", "lado_due_at"])
    if incident.status == Status.NEW:
        triage.case_acknowledge(incident=incident, by=by)
    lines = [f"Threshold decision: {Threshold(decision).label}."]
    if record.tests_met():
        lines.append("May meet: " + "; ".join(record.tests_met()) + ".")
    lines.append(f"Reasons: {record.rationale}")
    if record.not_referred_because:
        lines.append(f"Not referred to the LADO because: {record.not_referred_because}")
    if decision == Threshold.MAY_MEET:
        due = date_format(timezone.localtime(allegation.lado_due_at), "l j F Y, H:i")
        lines.append(f"To be discussed with the LADO by {due}.")
    _chronicle(incident, EntryKind.NOTE, by, "\n".join(lines))
    logger.info("Allegation %s: threshold decision %s by user %s", allegation.pk, decision, by.pk)
    return record


@transaction.atomic
def lado_contact_record(
    *,
    allegation: Allegation,
    by: User,
    lado_name: str,
    contacted_at: datetime.datetime,
    reference: str,
    strategy_discussion: str,
    police: str,
    suspension: str,
    suspension_reason: str,
    support: str,
    next_steps: str = "",
) -> LadoContact:
    """The discussion with the LADO: who, when, their reference, and the next steps agreed
    (a strategy discussion, the police, suspension considered with its reason either way, and
    support for the adult). Recorded in the chronology as a referral to the LADO."""
    allegation = _locked(allegation)
    incident = allegation.incident
    errors = {}
    if allegation.threshold != Threshold.MAY_MEET:
        raise ValidationError(
            "Record a threshold decision that it may meet the harm threshold first."
        )
    if allegation.outcome:
        raise ValidationError("This allegation has its outcome.")
    for name, value, message in (
        ("lado_name", lado_name, "Give the LADO's name."),
        ("reference", reference, "Give the LADO's reference."),
        ("suspension_reason", suspension_reason, "Say why the adult is, or is not, suspended."),
        ("support", support, "Say what support the adult is offered."),
    ):
        if not value.strip():
            errors[name] = message
    for name, value in (
        ("strategy_discussion", strategy_discussion),
        ("police", police),
        ("suspension", suspension),
    ):
        if value not in YesNo.values:
            errors[name] = "Choose yes or no."
    if contacted_at > timezone.now():
        errors["contacted_at"] = "The discussion cannot be in the future."
    if errors:
        raise ValidationError(errors)
    record = LadoContact.objects.create(
        allegation=allegation, recorded_by=by, lado_name=lado_name.strip(),
        contacted_at=contacted_at, reference=reference.strip(),
        strategy_discussion=strategy_discussion, police=police, suspension=suspension,
        suspension_reason=suspension_reason.strip(), support=support.strip(),
        next_steps=next_steps.strip(),
    )  # fmt: skip
    if allegation.lado_contacted_at is None:
        allegation.lado_contacted_at = contacted_at
        allegation.save(update_fields=["lado_contacted_at"])
    in_time = "within" if allegation.lado_in_time else "after"
    text = "\n".join(
        [
            f"Discussed with {record.lado_name} (LADO) {in_time} one working day.",
            f"Strategy discussion: {record.get_strategy_discussion_display().lower()}. "
            f"Police: {record.get_police_display().lower()}. "
            f"Suspended: {record.get_suspension_display().lower()}, "
            f"because {record.suspension_reason}",
            f"Support for the adult: {record.support}",
            *([f"Next steps: {record.next_steps}"] if record.next_steps else []),
        ]
    )
    triage.case_refer(
        incident=incident, by=by, agency=Agency.LADO,
        referred_on=timezone.localdate(contacted_at), reference=record.reference, text=text,
    )  # fmt: skip
    return record


@transaction.atomic
def outcome_record(
    *,
    allegation: Allegation,
    by: User,
    outcome: str,
    rationale: str,
    disciplinary: str,
    reference_summary: str = "",
) -> AllegationOutcome:
    """Close an allegation with one of KCSIE's five outcomes. A summary for references is kept
    only for a substantiated one; a malicious one is removed by the next retention run."""
    allegation = _locked(allegation)
    incident = allegation.incident
    errors = {}
    if allegation.outcome:
        raise ValidationError("This allegation already has its outcome.")
    if allegation.threshold != Threshold.MAY_MEET:
        raise ValidationError(
            "Only an allegation that may meet the harm threshold closes with one of the five "
            "outcomes; close a low-level or no-further-action case from the report."
        )
    if allegation.lado_contacted_at is None:
        raise ValidationError("Record the discussion with the LADO first.")
    if outcome not in Outcome.values:
        errors["outcome"] = "Choose one of the five outcomes."
    if not rationale.strip():
        errors["rationale"] = "Give the reasons for the outcome."
    if reference_summary.strip() and outcome != Outcome.SUBSTANTIATED:
        errors["reference_summary"] = (
            "Only a substantiated allegation is mentioned in a reference: leave this empty."
        )
    if errors:
        raise ValidationError(errors)
    record = AllegationOutcome.objects.create(
        allegation=allegation, decided_by=by, outcome=outcome, rationale=rationale.strip(),
        reference_summary=reference_summary.strip(),
    )  # fmt: skip
    allegation.outcome = outcome
    allegation.closed_at = record.decided_at
    allegation.save(update_fields=["outcome", "closed_at"])
    triage.case_close(
        incident=incident, by=by, disciplinary=disciplinary,
        outcome=f"Allegation {Outcome(outcome).label[0].lower()}{Outcome(outcome).label[1:]}.\n"
        f"Reasons: {record.rationale}",
    )  # fmt: skip
    return record


# The LADO clock


@transaction.atomic
def lado_escalate(*, allegation: Allegation, now: datetime.datetime) -> list[User] | bool:
    """Escalate once: the LADO was not contacted within one working day. The next people in the
    case manager's chain (routing's chains: never the subject nor anyone who answers to them)
    receive the case, may act on it, and are told that something needs attention."""
    allegation = _locked(allegation)
    if not allegation.lado_overdue(now) or allegation.lado_escalated_at or allegation.outcome:
        return False  # lib.batch counts it as skipped: contacted or escalated since selected
    incident = allegation.incident
    have_it = {allegation.case_manager_id} | set(
        incident.routing_decisions.exclude(recipient=None).values_list("recipient", flat=True)
    )
    role, _, people = escalation_step(
        school=incident.school, subject=incident.subject_user,
        roles=[Role(allegation.case_manager_role)], have_it=have_it,
    )  # fmt: skip
    waited = "the LADO was not contacted within one working day"
    position = incident.routing_decisions.count()
    for offset, person in enumerate(people):
        RoutingDecision.objects.create(
            incident=incident, recipient=person, role=role, position=position + offset,
            reason=f"Escalated to the {role_title(role, incident.school)}: {waited}.",
        )  # fmt: skip
    if people:
        allegation.escalated_to.add(*people)
        notifications_create(
            recipients=people, kind=Kind.INCIDENT_ESCALATED, urgent=True, incident=incident
        )
        text = f"Escalated to the {role_title(role, incident.school)}: {waited}."
    else:
        text = f"Could not be escalated: nobody further in the chain ({waited})."
    _chronicle(incident, EntryKind.ESCALATION, None, text)
    allegation.lado_escalated_at = now
    allegation.save(update_fields=["lado_escalated_at"])
    logger.info("Allegation %s: LADO clock escalated to %s people", allegation.pk, len(people))
    return people


def lado_escalations_run(*, now: datetime.datetime | None = None) -> BatchRun:
    """Escalate every allegation whose LADO discussion is overdue, each once, however often it
    runs; one that fails is logged and tried again later, and holds up no other (lib.batch)."""
    now = now or timezone.now()
    overdue = Allegation.objects.filter(
        threshold=Threshold.MAY_MEET,
        lado_due_at__lte=now,
        lado_contacted_at__isnull=True,
        lado_escalated_at__isnull=True,
        outcome="",
    ).order_by("lado_due_at", "pk")
    return run_each(
        "lado-escalations",
        list(overdue),
        lambda allegation: lado_escalate(allegation=allegation, now=now),
        now=now,
        max_delay=datetime.timedelta(hours=1),
    )
