from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "candidly.activity"
    label = "activity"
