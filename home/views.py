from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format

from acknowledgements.selectors import outstanding_for, pending_declarations, pending_requests
from governance.permissions import SCHOOL_ROLES
from governance.selectors import dashboards_for
from incidents.models import Status
from incidents.selectors import RECEIVING_ROLES, reports_for_recipient
from people.models import Membership, Role, User
from people.permissions import managed_schools
from people.selectors import memberships_for
from policies.selectors import due_for_review

HOME_REPORTS = 10
RECEIVES_REPORTS = set(RECEIVING_ROLES)
# The Head decides; the Chair decides the Head's own declarations and requests.
DECIDES_REQUESTS = {Role.HEAD, Role.CHAIR}


@dataclass
class AttentionItem:
    label: str
    url: str


@dataclass
class AttentionList:
    """One list on the home page of things waiting for this person."""

    title: str
    empty_text: str
    items: list[AttentionItem] = field(default_factory=list)
    more_url: str = ""
    more_label: str = ""


def attention_for(user: User, memberships: list[Membership]) -> list[AttentionList]:
    roles = {membership.role for membership in memberships}
    to_sign = [
        AttentionItem(
            f"{item.version.policy.title} (version {item.version.number}) — "
            + ("overdue since " if item.overdue else "by ")
            + date_format(item.deadline, "j F Y"),
            reverse("acknowledgements:sign", args=[item.version.pk]),
        )
        for item in outstanding_for(user, memberships)
    ]
    lists = [
        AttentionList(
            "Policies to read and sign", "You have signed everything that applies.", to_sign
        )
    ]
    if Role.HEAD in roles:
        due = [
            AttentionItem(
                f"{v.policy.title}, {v.policy.school or v.policy.trust}: review due "
                f"{date_format(v.review_due, 'j F Y')}",
                reverse("policies:read", args=[v.policy_id]),
            )
            for v in due_for_review(user)
        ]
        lists.append(AttentionList("Policies due for review", "No policy is due for review.", due))
    if roles & DECIDES_REQUESTS:
        waiting = [
            AttentionItem(
                f"Declaration from {d.user.full_name}",
                reverse("acknowledgements:declaration", args=[d.pk]),
            )
            for d in pending_declarations(user)
        ] + [
            AttentionItem(
                f"{r.get_kind_display()}: request from {r.user.full_name}",
                reverse("acknowledgements:request", args=[r.pk]),
            )
            for r in pending_requests(user)
        ]
        lists.append(
            AttentionList(
                "Declarations and requests to decide",
                "No declaration or request is waiting.",
                waiting,
                more_url=reverse("acknowledgements:head") if Role.HEAD in roles else "",
                more_label="Who has signed, and everything waiting",
            )
        )
    if roles & RECEIVES_REPORTS or Role.TRUST_HR in roles:
        open_reports = reports_for_recipient(user).exclude(status=Status.CLOSED)
        reports = open_reports.order_by("-urgent", "-created_at")[:HOME_REPORTS]
        lists.append(
            AttentionList(
                "Reports waiting for you",
                "No report is waiting.",
                more_url=reverse("incidents:queue"),
                more_label="Your queue: every report routed to you",
                items=[
                    AttentionItem(
                        f"{'URGENT · ' if r.urgent else ''}{r.reference} · "
                        f"{r.get_category_display()} · {r.get_status_display().lower()} · "
                        f"{r.school}",
                        reverse("incidents:case", args=[r.pk]),
                    )
                    for r in reports
                ],
            )
        )
    return lists


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = memberships_for(request.user)
    roles = {m.role for m in memberships}
    manages = {Role.HEAD, Role.TRUST_HR} & roles
    trust_level = any(m.trust_id for m in memberships)
    return render(
        request,
        "home.html",
        {
            "memberships": memberships,
            "attention_lists": attention_for(request.user, memberships),
            "managed_schools": managed_schools(request.user) if manages else [],
            "data_protection_lead": Role.DPL in roles,
            "dashboards": dashboards_for(request.user)
            if roles & set(SCHOOL_ROLES) or trust_level
            else [],
        },
    )
