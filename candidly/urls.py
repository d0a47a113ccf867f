from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("candidly.web.urls")),
    path("", include("candidly.mail.urls")),
    path("", include("candidly.calendars.urls")),
    path("", include("candidly.calls.urls")),
    path("", include("candidly.candidate_import.urls")),
]
