from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from records import selectors
from records.permissions import schools_for_dpl, subject_for_dpl
from signin.reauth import recent_authentication_required

PAGE_SIZE = 50


@login_required
def log(request: HttpRequest) -> HttpResponse:
    schools = schools_for_dpl(request.user)
    action = request.GET.get("action", "")
    person = request.GET.get("person", "").strip()[:100]
    events = selectors.events_for(schools, action=action, person=person, viewer=request.user)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    find = request.GET.get("find", "").strip()[:100]
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "schools": schools,
            "actions": Action.choices,
            "action": action,
            "person": person,
            "find": find,
            "found": selectors.people_of(schools, find) if find else [],
        },
    )


@login_required
@recent_authentication_required(when=lambda request: True)
def subject_access(request: HttpRequest, pk: int, format: str) -> HttpResponse:
    if format not in ("json", "pdf"):
        raise Http404("Exports are JSON or PDF")
    person, schools = subject_for_dpl(request.user, pk)
    held = selectors.subject_access(person, schools)
    audit_record(
        action=Action.SUBJECT_ACCESS, actor=request.user, school=schools[0], record=person,
        detail=f"export as {format}", request=request,
    )  # fmt: skip
    filename = f"subject-access-{person.pk}-{timezone.localdate()}.{format}"
    if format == "json":
        response = JsonResponse(held, json_dumps_params={"indent": 2, "ensure_ascii": False})
    else:
        from weasyprint import HTML  # slow to import; only PDFs need it

        html = render_to_string(
            "audit/subject_access.html",
            {
                "person": person,
                "held": held,
                "produced": timezone.localtime(),
            },
        )
        response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
