from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from notifications import selectors
from notifications.services import notifications_mark_read


@login_required
@never_cache
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        marked = notifications_mark_read(user=request.user)
        if marked:
            messages.success(
                request, f"{marked} notification{'s' if marked != 1 else ''} marked as read."
            )
        return redirect("notifications:list")
    return render(
        request,
        "notifications/list.html",
        {
            "notifications": selectors.latest(request.user),
            "unread": selectors.unread_count(request.user),
        },
    )


@login_required
@never_cache
def bell(request: HttpRequest) -> HttpResponse:
    """The bell in the navigation bar, with its count: fetched by htmx, so pages stay lean."""
    return render(
        request, "notifications/_bell.html", {"unread": selectors.unread_count(request.user)}
    )
