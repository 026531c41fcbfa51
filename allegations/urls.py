from django.urls import path

from allegations import views

app_name = "allegations"

urlpatterns = [
    path("", views.index, name="index"),
    path("concerns/new/", views.concern_new, name="concern_new"),
    path("concerns/<int:pk>/", views.concern, name="concern"),
    path("<int:pk>/", views.record, name="record"),
    path("<int:pk>/threshold/", views.threshold, name="threshold"),
    path("<int:pk>/lado/", views.lado, name="lado"),
    path("<int:pk>/outcome/", views.outcome, name="outcome"),
    path("<int:pk>/bundle.pdf", views.bundle, name="bundle"),
]
