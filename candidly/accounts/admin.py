from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from candidly.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = [*BaseUserAdmin.fieldsets, ("Candidly", {"fields": ["time_zone"]})]
