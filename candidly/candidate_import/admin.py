from django.contrib import admin

from candidly.candidate_import.models import DuplicateSuggestion


@admin.register(DuplicateSuggestion)
class DuplicateSuggestionAdmin(admin.ModelAdmin):
    """Shown read-only: recruiters decide on the review page, through the services."""

    list_display = ["item", "suspected", "state", "created_at", "resolved_by", "resolved_at"]
    list_filter = ["state"]
    list_select_related = ["suspected", "resolved_by"]
    search_fields = ["item"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
