from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "candidly.calendars"
    label = "calendars"
