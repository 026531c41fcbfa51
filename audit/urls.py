from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.log, name="log"),
    path(
        "people/<int:pk>/subject-access.<str:format>", views.subject_access, name="subject_access"
    ),
]
