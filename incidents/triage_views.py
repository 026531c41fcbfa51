"""The recipients' side: the queue, acting on a case, and the audit trail."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from incidents import retention, selectors, services, triage
from incidents.models import AccessAction, CaseAccess, Incident, Status
from incidents.permissions import report_for_user, trail_for_user
from incidents.triage_forms import (
    CloseForm,
    CorrectionForm,
    NoteForm,
    OwnerForm,
    QueueFilterForm,
    ReferralForm,
    StatusForm,
    SupportForm,
)
from people.models import User

PAGE_SIZE = 25


def _or_refused(request: HttpRequest, pk: int, lookup: Callable[[User, int], Incident]) -> Incident:
    """The case as `lookup` allows it; a refusal (404) of a case that exists is recorded."""
    try:
        return lookup(request.user, pk)
    except Http404:
        if Incident.objects.filter(pk=pk).exists():
            services.case_access_record(
                incident=Incident(pk=pk), user=request.user, action=AccessAction.REFUSED
            )
        raise


def case_or_refuse(request: HttpRequest, pk: int) -> Incident:
    """The case for one of its recipients; anyone else gets 404, and the attempt is recorded."""
    return _or_refused(request, pk, report_for_user)


def _errors(form) -> str:
    return " ".join(
        f"{form.fields[name].label or name.capitalize()}: {' '.join(errors)}"
        if name in form.fields
        else " ".join(errors)
        for name, errors in form.errors.items()
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    tally = selectors.QueueTally.of(request.user)
    # Anyone a case reaches has a queue: the role is looked up only for those it reaches none.
    if not tally.counts and not selectors.has_queue(request.user):
        raise PermissionDenied("Only people who receive reports have a queue.")
    form = QueueFilterForm(request.GET or None, schools=tally.schools())
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.queue_cases(viewer=request.user, filters=filters)
    paginator = Paginator(cases, PAGE_SIZE)
    if (known := tally.matching(filters)) is not None:
        paginator.count = known  # no COUNT of what the tally has counted
    page = paginator.get_page(request.GET.get("page"))
    counts = tally.by_status()
    query = request.GET.copy()
    query.pop("page", None)
    # Jinja2 for the rows (lib/jinja.py); it escapes every value, so its output is safe HTML.
    results = render_to_string(
        "incidents/queue_results.html",
        {
            "status": form["status"].value(),
            "page": page,
            "schools": tally.names,
            "counts": [(status, counts.get(status, 0)) for status in Status],
            "total": sum(counts.values()),
            "query": query.urlencode(),
        },
        using="jinja2",
    )
    if request.htmx:
        return HttpResponse(results)
    drawn = render_to_string("incidents/queue_filters.html", {"form": form}, using="jinja2")
    # Both escaped by Jinja2.
    context = {"filters": mark_safe(drawn), "results": mark_safe(results)}  # noqa: S308
    return render(request, "incidents/queue.html", context)


def triage_forms(incident: Incident, recipients: list[User]) -> dict:
    # The case page shows these forms together, and several share a field name ("text"): each
    # gets its own ids, or every label would point at the first form's box. Names stay as they
    # are, so what is posted (and case_act) does not change. (The status and correction forms
    # are drawn by the page itself: a button, or one box per entry.)
    owner_form = OwnerForm(
        recipients=recipients, initial={"owner": incident.owner_id}, auto_id="owner-%s"
    )
    return {
        "note_form": NoteForm(auto_id="note-%s"),
        "referral_form": ReferralForm(auto_id="referral-%s"),
        "close_form": CloseForm(auto_id="close-%s"),
        "owner_form": owner_form,
        "support_form": SupportForm(auto_id="support-%s"),
    }


# What each action does: the form that reads it, and the service that writes it.
ACTIONS = {
    "acknowledge": (None, triage.case_acknowledge, "Acknowledged: the case is yours."),
    "status": (StatusForm, triage.case_status_change, "Status changed."),
    "note": (NoteForm, triage.case_note_add, "Note added."),
    "refer": (ReferralForm, triage.case_refer, "Referral recorded."),
    "close": (CloseForm, triage.case_close, "Outcome recorded and case closed."),
    "owner": (OwnerForm, triage.case_owner_set, "Owner changed."),
    "support": (SupportForm, triage.case_support_record, "Support recorded."),
    "correct": (CorrectionForm, triage.case_correct, "Correction added."),
}


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action")
    incident = case_or_refuse(request, pk)
    form_class, service, done = ACTIONS[action]
    data = {}
    if form_class:
        kwargs = {"recipients": selectors.reaching(incident)} if form_class is OwnerForm else {}
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            messages.error(request, _errors(form))
            return redirect("incidents:case", pk=pk)
        data = dict(form.cleaned_data)
        if action == "correct":
            data["entry"] = incident.entries.filter(pk=data["entry"]).first()
            if data["entry"] is None:
                raise Http404("No such entry")
    try:
        service(incident=incident, by=request.user, **data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("incidents:case", pk=pk)


@login_required
def trail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _or_refused(request, pk, trail_for_user)
    services.case_access_record(incident=incident, user=request.user, action=AccessAction.TRAIL)
    return render(
        request,
        "incidents/trail.html",
        {
            "incident": incident,
            "accesses": CaseAccess.objects.filter(incident=incident).select_related("user"),
            "entries": incident.entries.select_related("author"),
        },
    )


@login_required
@require_POST
def legal_hold(request: HttpRequest, pk: int) -> HttpResponse:
    """The Head or the Data Protection Lead places a report on legal hold, or releases it."""
    incident = _or_refused(request, pk, trail_for_user)
    try:
        retention.legal_hold_set(
            incident=incident,
            by=request.user,
            hold=request.POST.get("hold") == "on",
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Legal hold saved.")
    return redirect("incidents:trail", pk=pk)
