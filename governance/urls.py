from django.urls import path

from governance import views

app_name = "governance"

school, trust = {"kind": "school"}, {"kind": "trust"}
urlpatterns = [
    path("", views.index, name="index"),
    path("schools/<slug:slug>/", views.dashboard, school, name="school"),
    path("schools/<slug:slug>/figures.csv", views.dashboard_csv, school, name="school_csv"),
    path("schools/<slug:slug>/report.pdf", views.dashboard_pdf, school, name="school_pdf"),
    path("trusts/<slug:slug>/", views.dashboard, trust, name="trust"),
    path("trusts/<slug:slug>/figures.csv", views.dashboard_csv, trust, name="trust_csv"),
    path("trusts/<slug:slug>/report.pdf", views.dashboard_pdf, trust, name="trust_pdf"),
]
