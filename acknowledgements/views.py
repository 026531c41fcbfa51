from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from acknowledgements import selectors
from acknowledgements.forms import (
    AcknowledgeForm,
    ApprovalRequestForm,
    DecisionForm,
    DeclarationChangeForm,
    DeclarationForm,
    MoreInformationForm,
    StaffCategoryFilter,
)
from acknowledgements.models import (
    DECLARATION_CLAUSES,
    ApprovalKind,
    ApprovalRequest,
    Declaration,
)
from acknowledgements.permissions import item_for_user, signoff_for_user
from acknowledgements.receipts import receipt_reference_for
from acknowledgements.services.approvals import approval_decide, approval_request_submit
from acknowledgements.services.declarations import (
    declaration_acknowledge,
    declaration_end,
    declaration_reconfirm,
    declaration_request_more,
    declaration_submit,
    declaration_update,
)
from acknowledgements.services.signoff import (
    monitoring_notice,
    signoff_changes,
    signoff_record,
    signoff_statement,
)
from lib.client import client_ip
from lib.csv_export import csv_response
from notifications.services import notifications_mark_read
from people.selectors import memberships_for
from policies.comparison import Change
from policies.models import PolicyVersion, VersionStatus
from policies.permissions import policy_for_user
from policies.text import clause_texts, whole_text
from signin.reauth import recent_authentication_required


@login_required
def sign(request: HttpRequest, version_pk: int) -> HttpResponse:
    """Read and sign a version: the whole text, or for a re-sign what changed first."""
    version = get_object_or_404(
        PolicyVersion.objects.select_related("policy__school", "policy__trust"), pk=version_pk
    )
    policy = policy_for_user(request.user, version.policy_id)
    if version.status == VersionStatus.DRAFT:
        raise Http404("No such version")
    # A POST goes straight to the service, which returns an existing sign-off unchanged.
    existing = (
        None if request.method == "POST" else version.signoffs.filter(user=request.user).first()
    )
    if existing:
        messages.info(request, "You have already signed this version. Here is your receipt.")
        return redirect("acknowledgements:receipt", pk=existing.pk)
    if request.method == "POST":
        try:
            signoff, _ = signoff_record(
                user=request.user,
                version=version,
                text_sha256=request.POST.get("text_sha256", ""),
                ip_address=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Thank you: you have signed the {policy.title}.")
            return redirect("acknowledgements:receipt", pk=signoff.pk)
    clauses = clause_texts(version)
    last, changes = signoff_changes(request.user, version)
    return render(
        request,
        "acknowledgements/sign.html",
        {
            "policy": policy,
            "version": version,
            "text": None if last else whole_text(version),
            "last_signed": last,
            "changes": [c for c in changes if c.change != Change.UNCHANGED],
            "statement": signoff_statement(version, monitoring_notice(clauses)),
            "query": "",
        },
    )


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    signoff = signoff_for_user(request.user, pk)
    return render(request, "acknowledgements/receipt.html", _receipt_context(signoff))


def _receipt_context(signoff) -> dict:
    """What a receipt shows: the sign-off, its reference, and the public addresses of the
    version's text and of the check page, whole, so they can be typed from paper."""
    version = signoff.version
    return {
        "signoff": signoff,
        "reference": receipt_reference_for(signoff),
        "text_url": settings.SITE_URL + version.public_text_path,
        "text_filename": version.public_text_filename,
        "check_url": settings.SITE_URL + reverse("public:receipt_check"),
    }


@login_required
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from weasyprint import HTML  # slow to import; only PDFs need it

    signoff = signoff_for_user(request.user, pk)
    html = render_to_string(
        "acknowledgements/receipt_pdf.html", _receipt_context(signoff), request=request
    )
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sign-off-receipt-{signoff.pk}.pdf"'
    return response


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    user = request.user
    memberships = memberships_for(user)
    return render(
        request,
        "acknowledgements/my_record.html",
        {
            "outstanding": selectors.outstanding_for(user, memberships),
            "signoffs": selectors.signoffs_for(user),
            "declarations": selectors.declarations_for(user),
            "requests": selectors.requests_for(user),
            # Declaring and asking are done at a school: a trust-level role alone (the Data
            # Protection Lead, the Head of HR) has no Head to send them to, so no link to a 404.
            "at_a_school": any(m.school_id for m in memberships),
        },
    )


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


# The Head's view


@login_required
@recent_authentication_required(when=lambda request: request.GET.get("format") == "csv")
def head(request: HttpRequest) -> HttpResponse:
    """For each current version at the Head's schools: who has signed, who is outstanding;
    and the declarations and requests waiting for a decision."""
    schools = selectors.schools_headed_by(request.user)
    pending_declarations = list(selectors.pending_declarations(request.user))
    pending_requests = list(selectors.pending_requests(request.user))
    if not (schools or pending_declarations or pending_requests):
        raise PermissionDenied("Only the Head sees who has signed.")
    filters = StaffCategoryFilter(request.GET or None)
    category = filters.data.get("category", "") if filters.is_valid() else ""
    sections = []
    for school in schools:
        for version in selectors.current_versions_for_school(school):
            rows = selectors.signoff_status(school, version, category=category)
            sections.append(
                {
                    "school": school,
                    "version": version,
                    "rows": rows,
                    "signed": sum(1 for row in rows if row.signoff),
                }
            )
    if request.GET.get("format") == "csv":
        return _signoff_csv(sections)
    return render(
        request,
        "acknowledgements/head.html",
        {
            "sections": sections,
            "filters": filters,
            "category": category,
            "pending_declarations": pending_declarations,
            "pending_requests": pending_requests,
        },
    )


def _signoff_csv(sections: list[dict]) -> HttpResponse:
    rows: list[list] = [
        ["School", "Policy", "Version", "Name", "E-mail", "Staff category", "Signed at", "SHA-256"]
    ]
    for section in sections:
        version = section["version"]
        rows.extend(
            [
                section["school"].name,
                version.policy.title,
                version.number,
                row.user.full_name,
                row.user.email,
                row.category,
                # Local time with its offset: a person reads this file, a program can too.
                timezone.localtime(row.signoff.signed_at).isoformat()
                if row.signoff
                else "outstanding",
                row.signoff.text_sha256 if row.signoff else "",
            ]
            for row in section["rows"]
        )
    return csv_response(rows, filename="sign-off.csv")
