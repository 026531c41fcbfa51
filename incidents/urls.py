from django.urls import path

from incidents import triage_views, views

app_name = "incidents"

urlpatterns = [
    path("report/", views.report_new, name="report"),
    path("report/recipients/", views.report_recipients, name="report_recipients"),
    path("mine/", views.my_reports, name="mine"),
    path("queue/", triage_views.queue, name="queue"),
    path("<int:pk>/", views.case, name="case"),
    path("<int:pk>/trail/", triage_views.trail, name="trail"),
    path("<int:pk>/trail/hold/", triage_views.legal_hold, name="legal_hold"),
    path("<int:pk>/act/<slug:action>/", triage_views.case_act, name="act"),
    path("<int:pk>/sent/", views.report_sent, name="sent"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence"),
]
