from django.urls import path

from acknowledgements import views

app_name = "acknowledgements"

urlpatterns = [
    path("sign/<int:version_pk>/", views.sign, name="sign"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("receipts/<int:pk>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("my-record/", views.my_record, name="my_record"),
    path("declarations/new/", views.declaration_new, name="declaration_new"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration"),
    path("declarations/<int:pk>/change/", views.declaration_change, name="declaration_change"),
    path("declarations/<int:pk>/decide/", views.declaration_decide, name="declaration_decide"),
    path("declarations/<int:pk>/manage/", views.declaration_manage, name="declaration_manage"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("head/", views.head, name="head"),
]
