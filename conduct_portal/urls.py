from django.contrib import admin
from django.urls import include, path

from home import views as home_views
from ops import views as ops_views
from people import views as people_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("healthz/status", ops_views.healthz_status, name="healthz_status"),
    path("public/", include("conduct_portal.public_urls")),
    path("policies/", include("policies.urls")),
    path("incidents/", include("incidents.urls")),
    path("allegations/", include("allegations.urls")),
    path("notifications/", include("notifications.urls")),
    path("acknowledgements/", include("acknowledgements.urls")),
    path("people/", include("people.urls")),
    path("audit/", include("records.urls")),  # the audit log as the lead reads it
    path("governance/", include("governance.urls")),
    path("sign-in/", include("signin.urls")),
    path("invitations/<str:token>/", people_views.invitation_accept, name="invitation_accept"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
