from django.contrib import admin

from candidly.activity.models import Activity


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "direction", "person", "recruiter", "minutes", "side"]
    list_select_related = ["candidate", "hiring_manager", "recruiter"]
    list_filter = ["kind", "direction", "side", "source"]
    raw_id_fields = ["candidate", "hiring_manager", "submission", "interview"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
