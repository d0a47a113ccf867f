from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "candidly.reminders"
    label = "reminders"
