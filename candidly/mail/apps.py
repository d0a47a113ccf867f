from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "candidly.mail"
    label = "mail"
