from django.urls import path

from acknowledgements import decision_views as decisions
from acknowledgements import views

app_name = "acknowledgements"

urlpatterns = [
    path("sign/<int:version_pk>/", views.sign, name="sign"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("receipts/<int:pk>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("my-record/", views.my_record, name="my_record"),
    path("declarations/new/", decisions.declaration_new, name="declaration_new"),
    path("declarations/<int:pk>/", decisions.declaration_detail, name="declaration"),
    path("declarations/<int:pk>/change/", decisions.declaration_change, name="declaration_change"),
    path("declarations/<int:pk>/decide/", decisions.declaration_decide, name="declaration_decide"),
    path("declarations/<int:pk>/manage/", decisions.declaration_manage, name="declaration_manage"),
    path("requests/new/", decisions.request_new, name="request_new"),
    path("requests/<int:pk>/", decisions.request_detail, name="request"),
    path("head/", views.head, name="head"),
]
