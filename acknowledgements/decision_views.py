"""Declarations and requests for prior approval: made by staff, decided by the Head (or the
Chair, for the Head's own)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from acknowledgements import selectors
from acknowledgements.forms import (
    AcknowledgeForm,
    ApprovalRequestForm,
    DecisionForm,
    DeclarationChangeForm,
    DeclarationForm,
    MoreInformationForm,
)
from acknowledgements.models import (
    DECLARATION_CLAUSES,
    ApprovalKind,
    ApprovalRequest,
    Declaration,
)
from acknowledgements.permissions import item_for_user
from acknowledgements.services.approvals import approval_decide, approval_request_submit
from acknowledgements.services.declarations import (
    declaration_acknowledge,
    declaration_end,
    declaration_reconfirm,
    declaration_request_more,
    declaration_submit,
    declaration_update,
)
from notifications.services import notifications_mark_read
from people.selectors import memberships_for

# Declarations


def _my_schools(request: HttpRequest):
    schools = list(
        {m.school.pk: m.school for m in memberships_for(request.user) if m.school_id}.values()
    )
    if not schools:
        raise Http404("You have no current role at a school")
    return schools


@login_required
def declaration_new(request: HttpRequest) -> HttpResponse:
    schools = _my_schools(request)
    form = DeclarationForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            declaration = declaration_submit(user=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your declaration has been sent to the Head.")
            return redirect("acknowledgements:declaration", pk=declaration.pk)
    cited = selectors.citations_at(schools, DECLARATION_CLAUSES)
    return render(
        request,
        "acknowledgements/declaration_form.html",
        {
            "form": form,
            "citations": [(school, cited[school.pk]) for school in schools if cited[school.pk]],
            "many": len(schools) > 1,
        },
    )


@login_required
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = item_for_user(Declaration, request.user, pk)
    deciding = declaration.user != request.user
    if not deciding:  # the Head's answer is here: its notification has been read
        notifications_mark_read(user=request.user, link=request.path)
    context = {"declaration": declaration, "deciding": deciding}
    if deciding:
        context["acknowledge_form"] = AcknowledgeForm()
        context["more_form"] = MoreInformationForm()
    elif declaration.status == "more_info":
        context["change_form"] = DeclarationChangeForm(instance=declaration)
    return render(request, "acknowledgements/declaration.html", context)


@login_required
@require_POST
def declaration_change(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = item_for_user(Declaration, request.user, pk, action="manage")
    form = DeclarationChangeForm(request.POST, instance=declaration)
    if form.is_valid():
        try:
            declaration_update(declaration=declaration, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Your answer has been sent back to the Head.")
            return redirect("acknowledgements:declaration", pk=pk)
    declaration.refresh_from_db()
    return render(
        request,
        "acknowledgements/declaration.html",
        {"declaration": declaration, "deciding": False, "change_form": form},
    )


@login_required
@require_POST
def declaration_decide(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = item_for_user(Declaration, request.user, pk, action="decide")
    acknowledging = request.POST.get("action") == "acknowledge"
    acknowledge_form = AcknowledgeForm(request.POST if acknowledging else None)
    more_form = MoreInformationForm(None if acknowledging else request.POST)
    form = acknowledge_form if acknowledging else more_form
    if form.is_valid():
        try:
            if acknowledging:
                declaration_acknowledge(
                    declaration=declaration, by=request.user, **form.cleaned_data
                )
                messages.success(request, "Declaration acknowledged; the person has been told.")
            else:
                declaration_request_more(
                    declaration=declaration, by=request.user, **form.cleaned_data
                )
                messages.success(request, "Sent back with your question.")
            return redirect("acknowledgements:head")
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request,
        "acknowledgements/declaration.html",
        {
            "declaration": declaration,
            "deciding": True,
            "acknowledge_form": acknowledge_form,
            "more_form": more_form,
        },
    )


@login_required
@require_POST
def declaration_manage(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = item_for_user(Declaration, request.user, pk, action="manage")
    try:
        if request.POST.get("action") == "end":
            declaration_end(declaration=declaration)
            messages.success(request, "Your declaration has ended.")
        else:
            declaration_reconfirm(declaration=declaration)
            messages.success(request, "Thank you: your declaration is confirmed for another year.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("acknowledgements:declaration", pk=pk)


# Prior approvals


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    schools = _my_schools(request)
    cited = selectors.approval_citations(schools)
    form = ApprovalRequestForm(
        request.POST or None, schools=schools, kind_citations=_kind_citations(schools, cited)
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = approval_request_submit(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Your request has been sent to the Head.")
            return redirect("acknowledgements:request", pk=item.pk)
    kinds = [
        (ApprovalKind(kind).label, [(s, cited[kind][s.pk]) for s in schools if cited[kind][s.pk]])
        for kind in cited
    ]
    return render(
        request,
        "acknowledgements/request_form.html",
        {
            "form": form,
            "kinds": [(label, at) for label, at in kinds if at],
            "many": len(schools) > 1,
        },
    )


def _kind_citations(schools: list, cited: dict) -> dict[str, str]:
    """Each kind's clauses as plain text for its radio label: "§6.5", or with the school's
    name for someone at two schools. A kind not in the reader's policy cites nothing."""
    labels = {}
    for kind, by_school in cited.items():
        parts = [
            (f"{school}: " if len(schools) > 1 else "")
            + ", ".join(c.label for c in by_school[school.pk])
            for school in schools
            if by_school[school.pk]
        ]
        if parts:
            labels[kind] = "; ".join(parts)
    return labels


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for_user(ApprovalRequest, request.user, pk)
    deciding = item.user != request.user
    if not deciding:
        notifications_mark_read(user=request.user, link=request.path)
    form = DecisionForm(request.POST or None) if deciding else None
    if request.method == "POST" and deciding and form.is_valid():
        item = item_for_user(ApprovalRequest, request.user, pk, action="decide")
        try:
            approval_decide(
                request=item,
                by=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Decision recorded; the person has been told.")
            return redirect("acknowledgements:head")
    return render(
        request,
        "acknowledgements/request.html",
        {"item": item, "deciding": deciding, "form": form},
    )
