from django.contrib import admin

from candidly.pipeline.models import (
    Interview,
    Offer,
    Placement,
    Requisition,
    StageChange,
    Submission,
)


@admin.register(Requisition)
class RequisitionAdmin(admin.ModelAdmin):
    list_display = ["title", "company", "hiring_manager", "recruiter", "status", "opened_at"]
    list_select_related = ["company", "hiring_manager", "recruiter"]
    list_filter = ["status", "recruiter"]
    search_fields = ["title", "company__name"]
    raw_id_fields = ["company", "department", "hiring_manager"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    readonly_fields = ["from_stage", "to_stage", "changed_at", "changed_by"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["candidate", "requisition", "stage", "stage_changed_at"]
    list_select_related = ["candidate", "requisition"]
    list_filter = ["stage"]
    raw_id_fields = ["candidate", "requisition"]
    show_full_result_count = False
    inlines = [StageChangeInline]


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["submission", "kind", "starts_at", "status"]
    list_select_related = ["submission__candidate", "submission__requisition"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["submission"]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["submission", "status", "decline_reason", "extended_at", "decided_at"]
    list_select_related = ["submission__candidate", "submission__requisition"]
    list_filter = ["status", "decline_reason"]
    raw_id_fields = ["submission"]


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ["submission", "start_date", "fall_off_date"]
    list_select_related = ["submission__candidate", "submission__requisition"]
    raw_id_fields = ["submission"]
