from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.lib.timeutil import in_zone
from candidly.pipeline.models import Interview, Offer, Stage

# Zones offered for interviews: the agency's own first, then where clients usually are.
TIME_ZONES = list(dict.fromkeys([
    settings.TIME_ZONE, "America/New_York", "America/Chicago", "America/Denver",
    "America/Los_Angeles", "America/Toronto", "Europe/London", "Europe/Berlin", "Asia/Kolkata",
    "Asia/Singapore", "Australia/Sydney", "UTC",
]))  # fmt: skip


MAX_ID = 2**63 - 1  # the largest id a database column holds


class CandidateSearchForm(forms.Form):
    """The list's filters. Ids, not model choices: an unknown id simply matches nobody, and
    reading the filters costs no query."""

    q = forms.CharField(required=False, label="Search")
    owner = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    stage = forms.ChoiceField(choices=[("", "Any stage"), *Stage.choices], required=False)
    company = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class CandidateForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.CharField(required=False, max_length=300)
    phone = forms.CharField(required=False, max_length=300)
    profile_url = forms.CharField(required=False, label="Profile URL", max_length=300)
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


class InterviewForm(forms.Form):
    kind = forms.ChoiceField(choices=Interview.Kind.choices)
    # Read as a wall-clock time in the interview's own zone, not the site's: plain text here.
    starts_at = forms.CharField(
        label="Starts", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes = forms.IntegerField(min_value=5, max_value=600, initial=45, label="Length (min)")
    time_zone = forms.ChoiceField(choices=[(z, z) for z in TIME_ZONES], label="Time zone")
    interviewers = forms.CharField(max_length=300, required=False)
    location = forms.CharField(max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("time_zone"):
            try:
                naive = datetime.fromisoformat(data["starts_at"]).replace(tzinfo=None)
            except ValueError:
                self.add_error("starts_at", "Enter a date and time.")
                return data
            try:
                data["starts_at"] = in_zone(naive, ZoneInfo(data["time_zone"]))
            except ValidationError as exc:
                self.add_error("starts_at", exc)
                return data
            data["ends_at"] = data["starts_at"] + timedelta(minutes=data.get("minutes") or 45)
        return data


class OfferForm(forms.Form):
    salary = forms.IntegerField(min_value=0, max_value=100_000_000, required=False, label="Salary")


class OfferOutcomeForm(forms.Form):
    status = forms.ChoiceField(
        choices=[c for c in Offer.Status.choices if c[0] != Offer.Status.EXTENDED], label="Outcome"
    )
    decline_reason = forms.ChoiceField(
        choices=[("", "—"), *Offer.DeclineReason.choices], required=False, label="If declined, why"
    )
    note = forms.CharField(max_length=1000, required=False)


class PlacementForm(forms.Form):
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Starts on")


class AddCandidateForm(forms.Form):
    candidate = forms.CharField(label="Candidate", help_text="Email, phone or name")


class KnownChoicesField(forms.MultipleChoiceField):
    """Several choices; unknown values are dropped rather than refused."""

    def to_python(self, value):
        return [v for v in super().to_python(value) if self.valid_value(v)]


class PrepForm(forms.Form):
    """The prep checklist of an interview: what was covered goes into the prep's notes."""

    ITEMS = [
        ("role", "Role and team"),
        ("people", "Who they will meet"),
        ("format", "What to expect: format and length"),
        ("logistics", "Logistics: time, place or link"),
        ("questions", "Questions to ask them"),
    ]
    covered = KnownChoicesField(choices=ITEMS, required=False)

    def body(self) -> str:
        labels = dict(self.ITEMS)
        covered = [labels[item] for item in self.cleaned_data["covered"]]
        return f"Covered: {'; '.join(covered)}." if covered else ""


class FeedbackForm(forms.Form):
    """The hiring manager's feedback on a submitted candidate, as it reached the recruiter."""

    VIA = [
        (Activity.Kind.CALL, "Call"),
        (Activity.Kind.EMAIL, "Email"),
        (Activity.Kind.NOTE, "Note"),
    ]
    via = forms.ChoiceField(choices=VIA, required=False)
    feedback = forms.CharField(max_length=2000, required=False)


class WaiveForm(forms.Form):
    reason = forms.CharField(required=False)  # the service keeps the first 300 characters


# The scorecard's periods; each is read in the site's time zone.
PERIODS = [
    ("week", "This week"),
    ("month", "This month"),
    ("quarter", "This quarter"),
    ("year", "Last 12 months"),
    ("all", "All time"),
    ("custom", "Custom"),
]
DEFAULT_PERIOD = "month"
EARLIEST = date(1900, 1, 1)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class PeriodForm(forms.Form):
    """Which obligations the scorecard counts: those due in a period. Dates are inclusive."""

    period = forms.ChoiceField(choices=PERIODS, required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        period = data.get("period") or (
            "custom" if data.get("since") or data.get("until") else DEFAULT_PERIOD
        )
        data["period"] = period
        if period == "custom":
            since, until = data.get("since"), data.get("until")
            if not since or not until:
                raise ValidationError("A custom period needs a first and a last day.")
            if until < since:
                raise ValidationError("The last day comes before the first.")
        return data

    @property
    def chosen(self) -> str:
        return self.cleaned_data["period"] if self.is_valid() else DEFAULT_PERIOD

    def bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """[since, until) of the chosen period, as moments; the default when the form is not
        valid."""
        today = timezone.localtime(now).date()
        period = self.chosen
        if period == "custom":
            first, after = self.cleaned_data["since"], self.cleaned_data["until"]
            after += timedelta(days=1)
        elif period == "week":
            first = today - timedelta(days=today.weekday())
            after = first + timedelta(weeks=1)
        elif period == "month":
            first = today.replace(day=1)
            after = _add_months(first, 1)
        elif period == "quarter":
            first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
            after = _add_months(first, 3)
        elif period == "year":
            first = today - timedelta(days=364)
            after = today + timedelta(days=1)
        else:
            first, after = EARLIEST, today + timedelta(days=1)
        return _midnight(first), _midnight(after)

    def querystring(self) -> str:
        """The chosen period as URL parameters, for links that keep it."""
        if self.chosen != "custom":
            return urlencode({"period": self.chosen})
        data = self.cleaned_data
        return urlencode(
            {
                "period": "custom",
                "since": data["since"].isoformat(),
                "until": data["until"].isoformat(),
            }
        )
