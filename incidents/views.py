import functools
import logging
import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from incidents import selectors, services
from incidents.evidence import EvidenceRefused, LimitedUploadHandler
from incidents.forms import PLATFORMS, ReportForm
from incidents.handover import vacancy_contacts, waiting_for
from incidents.models import Category, Status, role_title
from incidents.permissions import evidence_for_user, report_for_user, reporting_schools
from incidents.rules import RULES
from incidents.triage import TRANSITIONS
from incidents.triage_views import case_or_refuse, triage_forms
from notifications.services import notifications_mark_read
from people.models import School

logger = logging.getLogger(__name__)


@csrf_exempt
@login_required
def report_new(request: HttpRequest) -> HttpResponse:
    # The size limit must be in place before the body is read, which the CSRF check would do:
    # so the check runs after it, in _report_new (Django's documented pattern).
    request.upload_handlers.insert(0, LimitedUploadHandler(request))
    return _report_new(request)


@csrf_protect
def _report_new(request: HttpRequest) -> HttpResponse:
    schools = reporting_schools(request.user)
    # Made only if the form needs it (forms.PersonChoiceField), once for both of its fields.
    people = functools.cache(functools.partial(selectors.people_of_schools, schools))
    if request.method != "POST":
        form = ReportForm(schools=schools, people=people)
        return _form_page(request, form, schools)
    form = ReportForm(
        request.POST,
        request.FILES,
        schools=schools,
        people=people,
        refused=getattr(request, "refused_uploads", []),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.report_submit(
                reporter=request.user,
                school=data["school"],
                category=data["category"],
                subject_kind=data["subject_kind"],
                subject_user=data["subject_user"],
                subject_description=data["subject_description"],
                affected_user=data["affected_user"],
                happened_on=data["happened_on"],
                happened_at_time=data["happened_at_time"],
                platform=data["platform"],
                content_address=data["content_address"],
                description=data["description"],
                files=data["evidence"],
            )
        except EvidenceRefused as refused:
            for message in refused.messages:
                form.add_error("evidence", message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("incidents:sent", pk=incident.pk)
    return _form_page(request, form, schools)


def _form_page(request: HttpRequest, form: ReportForm, schools: list[School]) -> HttpResponse:
    links = selectors.clause_links(request.user)
    chosen = form["category"].value()
    options = [
        {
            "value": category,
            "label": label,
            "rule": RULES[category],
            "checked": chosen == category,
            "links": links[category],
            "goes_to": _goes_to(category, schools[0]),
        }
        for category, label in Category.choices
    ]
    return render(
        request,
        "incidents/report_form.html",
        {
            "form": form,
            "category_options": options,
            "category_value": chosen,
            "indecent_images": Category.INDECENT_IMAGES,
            "cyberbullying": Category.CYBERBULLYING,
            "platforms": PLATFORMS,
        },
    )


def _goes_to(category: str, school: School) -> str:
    """Who a category goes to by default, in words, for the form."""
    text = " and ".join(f"the {role_title(role, school)}" for role in RULES[category].roles)
    if category == Category.CYBERBULLYING and school.trust_id:
        text += ", or the trust's Head of HR for centrally employed staff"
    return text


@login_required
def report_recipients(request: HttpRequest) -> HttpResponse:
    """The report form asks, as the reporter chooses, who the report would go to (by role), so a
    reporter learns before sending it when nobody in the portal can receive it yet."""
    schools = reporting_schools(request.user)
    by_pk = {str(school.pk): school for school in schools}
    school = by_pk.get(request.GET.get("school", ""), schools[0])
    category = request.GET.get("category", "")
    preview = None
    if category in RULES:
        subject = None
        chosen = request.GET.get("subject_user", "")
        if request.GET.get("subject_kind") == "adult" and re.fullmatch(r"[0-9]{1,18}", chosen):
            subject = selectors.people_of_schools([school]).filter(pk=int(chosen)).first()
        preview = selectors.route_preview(school=school, category=category, subject=subject)
    return render(
        request, "incidents/_report_recipients.html", {"preview": preview, "school": school}
    )


@login_required
@never_cache
def report_sent(request: HttpRequest, pk: int) -> HttpResponse:
    incident = report_for_user(request.user, pk, action="view_status")
    recipients = selectors.recipients_for_reporter(incident)
    return render(
        request,
        "incidents/report_sent.html",
        {
            "incident": incident,
            "rule": RULES[incident.category],
            "recipients": recipients,
            "waiting_for": [] if recipients else waiting_for(incident),
            "vacancy_told": not recipients and bool(vacancy_contacts(incident)),
            "indecent_images": incident.category == Category.INDECENT_IMAGES,
        },
    )


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    # The page is where a status-change notification opens: seeing it reads them.
    notifications_mark_read(user=request.user, link=request.path)
    return render(
        request, "incidents/my_reports.html", {"reports": selectors.reports_by(request.user)}
    )


@login_required
@never_cache
def case(request: HttpRequest, pk: int) -> HttpResponse:
    incident = case_or_refuse(request, pk)
    services.case_access_record(incident=incident, user=request.user)
    case = selectors.case_for(incident)
    # Seeing the case reads its notifications: a second write only when one is still unread.
    if case.unread_by(request.user):
        notifications_mark_read(user=request.user, incident=incident)
    # The handling forms are for a case acknowledged and still open: a new case shows only
    # Acknowledge, a closed one only Reopen (drawn by the page itself).
    handling = case.incident.status not in (Status.NEW, Status.CLOSED)
    forms = triage_forms(case.incident, selectors.reaching(case.incident)) if handling else {}
    # Jinja2 for the body (lib/jinja.py), for its chronology and forms; it escapes every value,
    # so its output is safe HTML. The Django template around it is the page's frame.
    body = render_to_string(
        "incidents/case_body.html",
        {
            "case": case,
            "chronology": selectors.chronology(case),
            "allowed": TRANSITIONS[case.incident.status],
            "csrf_token": get_token(request),
            **forms,
        },
        using="jinja2",
    )
    context = {"case": case, "body": mark_safe(body)}  # noqa: S308 - escaped by Jinja2
    return render(request, "incidents/case.html", context)


@login_required
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    case_or_refuse(request, pk)
    evidence = evidence_for_user(request.user, pk, evidence_pk)
    try:
        handle = evidence.path.open("rb")
    except FileNotFoundError:
        logger.error("Evidence %s of report %s is missing from storage", evidence.pk, pk)
        raise Http404("The file is missing") from None
    services.case_access_record(incident=evidence.incident, user=request.user, evidence=evidence)
    # Always a download of opaque bytes: never shown inline, never sniffed into HTML.
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
