"""Pages for anyone, with no account: a published version's exact text, and the receipt check.

Their addresses are printed on paper receipts, so they must never move.
"""

from django.urls import path

from acknowledgements import public_views as acknowledgements
from policies import public_views as policies

app_name = "public"

urlpatterns = [
    path(
        "policies/<slug:owner>/<int:pk>/v<int:number>/text.txt",
        policies.version_text,
        name="policy_text",
    ),
    path("receipts/check/", acknowledgements.receipt_check, name="receipt_check"),
]
