from django import forms
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.people.models import Company
from candidly.pipeline.models import Stage


class CandidateSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), required=False, empty_label="Any recruiter"
    )
    stage = forms.ChoiceField(choices=[("", "Any stage"), *Stage.choices], required=False)
    company = forms.ModelChoiceField(
        queryset=Company.objects.all(), required=False, empty_label="Any client"
    )


class CandidateForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.CharField(required=False)
    phone = forms.CharField(required=False)
    profile_url = forms.CharField(required=False, label="Profile URL")
    headline = forms.CharField(max_length=200, required=False, label="Current title")
    current_company = forms.CharField(max_length=200, required=False)
    location = forms.CharField(max_length=200, required=False)
    skills = forms.CharField(max_length=500, required=False, help_text="Comma-separated")
    owner = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True), required=False)

    # Service errors keyed by these names land on the matching field.
    SERVICE_FIELDS = {"emails": "email", "phones": "phone", "urls": "profile_url"}


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        choices=Activity.Kind.choices, widget=forms.RadioSelect, initial=Activity.Kind.CALL
    )
    direction = forms.ChoiceField(choices=Activity.Direction.choices, initial="outbound")
    outcome = forms.ChoiceField(
        choices=[("", "—"), *Activity.Outcome.choices], required=False, label="Call outcome"
    )
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    minutes = forms.IntegerField(
        min_value=0, max_value=1440, required=False, help_text="Blank: the usual for this kind"
    )
    subject = forms.CharField(max_length=300, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Notes")
    submission = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="About")

    def __init__(self, *args, submissions=(), **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)
        self.fields["submission"].choices = [("", "No particular opening")] + [
            (s.pk, f"{s.requisition.title} ({s.get_stage_display().lower()})") for s in submissions
        ]
        if not submissions:
            del self.fields["submission"]


class MoveForm(forms.Form):
    # Hired is reached by recording the placement, never by a plain move.
    to_stage = forms.ChoiceField(choices=[c for c in Stage.choices if c[0] != Stage.HIRED])
