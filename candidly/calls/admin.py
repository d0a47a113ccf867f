from django import forms
from django.contrib import admin

from candidly.calls.models import RecruiterLine
from candidly.people.contacts import normalize_phone


class RecruiterLineForm(forms.ModelForm):
    class Meta:
        model = RecruiterLine
        fields = ["user", "number", "label"]

    def clean_number(self):
        return normalize_phone(self.cleaned_data["number"])


@admin.register(RecruiterLine)
class RecruiterLineAdmin(admin.ModelAdmin):
    form = RecruiterLineForm
    list_display = ["number", "user", "label", "created_at"]
    search_fields = ["number", "user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
