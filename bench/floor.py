"""The two floor views the benchmark compares every page with.

Both answer the same JSON from one primary-key query. `floor_bare` is served by bench.wsgi
before Django's handler, so no middleware and no URL resolution runs: it is what a request costs
the server, the WSGI layer and one query. `floor_full` is mounted in bench.urls behind the full
middleware stack and a signed-in session: what the stack itself costs a page before it does any
work of its own. Neither exists unless BENCH_FLOOR=true (bench.settings refuses otherwise).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse

from people.models import School


def _one_row(request: HttpRequest) -> JsonResponse:
    pk = int(request.GET.get("pk", "1"))
    row = School.objects.filter(pk=pk).values("pk", "slug", "name").first()
    return JsonResponse({"school": row})


def floor_bare(request: HttpRequest) -> JsonResponse:
    return _one_row(request)


@login_required
def floor_full(request: HttpRequest) -> JsonResponse:
    return _one_row(request)
