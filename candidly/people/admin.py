from django import forms
from django.contrib import admin

from candidly.people.contacts import normalize_contact
from candidly.people.models import Candidate, Company, ContactPoint, Department, HiringManager


class ContactPointForm(forms.ModelForm):
    """Staff edits are normalised like every other write, so lookups keep finding one person."""

    class Meta:
        model = ContactPoint
        fields = ["kind", "value", "label", "candidate", "hiring_manager"]

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("value"):
            try:
                data["value"] = normalize_contact(data["kind"], data["value"])
            except forms.ValidationError as exc:
                self.add_error("value", exc)
        return data


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    form = ContactPointForm
    extra = 0
    fields = ["kind", "value", "label"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "industry", "city"]
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "company"]
    list_select_related = ["company"]
    search_fields = ["name", "company__name"]
    autocomplete_fields = ["company"]


@admin.register(HiringManager)
class HiringManagerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "company"]
    list_select_related = ["company"]
    search_fields = ["first_name", "last_name", "company__name"]
    autocomplete_fields = ["company", "department"]
    inlines = [ContactPointInline]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "headline", "current_company", "owner"]
    list_select_related = ["owner"]
    list_filter = ["owner"]
    search_fields = ["last_name", "first_name"]
    raw_id_fields = ["referred_by_candidate", "referred_by_manager"]
    show_full_result_count = False
    inlines = [ContactPointInline]


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    form = ContactPointForm
    list_display = ["value", "kind", "candidate", "hiring_manager"]
    list_select_related = ["candidate", "hiring_manager"]
    list_filter = ["kind"]
    search_fields = ["value"]
    raw_id_fields = ["candidate", "hiring_manager"]
    show_full_result_count = False
