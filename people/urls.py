from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("<slug:slug>/", views.people_list, name="list"),
    path("<slug:slug>/add/", views.person_add, name="add"),
    path("<slug:slug>/settings/", views.school_settings, name="settings"),
    path("<slug:slug>/import/", views.staff_import, name="import"),
    path("<slug:slug>/import/<int:pk>/", views.staff_import_preview, name="import_preview"),
    path("<slug:slug>/<int:user_id>/", views.person_detail, name="detail"),
    path("<slug:slug>/<int:user_id>/roles/", views.person_roles, name="roles"),
    path("<slug:slug>/<int:user_id>/leave/", views.person_leave, name="leave"),
    path("<slug:slug>/<int:user_id>/invite/", views.invitation_resend, name="invite"),
]
