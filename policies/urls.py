from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("", views.policy_list, name="list"),
    path("<int:pk>/", views.version_read, name="read"),
    path("<int:pk>/v<int:number>/", views.version_read, name="version"),
    path("<int:pk>/v<int:number>/changes/", views.version_changes, name="changes"),
    path("<int:pk>/v<int:number>/pdf/", views.version_pdf, name="pdf"),
    path("<int:pk>/v<int:number>/text.txt", views.version_text, name="text"),
    path("<int:pk>/draft/", views.draft_edit, name="draft"),
    path("<int:pk>/draft/start/", views.draft_start, name="draft_start"),
    path("<int:pk>/draft/publish/", views.draft_publish, name="publish"),
    path("<int:pk>/draft/discard/", views.draft_discard, name="discard"),
    path("<int:pk>/draft/clauses/add/", views.clause_add, name="clause_add"),
    path("<int:pk>/clauses/<int:clause_pk>/edit/", views.clause_edit, name="clause_edit"),
    path("<int:pk>/clauses/<int:clause_pk>/move/", views.clause_move, name="clause_move"),
    path("<int:pk>/clauses/<int:clause_pk>/remove/", views.clause_remove, name="clause_remove"),
]
