from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "candidly.web"
    label = "web"
