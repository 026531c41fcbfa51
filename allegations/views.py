"""Pages for concerns about adults: thin, each parsing a form and calling a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from allegations import concerns, selectors, services
from allegations.forms import (
    ConcernForm,
    ConcernResponseForm,
    LadoForm,
    OutcomeForm,
    ThresholdForm,
    add_service_errors,
)
from allegations.models import HARM_TESTS
from allegations.permissions import allegation_for_user, concern_for_user
from audit.models import Action
from audit.services import audit_record
from incidents import selectors as incident_selectors
from incidents.models import AccessAction, Incident
from incidents.permissions import reporting_schools
from incidents.services import case_access_record


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """What reaches this person: low-level concerns they handle and allegations they see."""
    concerns = list(selectors.concerns_handled_by(request.user))
    for item in concerns:
        item.latest = ([None, *item.responses.all()])[-1]  # prefetched: no query
    return render(
        request,
        "allegations/index.html",
        {"concerns": concerns, "allegations": selectors.allegations_for(request.user)},
    )


@login_required
def concern_new(request: HttpRequest) -> HttpResponse:
    schools = reporting_schools(request.user)
    school = next((s for s in schools if str(s.pk) == request.POST.get("school")), schools[0])
    people = incident_selectors.people_of_schools([school])
    form = ConcernForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            concern = concerns.low_level_concern_raise(
                raised_by=request.user, school=school, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Thank you. Your concern ({concern.reference}) has gone, in confidence, to the "
                "person who handles low-level concerns at your school.",
            )
            return redirect("allegations:index")
    return render(
        request,
        "allegations/concern_form.html",
        {"form": form, "schools": schools, "school": school},
    )


def _concern_context(concern, form) -> dict:
    concerns = list(selectors.concerns_about(concern.subject, concern.school))
    pattern = selectors.pattern_of(concern, concerns)
    return {
        "concern": concern,
        "earlier": [c for c in concerns if c.pk != concern.pk and c.raised_at <= concern.raised_at],
        "later": [c for c in concerns if c.raised_at > concern.raised_at],
        "pattern": pattern,
        "responses": [r for c in concerns if c.pk == concern.pk for r in c.responses.all()],
        "has_left": selectors.has_left(concern.subject, concern.school),
        "form": form,
    }


@login_required
def concern(request: HttpRequest, pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, pk)
    form = ConcernResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        context = _concern_context(concern, form)
        try:
            response = concerns.low_level_concern_respond(
                concern=concern, by=request.user, pattern_seen=context["pattern"].flagged,
                **form.cleaned_data,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if response.incident_id:
                messages.success(
                    request,
                    "Referred as an allegation: the threshold decision is recorded and the "
                    "LADO must be consulted within one working day.",
                )
                return redirect("allegations:record", pk=response.incident_id)
            messages.success(request, "Your decision is recorded.")
            return redirect("allegations:concern", pk=pk)
    return render(request, "allegations/concern.html", _concern_context(concern, form))


def _record_context(request, incident, allegation, access, **forms) -> dict:
    case = incident_selectors.case_for(incident)
    return {
        "incident": case.incident,
        "case": case,
        "allegation": allegation,
        "access": access,
        "decisions": list(allegation.decisions.select_related("decided_by")) if allegation else [],
        "contacts": list(allegation.lado_contacts.select_related("recorded_by"))
        if allegation
        else [],
        "outcomes": list(allegation.outcomes.select_related("decided_by")) if allegation else [],
        # Drawn by the Jinja2 fragment the case page's panel draws it with; escaped by Jinja2.
        "signed_html": mark_safe(  # noqa: S308
            render_to_string(
                "allegations/signed.html",
                {"incident": case.incident, "signed": selectors.signed_record(case.incident)},
                using="jinja2",
            )
        ),
        "concerns": list(selectors.concerns_about(incident.subject_user, incident.school)),
        "kept_until": selectors.kept_until(allegation) if allegation else None,
        "chronology": incident_selectors.chronology(case),
        "harm_tests": HARM_TESTS,
        "now": timezone.now(),
        "threshold_form": forms.get("threshold_form") or ThresholdForm(auto_id="threshold-%s"),
        "lado_form": forms.get("lado_form") or LadoForm(auto_id="lado-%s"),
        "outcome_form": forms.get("outcome_form") or OutcomeForm(auto_id="outcome-%s"),
    }


def _open(request: HttpRequest, pk: int, action: str):
    """The allegation as the person may `action` it, opened for its case manager. A refusal of
    one that exists is recorded in the case's access log, as incidents' case page does."""
    try:
        incident, allegation, access = allegation_for_user(request.user, pk, action=action)
    except Http404:
        if Incident.objects.filter(pk=pk).exists():
            case_access_record(
                incident=Incident(pk=pk), user=request.user, action=AccessAction.REFUSED
            )
        raise
    if access.manager:
        allegation = services.allegation_open(incident=incident)
    return incident, allegation, access


@login_required
def record(request: HttpRequest, pk: int) -> HttpResponse:
    incident, allegation, access = _open(request, pk, "view")
    case_access_record(incident=incident, user=request.user)
    return render(
        request, "allegations/record.html", _record_context(request, incident, allegation, access)
    )


def _act(request, pk, form_class, prefix, service, done, data=lambda form: form.cleaned_data):
    incident, allegation, access = _open(request, pk, "act")
    if allegation is None:
        raise PermissionDenied("The case manager has not opened this allegation yet.")
    form = form_class(request.POST, auto_id=f"{prefix}-%s")
    if form.is_valid():
        try:
            service(allegation=allegation, by=request.user, **data(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("allegations:record", pk=pk)
    case_access_record(incident=incident, user=request.user)
    context = _record_context(request, incident, allegation, access, **{f"{prefix}_form": form})
    return render(request, "allegations/record.html", context, status=400)


@login_required
@require_POST
def threshold(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ThresholdForm,
        "threshold",
        services.threshold_record,
        "Threshold decision recorded.",
    )


@login_required
@require_POST
def lado(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, LadoForm, "lado", services.lado_contact_record,
        "LADO discussion recorded.", data=lambda form: form.service_data(),
    )  # fmt: skip


@login_required
@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, OutcomeForm, "outcome", services.outcome_record,
        "Outcome recorded and the allegation closed.",
    )  # fmt: skip


@login_required
def bundle(request: HttpRequest, pk: int) -> HttpResponse:
    """The case bundle for the case manager: one PDF of everything, the download recorded in
    the access log before the log is printed, so the bundle lists its own making."""
    from weasyprint import HTML  # slow to import; only PDFs need it

    incident, allegation, access = _open(request, pk, "manage")
    case_access_record(incident=incident, user=request.user, action=AccessAction.DOWNLOAD)
    audit_record(
        action=Action.CASE_CHANGED, actor=request.user, school=incident.school, record=incident,
        detail=f"{incident.reference}: case bundle downloaded", request=request,
    )  # fmt: skip
    context = _record_context(request, incident, allegation, access)
    context["accesses"] = list(selectors.access_log(incident))
    context["made_at"] = timezone.now()
    html = render_to_string("allegations/bundle_pdf.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-bundle-{incident.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
