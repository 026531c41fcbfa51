"""Signing a published version, its receipts, a person's own record, and the Head's view of who has
signed (declarations and requests: decision_views.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from acknowledgements import selectors
from acknowledgements.forms import (
    StaffCategoryFilter,
)
from acknowledgements.permissions import signoff_for_user
from acknowledgements.receipts import receipt_reference_for
from acknowledgements.services.signoff import (
    monitoring_notice,
    signoff_changes,
    signoff_record,
    signoff_statement,
)
from lib.client import client_ip
from lib.csv_export import csv_response
from people.selectors import memberships_for
from policies.comparison import Change
from policies.models import VersionStatus
from policies.permissions import version_for_user
from policies.text import clause_texts, whole_text
from signin.reauth import recent_authentication_required


@login_required
def sign(request: HttpRequest, version_pk: int) -> HttpResponse:
    """Read and sign a version: the whole text, or for a re-sign what changed first."""
    version = version_for_user(request.user, version_pk)
    policy = version.policy
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
