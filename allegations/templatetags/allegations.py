"""The allegation panel on incidents' case page: a template tag, so that incidents' code never
imports this app (incidents sits below it)."""

from django import template
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from allegations.models import Allegation
from allegations.selectors import access_of, signed_record
from incidents.models import Incident, SubjectKind
from incidents.routing import People
from lib.prepared import prepared

register = template.Library()


@prepared(incident=int)
def _allegation(incident: int) -> QuerySet[Allegation]:
    return Allegation.objects.filter(incident=incident).select_related("case_manager")[:1]


@register.simple_tag(takes_context=True)
def allegation_panel(context, incident: Incident) -> SafeString:
    """For a case about an adult: what the adult signed, and a way into the allegation record
    for those who may see it (four queries; none for any other case)."""
    if incident.subject_kind != SubjectKind.ADULT:
        return SafeString("")
    user = context["request"].user
    allegation = _allegation.one(incident=incident.pk)
    # Jinja2, as the rest of the case page (lib/jinja.py): it escapes every value.
    panel = render_to_string(
        "allegations/case_panel.html",
        {
            "incident": incident,
            "allegation": allegation,
            "access": access_of(user, incident, allegation, People.of(incident.school)),
            "signed": signed_record(incident),
        },
        using="jinja2",
    )
    return mark_safe(panel)  # noqa: S308 - escaped by Jinja2
