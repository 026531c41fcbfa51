from django.urls import path

from signin import views

app_name = "signin"

urlpatterns = [
    path("schools/<slug:slug>/", views.school_single_sign_on, name="school"),
    path("trusts/<slug:slug>/", views.trust_single_sign_on, name="trust"),
]
