"""Pages of this app; included from candidly/urls.py."""

from django.urls import path

from candidly.calls import views, webhook

urlpatterns = [
    path("calls/", views.calls_page, name="calls"),
    path("calls/import/", views.calls_upload, name="calls_upload"),
    path("calls/lines/", views.line_add, name="calls_line_add"),
    path("calls/lines/<int:pk>/remove/", views.line_remove, name="calls_line_remove"),
    path("calls/webhook/", webhook.calls_webhook, name="calls_webhook"),
]
