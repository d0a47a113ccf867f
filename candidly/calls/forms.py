from django import forms
from django.conf import settings

from candidly.calls.columns import parse_mapping
from candidly.lib.timeutil import zone_or_none


class UploadForm(forms.Form):
    file = forms.FileField(label="Call log (CSV)")
    recruiter = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Match each call by the recruiter's line",
        label="Whose calls",
        help_text="Choose a recruiter for a log exported from one person's phone.",
    )
    map = forms.CharField(
        required=False,
        max_length=1000,
        label="Column mapping",
        help_text="Only for other exports: Their Column=our_field, separated by commas.",
    )
    time_zone = forms.CharField(
        max_length=64,
        label="Time zone of times without an offset",
        initial=settings.TIME_ZONE,
    )

    def __init__(self, *args, recruiters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recruiter"].queryset = recruiters

    def clean_map(self):
        text = self.cleaned_data["map"]
        try:
            return parse_mapping(text) if text.strip() else None
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"].strip()
        if zone_or_none(name) is None:
            raise forms.ValidationError(f"“{name}” is not a time zone (try America/Chicago).")
        return name


class LineForm(forms.Form):
    number = forms.CharField(max_length=40, label="Number")
    label = forms.CharField(max_length=30, required=False, label="Label")
