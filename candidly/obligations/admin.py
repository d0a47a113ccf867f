from django.contrib import admin, messages

from candidly.obligations import rules
from candidly.obligations.models import Obligation, ServiceLevel


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):
    list_display = ["team", "time_zone", "workdays", "work_starts", "work_ends", "holiday_country"]
    fieldsets = [
        (None, {"fields": ["team"]}),
        (
            "Working time",
            {
                "fields": [
                    "time_zone", "workdays", "work_starts", "work_ends", "holiday_country",
                    "holiday_subdivision",
                ]
            },
        ),
        (
            "When each obligation is due",
            {
                "fields": [
                    "callback_business_minutes", "callback_met_by_email_or_text",
                    "reply_business_days", "phone_prep_hours_before", "onsite_prep_hours_before",
                    "close_loop_business_days", "feedback_business_days", "check_in_days",
                ]
            },
        ),
        ("Reminders", {"fields": ["digest_hour", "lead_alert_business_days"]}),
    ]  # fmt: skip

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        rules.forget_policies()
        messages.info(
            request,
            "New obligations follow these service levels from now on. To recompute the due "
            "times of those already open or settled, run `candidly obligations rebuild`.",
        )


@admin.register(Obligation)
class ObligationAdmin(admin.ModelAdmin):
    """Read-only: obligations are kept by the services and the rebuild, not edited by hand."""

    list_display = ["kind", "owner", "person", "opened_at", "due_at", "state", "met_at"]
    list_filter = ["kind", "state", "owner"]
    list_select_related = ["owner", "candidate", "hiring_manager"]
    date_hierarchy = "due_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
