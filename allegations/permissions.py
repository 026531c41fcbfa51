"""Who may see an allegation or a low-level concern. Every view reaches one through here.

An allegation is seen by its case manager (who decides, records and downloads the bundle), by
whoever it was escalated to when the LADO was not contacted in time (who may act), and by the
school's DSL for the child's welfare (who reads), unless the DSL answers to the adult concerned.
The adult concerned never sees it, whatever roles they hold. Everyone else gets a 404 that the
audit log records (audit.refusal.Refused), so nobody can learn that an allegation exists.
"""

from typing import Literal

from allegations.models import Allegation, LowLevelConcern
from allegations.selectors import Access, access_of
from audit.refusal import Refused
from incidents.models import Incident, SubjectKind
from incidents.routing import People
from people.models import User

Action = Literal["view", "act", "manage"]


def allegation_for_user(
    user: User, incident_pk: int, *, action: Action = "view"
) -> tuple[Incident, Allegation | None, Access]:
    """The report about an adult, its allegation record if it has one yet, and what the person
    may do; or 404 for anyone who may not `action` it."""
    incident = (
        Incident.objects.select_related("school", "subject_user", "reporter")
        .filter(pk=incident_pk, subject_kind=SubjectKind.ADULT)
        .first()
    )
    if incident is None:
        raise Refused("No such allegation")
    allegation = Allegation.objects.filter(incident=incident).first()
    access = access_of(user, incident, allegation, People.of(incident.school))
    allowed = {"view": access.sees, "act": access.acts, "manage": access.manager}[action]
    if not allowed:
        raise Refused("No such allegation")
    return incident, allegation, access


def concern_for_user(user: User, pk: int) -> LowLevelConcern:
    """A low-level concern, for the person it went to: never for the adult it is about."""
    concern = (
        LowLevelConcern.objects.select_related("school", "subject", "raised_by", "handler")
        .filter(pk=pk, handler=user)
        .exclude(subject=user)
        .first()
    )
    if concern is None:
        raise Refused("No such concern")
    return concern
