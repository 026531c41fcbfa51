from django.urls import path

from records import views

# The Data Protection Lead's pages keep the audit log's addresses and names (/audit/, audit:log),
# which the route matrix, the home page and the lead's guidance use.
app_name = "audit"

urlpatterns = [
    path("", views.log, name="log"),
    path(
        "people/<int:pk>/subject-access.<str:format>", views.subject_access, name="subject_access"
    ),
]
