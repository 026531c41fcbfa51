from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from policies import selectors, services
from policies.comparison import Change, compare
from policies.forms import ClauseForm, NewClauseForm, PublishForm
from policies.models import Clause, VersionStatus, canonical_text
from policies.permissions import policy_for_user
from policies.text import sections_of, whole_text
from signin.reauth import recent_authentication_required


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "policies/list.html",
        {
            "rows": selectors.policy_rows(request.user),
            "due": selectors.due_for_review(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def version_read(request: HttpRequest, pk: int, number: int | None = None) -> HttpResponse:
    policy = policy_for_user(request.user, pk)
    version, history = selectors.version_with_history(policy, number, editable=policy.editable)
    query = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "policies/read.html",
        {
            "policy": policy,
            "version": version,
            "clauses": selectors.clauses_of(version, query=query) if query else [],
            "text": None if query else whole_text(version),
            "query": query,
            "history": history,
            "editable": policy.editable,
        },
    )


@login_required
def version_changes(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    policy = policy_for_user(request.user, pk)
    version = selectors.version_for_reading(policy, number, editable=policy.editable)
    previous = selectors.previous_published(version)
    old = list(previous.clauses.all()) if previous else []
    changes = compare(old, list(version.clauses.all()))
    return render(
        request,
        "policies/changes.html",
        {
            "policy": policy,
            "version": version,
            "previous": previous,
            "changes": changes,
            "counts": {kind: sum(c.change == kind for c in changes) for kind in Change},
            "show_unchanged": request.GET.get("all") == "1",
        },
    )


@login_required
def version_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    from weasyprint import HTML  # imported here: it is slow to import and only PDFs need it

    policy = policy_for_user(request.user, pk)
    version = selectors.version_for_reading(policy, number, editable=policy.editable)
    clauses = list(version.clauses.all())
    html = render_to_string(
        "policies/pdf.html",
        {
            "policy": policy,
            "version": version,
            "clauses": clauses,
            "sections": sections_of(clauses),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{policy.title} v{version.number}.pdf".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def version_text(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The version's canonical text, whose SHA-256 is the one on every sign-off receipt."""
    policy = policy_for_user(request.user, pk)
    version = selectors.version_for_reading(policy, number, editable=policy.editable)
    response = HttpResponse(
        canonical_text(list(version.clauses.all())), content_type="text/plain; charset=utf-8"
    )
    filename = f"policy-{policy.pk}-v{version.number}.txt"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Drafting: the Head's (or a trust policy's owner's) alone.


def _draft(request: HttpRequest, pk: int):
    policy = policy_for_user(request.user, pk, action="edit")
    return policy, policy.versions.filter(status=VersionStatus.DRAFT).first()


@login_required
@require_POST
def draft_start(request: HttpRequest, pk: int) -> HttpResponse:
    policy = policy_for_user(request.user, pk, action="edit")
    services.draft_start(policy=policy, by=request.user)
    return redirect("policies:draft", pk=policy.pk)


@login_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy, draft = _draft(request, pk)
    if draft is None:
        messages.info(request, "There is no draft of this policy. Start one to make changes.")
        return redirect("policies:read", pk=policy.pk)
    clauses = list(draft.clauses.all())
    return render(
        request,
        "policies/draft.html",
        {
            "policy": policy,
            "draft": draft,
            "clauses": clauses,
            "form": NewClauseForm(initial={"section": clauses[-1].section if clauses else ""}),
        },
    )


def _clause_for_editing(request: HttpRequest, pk: int, clause_pk: int) -> Clause:
    policy = policy_for_user(request.user, pk, action="edit")
    return get_object_or_404(
        Clause.objects.select_related("version__policy"), pk=clause_pk, version__policy=policy
    )


def _to_draft(pk: int, anchor: str) -> HttpResponse:
    return redirect(reverse("policies:draft", args=[pk]) + "#" + anchor)


def _refused(request: HttpRequest, error: ValidationError, pk: int) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    return redirect("policies:read", pk=pk)


@login_required
def clause_edit(request: HttpRequest, pk: int, clause_pk: int) -> HttpResponse:
    clause = _clause_for_editing(request, pk, clause_pk)
    if not clause.version.is_draft:
        return _refused(request, services.VersionNotEditable(clause.version), pk)
    form = ClauseForm(request.POST or None, instance=clause)
    if request.method == "POST" and form.is_valid():
        try:
            services.clause_update(
                clause=clause,
                section=form.cleaned_data["section"],
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except services.VersionNotEditable as error:
            return _refused(request, error, pk)
        messages.success(request, f"Clause {clause.key} saved.")
        return _to_draft(pk, clause.anchor)
    return render(
        request,
        "policies/clause_form.html",
        {"policy": clause.version.policy, "clause": clause, "form": form},
    )


@login_required
def clause_add(request: HttpRequest, pk: int) -> HttpResponse:
    policy, draft = _draft(request, pk)
    if draft is None:
        return redirect("policies:read", pk=policy.pk)
    form = NewClauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clause = services.clause_add(version=draft, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Clause {clause.key} added at the end.")
            return _to_draft(pk, clause.anchor)
    return render(
        request, "policies/clause_form.html", {"policy": policy, "clause": None, "form": form}
    )


@login_required
@require_POST
def clause_move(request: HttpRequest, pk: int, clause_pk: int) -> HttpResponse:
    clause = _clause_for_editing(request, pk, clause_pk)
    try:
        offset = -1 if request.POST.get("to") == "up" else 1
        services.clause_move(clause=clause, offset=offset, by=request.user)
    except services.VersionNotEditable as error:
        return _refused(request, error, pk)
    return _to_draft(pk, clause.anchor)


@login_required
@require_POST
def clause_remove(request: HttpRequest, pk: int, clause_pk: int) -> HttpResponse:
    clause = _clause_for_editing(request, pk, clause_pk)
    try:
        services.clause_remove(clause=clause, by=request.user)
    except services.VersionNotEditable as error:
        return _refused(request, error, pk)
    messages.success(request, f"Clause {clause.key} removed from the draft.")
    return redirect("policies:draft", pk=pk)


@login_required
@recent_authentication_required
def draft_publish(request: HttpRequest, pk: int) -> HttpResponse:
    policy, draft = _draft(request, pk)
    if draft is None:
        return redirect("policies:read", pk=policy.pk)
    previous = selectors.previous_published(draft)
    changes = compare(list(previous.clauses.all()) if previous else [], list(draft.clauses.all()))
    changed = [c for c in changes if c.change != Change.UNCHANGED]
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.version_publish(version=draft, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Version {draft.number} of “{policy.title}” is published.")
            return redirect("policies:read", pk=policy.pk)
    return render(
        request,
        "policies/publish.html",
        {"policy": policy, "draft": draft, "previous": previous, "changes": changed, "form": form},
    )


@login_required
@require_POST
def draft_discard(request: HttpRequest, pk: int) -> HttpResponse:
    policy, draft = _draft(request, pk)
    if draft is not None:
        services.draft_discard(version=draft, by=request.user)
        messages.success(request, "The draft was discarded; the published version is unchanged.")
    return redirect("policies:read", pk=policy.pk)
