"""Pages of this app; included from candidly/urls.py."""

from django.urls import path

from candidly.candidate_import import views

urlpatterns = [
    path("candidates/import/", views.upload, name="candidate_import"),
    path("candidates/import/review/", views.review, name="candidate_import_review"),
    path(
        "candidates/import/review/<int:pk>/merge/",
        views.suggestion_merge,
        name="candidate_import_merge",
    ),
    path(
        "candidates/import/review/<int:pk>/create/",
        views.suggestion_create,
        name="candidate_import_create",
    ),
    path("candidates/<int:pk>/resume.json", views.json_resume, name="candidate_json_resume"),
]
