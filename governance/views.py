"""The governors' dashboard of a school or a trust: the page, its CSV and its PDF report."""

from collections.abc import Callable
from functools import wraps
from typing import Literal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from governance import selectors
from governance.cache import figures_rendered
from governance.figures import Dashboard
from governance.forms import PeriodForm
from governance.permissions import school_for_user, trust_for_user
from lib.csv_export import csv_response
from people.models import School, Trust
from signin.reauth import recent_authentication_required

Kind = Literal["school", "trust"]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Straight to the one dashboard a person has, or a choice of them."""
    dashboards = selectors.dashboards_for(request.user)
    if not dashboards:
        raise PermissionDenied("The dashboard is for governors, the Chair and the Head.")
    if len(dashboards) == 1:
        return redirect(dashboards[0][1])
    return render(request, "governance/index.html", {"dashboards": dashboards})


def _asked_for(request: HttpRequest, kind: Kind, slug: str) -> tuple[School | Trust, PeriodForm]:
    """The school or trust (or 404, or 403), and the period asked for."""
    place = (school_for_user if kind == "school" else trust_for_user)(request.user, slug)
    return place, PeriodForm(request.GET or None, today=timezone.localdate())


def _build(place: School | Trust, form: PeriodForm) -> Dashboard:
    """The dashboard for the period chosen: the current term if none, or none valid, was."""
    build = selectors.school_dashboard if isinstance(place, School) else selectors.trust_dashboard
    return build(place, form.chosen(), today=form.today)


@login_required
def dashboard(request: HttpRequest, slug: str, kind: Kind) -> HttpResponse:
    place, form = _asked_for(request, kind, slug)
    figures = _build(place, form)
    others = [d for d in selectors.dashboards_for(request.user) if d[1] != request.path]
    query = form.query()
    return render(
        request,
        "governance/dashboard.html",
        {
            "dashboard": figures,
            "figures_html": figures_rendered(
                figures,
                lambda: render_to_string("governance/_figures.html", {"dashboard": figures}),
            ),
            "form": form,
            "others": others,
            "pdf_url": reverse(f"governance:{kind}_pdf", args=[slug]) + "?" + query,
            "csv_url": reverse(f"governance:{kind}_csv", args=[slug]) + "?" + query,
        },
    )


def _export_view(write: Callable[[HttpRequest, Dashboard], HttpResponse]):
    """A view exporting the dashboard (`write` makes the CSV or the PDF of it): for whoever sees
    the page, after a recent sign-in; a period the form refuses goes back to the page, which
    says why."""

    @login_required
    @recent_authentication_required(when=lambda request: True)
    @wraps(write)
    def view(request: HttpRequest, slug: str, kind: Kind) -> HttpResponse:
        place, form = _asked_for(request, kind, slug)
        if form.errors:
            query = request.GET.urlencode()
            return redirect(reverse(f"governance:{kind}", args=[slug]) + "?" + query)
        return write(request, _build(place, form))

    return view


@_export_view
def dashboard_csv(request: HttpRequest, figures: Dashboard) -> HttpResponse:
    return csv_response(figures.csv_rows(), filename=f"{_filename(figures)}.csv")


@_export_view
def dashboard_pdf(request: HttpRequest, figures: Dashboard) -> HttpResponse:
    from weasyprint import HTML  # slow to import; only PDFs need it

    html = render_to_string("governance/report_pdf.html", {"dashboard": figures}, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(figures)}.pdf"'
    return response


def _filename(figures: Dashboard) -> str:
    period = figures.period
    return (
        f"governors-dashboard-{figures.slug}-{period.start.isoformat()}-to-{period.end.isoformat()}"
    )
