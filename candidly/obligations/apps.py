from django.apps import AppConfig


class ObligationsConfig(AppConfig):
    name = "candidly.obligations"
    label = "obligations"
