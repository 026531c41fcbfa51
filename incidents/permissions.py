"""Who may see a report. Every view reaches a report or its evidence through here.

A case is seen only by the people it reaches today — routed, escalated or passed to them as a
role they still hold (`cases_visible_to`): everybody else gets a 404, so nobody, the subject
least of all, can even learn that a report exists. The reporter sees their own report's
status (`action="view_status"`), never the case.
"""

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from audit.refusal import Refused
from incidents.models import Evidence, Incident
from incidents.selectors import case_report, reaching
from people.models import Membership, Role, School, User
from people.selectors import schools_for

Action = Literal["view_case", "view_status"]


def report_for_user(user: User, pk: int, *, action: Action = "view_case") -> Incident:
    """The report, or 404 for anyone who is not one of its recipients (or, for its status, its
    reporter)."""
    # Everything the case page shows of the report itself, in this one query.
    incident = case_report.one(pk=pk)
    if incident is None or (action == "view_status" and incident.reporter_id != user.pk):
        raise Refused("No such report")
    # The rule of cases_visible_to, read from the case's routing: the query the case page needs
    # anyway, rather than a nested subquery of its own.
    if action != "view_status" and all(person.pk != user.pk for person in reaching(incident)):
        raise Refused("No such report")
    return incident


def evidence_for_user(user: User, pk: int, evidence_pk: int) -> Evidence:
    incident = report_for_user(user, pk, action="view_case")
    try:
        evidence = incident.evidence.get(pk=evidence_pk)
    except Evidence.DoesNotExist:
        raise Http404("No such file") from None
    evidence.incident = incident
    return evidence


def reporting_schools(user: User) -> list[School]:
    """The schools a person may report a concern at: every school they work at or serve."""
    schools = schools_for(user)
    if not schools:
        raise PermissionDenied("Only people working at a school can report a concern there.")
    return sorted(schools, key=lambda school: school.name)


def trail_for_user(user: User, pk: int) -> Incident:
    """A case's audit trail is for the Head and the Data Protection Lead of its school, except
    the person the report is about. Everyone else: 404."""
    incident = Incident.objects.select_related("school").filter(pk=pk).first()
    if incident is None or incident.subject_user_id == user.pk:
        raise Refused("No such report")
    readers = (
        Membership.objects.current()
        .covering(incident.school)
        .filter(user=user, role__in=[Role.HEAD, Role.DPL])
    )
    if not readers.exists():
        raise Refused("No such report")
    return incident
