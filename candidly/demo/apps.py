from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "candidly.demo"
    label = "demo"
