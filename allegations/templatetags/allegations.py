"""The allegation panel on incidents' case page: a template tag, so that incidents' code never
imports this app (incidents sits below it)."""

from django import template

from allegations.models import Allegation
from allegations.selectors import access_of, signed_record
from incidents.models import Incident, SubjectKind
from incidents.routing import People

register = template.Library()


@register.inclusion_tag("allegations/_case_panel.html", takes_context=True)
def allegation_panel(context, incident: Incident) -> dict:
    """For a case about an adult: what the adult signed, and a way into the allegation record
    for those who may see it (four queries; none for any other case)."""
    if incident.subject_kind != SubjectKind.ADULT:
        return {"show": False}
    user = context["request"].user
    allegation = Allegation.objects.filter(incident=incident).select_related("case_manager").first()
    return {
        "show": True,
        "incident": incident,
        "allegation": allegation,
        "access": access_of(user, incident, allegation, People.of(incident.school)),
        "signed": signed_record(incident),
    }
