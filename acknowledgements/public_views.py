"""What anyone may do without an account: check a sign-off receipt."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from acknowledgements.forms import ReceiptCheckForm
from acknowledgements.receipts import signoff_matching


@require_http_methods(["GET", "POST"])
def receipt_check(request: HttpRequest) -> HttpResponse:
    """Does this reference and fingerprint belong to a real sign-off? The answer names only
    the policy, the version and the day, which the receipt already says: never who signed.
    A POST, so that what is typed stays out of addresses, histories and server logs."""
    form = ReceiptCheckForm(request.POST or None)
    checked, signoff = False, None
    if request.method == "POST" and form.is_valid():
        checked = True
        signoff = signoff_matching(**form.cleaned_data)
    return render(
        request,
        "acknowledgements/receipt_check.html",
        {"form": form, "checked": checked, "signoff": signoff},
    )
