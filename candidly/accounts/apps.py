from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "candidly.accounts"
    label = "accounts"
