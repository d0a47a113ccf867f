from django.contrib import admin

from candidly.calendars.models import CalendarEvent, CalendarFeed


@admin.register(CalendarEvent)
class CalendarEventAdmin(admin.ModelAdmin):
    list_display = ["summary", "kind", "state", "starts_at", "candidate", "recruiter"]
    list_filter = ["kind", "state"]
    search_fields = ["summary", "uid"]
    raw_id_fields = ["candidate", "interview", "activity", "recruiter"]
    readonly_fields = ["uid", "recurrence_id", "sequence", "stamp", "imported_at", "updated_at"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["recruiter", "created_at"]
    # The token is a secret: never shown, only replaced from the recruiter's calendar page.
    exclude = ["token"]
    readonly_fields = ["recruiter", "created_at"]

    def has_add_permission(self, request):
        return False
