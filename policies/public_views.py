"""What anyone may read without an account: the exact text of published versions."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from policies import selectors
from policies.models import canonical_text
from policies.text import clause_texts

# A published version's text never changes, so a copy kept anywhere stays right.
CACHE_SECONDS = 24 * 3600


@require_safe  # GET, and HEAD for `curl -I`
def version_text(request: HttpRequest, owner: str, pk: int, number: int) -> HttpResponse:
    """The canonical text of a published (or superseded) version: the bytes whose SHA-256 is
    on every receipt of it. A draft, or a version of another school's address, is a 404."""
    version = selectors.public_version(owner, pk, number)
    response = HttpResponse(
        canonical_text(clause_texts(version)).encode(), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{version.public_text_filename}"'
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}, immutable"
    return response
