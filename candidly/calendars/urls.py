"""Pages of this app; included from candidly/urls.py."""

from django.urls import path

from candidly.calendars import views

urlpatterns = [
    path("calendar/", views.calendar_page, name="calendar_page"),
    path("calendar/feed/", views.calendar_feed_new, name="calendar_feed_new"),
    path("calendar/import/", views.calendar_upload, name="calendar_upload"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar_feed"),
]
