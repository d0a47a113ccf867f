from django.contrib import admin

from candidly.reminders.models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """What was sent, skipped or failed. Setting a failed one back to queued sends it again."""

    list_display = ["key", "kind", "status", "recipient", "attempts", "changed_at", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["key", "recipient"]
    readonly_fields = ["key", "kind", "user", "day", "obligation_key", "recipient", "sent_at"]
