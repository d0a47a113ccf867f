from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "candidly.calls"
    label = "calls"
