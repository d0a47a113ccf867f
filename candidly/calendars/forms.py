from django import forms
from django.conf import settings

from candidly.lib.timeutil import zone_or_none


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field: the cleaned value is a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".ics,text/calendar"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files and self.required:
            raise forms.ValidationError("Choose at least one .ics file.")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class CalendarUploadForm(forms.Form):
    files = MultipleFileField(label=".ics files")
    time_zone = forms.CharField(
        max_length=64,
        required=False,
        label="Time zone for floating times",
        help_text="Events written without a zone are read in this one. Blank: your own.",
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        limit = settings.CALENDAR_UPLOAD_MAX_BYTES
        too_big = [f.name for f in files if f.size > limit]
        if too_big:
            raise forms.ValidationError(
                f"{', '.join(too_big)}: larger than {limit // 1_000_000} MB."
            )
        return files

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"].strip()
        if name and zone_or_none(name) is None:
            raise forms.ValidationError(f"“{name}” is not a time zone (try Europe/Berlin).")
        return name
