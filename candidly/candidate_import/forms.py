from django import forms
from django.core.exceptions import ValidationError

from candidly.accounts.models import User
from candidly.candidate_import.parsers import FORMAT_NAMES, MappingError, parse_mapping
from candidly.candidate_import.records import FIELDS
from candidly.people.models import Candidate


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Files", help_text="CSV (LinkedIn connections, Greenhouse or any) or JSON Resume"
    )
    format = forms.ChoiceField(
        choices=[("auto", "Tell from the content"), *FORMAT_NAMES.items()], initial="auto"
    )
    mapping = forms.CharField(
        required=False,
        max_length=2000,
        label="Column mapping",
        help_text=f"Column Name=field, … — fields: {', '.join(FIELDS)} (or ignore)",
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        label="Recruiter",
        help_text="Who looks after the new candidates",
    )
    source = forms.CharField(
        required=False,
        max_length=Candidate._meta.get_field("source").max_length,
        help_text="How these candidates were found, when a row says not",
    )

    def clean_mapping(self):
        try:
            return parse_mapping(self.cleaned_data["mapping"])
        except MappingError as exc:
            raise ValidationError(str(exc)) from None
