from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from candidly.accounts.models import Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = [*BaseUserAdmin.fieldsets, ("Candidly", {"fields": ["time_zone", "team"]})]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead"]
    search_fields = ["name"]
