from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from people import services
from people.forms import (
    AcceptInvitationForm,
    LadoContactForm,
    LeaverForm,
    PersonForm,
    ReminderLadderForm,
    RolesForm,
    StaffListForm,
)
from people.models import Invitation, Membership, Role, School, StaffCategory, StaffImport, User
from people.permissions import school_for_manager
from people.signals import roles_removal_warnings
from people.staff_import import ImportRefused, plan_import
from signin.reauth import recent_authentication_required


@dataclass
class PersonRow:
    user: User
    category: str
    starts_on: object
    ends_on: object = None
    roles: list[str] = field(default_factory=list)
    invitation: Invitation | None = None


def _people_at(school: School) -> tuple[list[PersonRow], list[PersonRow]]:
    """Everyone at the school now or starting later, and the leavers (one query)."""
    today = timezone.localdate()
    rows: dict[int, PersonRow] = {}
    memberships = (
        Membership.objects.filter(school=school)
        .select_related("user", "user__invitation")
        .order_by("user__full_name", "starts_on")
    )
    for membership in memberships:
        row = rows.setdefault(
            membership.user_id,
            PersonRow(
                membership.user,
                StaffCategory(membership.staff_category).label,
                membership.starts_on,
                invitation=getattr(membership.user, "invitation", None),
            ),
        )
        if membership.ends_on is None or membership.ends_on >= today:
            row.roles.append(
                school.head_title if membership.role == Role.HEAD else membership.get_role_display()
            )
        else:
            row.ends_on = max(row.ends_on or membership.ends_on, membership.ends_on)
    current = [row for row in rows.values() if row.roles]
    leavers = [row for row in rows.values() if not row.roles]
    return current, leavers


@login_required
def people_list(request: HttpRequest, slug: str) -> HttpResponse:
    school = school_for_manager(request.user, slug)
    current, leavers = _people_at(school)
    return render(
        request,
        "people/list.html",
        {"school": school, "people": current, "leavers": leavers, "today": timezone.localdate()},
    )


@login_required
@recent_authentication_required
def person_add(request: HttpRequest, slug: str) -> HttpResponse:
    school = school_for_manager(request.user, slug)
    form = PersonForm(request.POST or None, in_trust=school.trust_id is not None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_add(school=school, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The same words whether or not the address already had an account elsewhere in
            # the portal: the Head is not told who else uses it.
            messages.success(
                request,
                f"{form.cleaned_data['full_name']} added. Anyone new to the portal is invited "
                "by e-mail.",
            )
            return redirect("people:list", slug=slug)
    return render(request, "people/add.html", {"school": school, "form": form})


@login_required
@recent_authentication_required
def school_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """The school's reminder ladder and its LADO contact, for the Head (and a trust's Head of
    HR, as for people). Each form posts on its own; the other keeps what is stored."""
    school = school_for_manager(request.user, slug)
    posted = request.POST if request.method == "POST" else None
    lado_posted = posted is not None and "lado-lado_contact" in posted
    form = ReminderLadderForm(None if lado_posted else posted, instance=school)
    lado_form = LadoContactForm(
        posted if lado_posted else None, instance=School.objects.get(pk=school.pk)
    )
    if lado_posted and lado_form.is_valid():
        if services.school_lado_set(school=school, by=request.user, **lado_form.cleaned_data):
            messages.success(request, "The LADO contact is saved.")
        else:
            messages.info(request, "Nothing changed: the LADO contact is as it was.")
        return redirect("people:settings", slug=slug)
    if posted is not None and not lado_posted and form.is_valid():
        try:
            saved = services.school_reminders_set(
                school=school, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if saved:
                messages.success(request, "The reminder days are saved.")
            else:
                messages.info(request, "Nothing changed: the reminder days are as they were.")
            return redirect("people:settings", slug=slug)
    return render(
        request, "people/settings.html", {"school": school, "form": form, "lado_form": lado_form}
    )


def _person_at(school: School, user_id: int) -> User:
    return get_object_or_404(User.objects.filter(memberships__school=school).distinct(), pk=user_id)


@login_required
def person_detail(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    school = school_for_manager(request.user, slug)
    person = _person_at(school, user_id)
    held = list(Membership.objects.current().filter(school=school, user=person))
    return render(
        request,
        "people/detail.html",
        {
            "school": school,
            "person": person,
            "memberships": Membership.objects.filter(school=school, user=person).order_by(
                "-starts_on"
            ),
            "roles_form": RolesForm(initial={"roles": [m.role for m in held]}),
            "leaver_form": LeaverForm(initial={"ends_on": timezone.localdate()}),
            "invitation": Invitation.objects.filter(user=person).first(),
        },
    )


def _act(request: HttpRequest, slug: str, user_id: int, form_class, action, done: str):
    school = school_for_manager(request.user, slug)
    person = _person_at(school, user_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    elif warnings := _unconfirmed_warnings(request, school, person, form):
        return render(
            request,
            "people/confirm_roles_removal.html",
            {"school": school, "person": person, "warnings": warnings, "form": form},
        )
    else:
        try:
            action(school=school, user=person, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done.format(name=person.full_name))
    return redirect("people:detail", slug=slug, user_id=user_id)


def _unconfirmed_warnings(request: HttpRequest, school: School, person: User, form) -> list[str]:
    """Before a change leaves reports with nobody to receive them (the Chair, the DSL or the
    Head made vacant), the Head is told which, and asked to confirm."""
    if request.POST.get("confirmed") == "yes":
        return []
    held = set(
        Membership.objects.current()
        .filter(school=school, user=person)
        .values_list("role", flat=True)
    )
    kept = set(form.cleaned_data.get("roles", ())) if "roles" in form.cleaned_data else set()
    return roles_removal_warnings(school=school, user=person, roles=held - kept)


@login_required
@require_POST
@recent_authentication_required
def person_roles(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    return _act(
        request, slug, user_id, RolesForm, services.person_roles_set, "{name}'s roles are saved."
    )


@login_required
@require_POST
@recent_authentication_required
def person_leave(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    return _act(
        request, slug, user_id, LeaverForm, services.person_leave,
        "{name} is recorded as a leaver; everything they signed, declared or reported stays.",
    )  # fmt: skip


@login_required
@require_POST
def invitation_resend(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    school = school_for_manager(request.user, slug)
    person = _person_at(school, user_id)
    try:
        services.invitation_resend(school=school, user=person, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"A new invitation has been sent to {person.email}.")
    # Back to the page it was sent from, only if that is one of the portal's own pages.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("people:list", slug=slug)


@login_required
def staff_import(request: HttpRequest, slug: str) -> HttpResponse:
    school = school_for_manager(request.user, slug)
    form = StaffListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            kept = services.staff_import_preview(
                school=school, by=request.user, filename=upload.name, data=upload.read()
            )
        except ImportRefused as error:
            form.add_error("file", f"{upload.name}: {error}")
        else:
            return redirect("people:import_preview", slug=slug, pk=kept.pk)
    return render(request, "people/import.html", {"school": school, "form": form})


@login_required
@recent_authentication_required
def staff_import_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    school = school_for_manager(request.user, slug)
    kept = get_object_or_404(StaffImport, pk=pk, school=school)
    if request.method == "POST":
        try:
            plan = services.staff_import_apply(staff_import=kept, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"Imported: {plan.count('create')} added (anyone new to the portal is invited "
                f"by e-mail), {plan.count('change')} changed, {plan.count('unchanged')} left as "
                "they were.",
            )
            return redirect("people:list", slug=slug)
    plan = plan_import(school, kept.text)
    counts = {action: plan.count(action) for action in ("create", "change", "unchanged")}
    return render(
        request,
        "people/import_preview.html",
        {"school": school, "kept": kept, "plan": plan, "counts": counts},
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "people/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.invitation_accept(
            invitation=invitation, password=form.cleaned_data["new_password1"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to the Conduct Portal. Your password is set.")
        return redirect("home")
    return render(
        request, "people/invitation_accept.html", {"form": form, "person": invitation.user}
    )
