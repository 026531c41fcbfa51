"""Concerns about adults for tests: a report about an adult, and its allegation taken through
each step by its case manager."""

import datetime

from django.utils import timezone

from allegations import services
from allegations.models import Allegation, Threshold
from incidents.models import Incident, SubjectKind
from tests.reports import submit


def report_about(subject, school, reporter, **changes) -> Incident:
    return submit(reporter, school, subject_kind=SubjectKind.ADULT, subject_user=subject, **changes)


def opened(incident: Incident) -> Allegation:
    return services.allegation_open(incident=incident)


def may_meet(allegation: Allegation, by) -> Allegation:
    services.threshold_record(
        allegation=allegation, by=by, decision=Threshold.MAY_MEET, harmed_child=True,
        rationale="A pupil says the teacher grabbed her arm hard enough to bruise.",
    )  # fmt: skip
    return Allegation.objects.get(pk=allegation.pk)


def lado_consulted(
    allegation: Allegation, by, *, at: datetime.datetime | None = None
) -> Allegation:
    services.lado_contact_record(
        allegation=allegation, by=by, lado_name="Pat Morgan", reference="LADO-2026-0412",
        contacted_at=at or timezone.now(), strategy_discussion="no", police="no",
        suspension="no", suspension_reason="Not needed: she will not teach the class meanwhile.",
        support="Union representative informed; occupational health offered.",
    )  # fmt: skip
    return Allegation.objects.get(pk=allegation.pk)
