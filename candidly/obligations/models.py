"""What a recruiter owes each client, and the service levels that set when it is due."""

from datetime import time
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays as holiday_tables
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from candidly.accounts.models import Team
from candidly.activity.models import Activity
from candidly.lib.constraints import choice_check, exactly_one_of
from candidly.obligations.businesstime import BusinessCalendar
from candidly.people.models import Candidate, HiringManager
from candidly.pipeline.models import Interview, Placement, Submission

WEEKDAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


def validate_workdays(value: str) -> None:
    days = [d.strip() for d in value.split(",") if d.strip()]
    unknown = [d for d in days if d not in WEEKDAYS]
    if unknown or not days:
        raise ValidationError(f"List working days as {', '.join(WEEKDAYS)}, separated by commas.")


def validate_day_list(value: str) -> None:
    try:
        days = [int(d) for d in value.split(",") if d.strip()]
    except ValueError:
        raise ValidationError("List whole numbers of days, separated by commas.") from None
    if days != sorted(set(days)) or any(d < 0 for d in days):
        raise ValidationError("List the days in increasing order, without repeats.")


def validate_holiday_country(value: str) -> None:
    if value and value not in holiday_tables.list_supported_countries():
        raise ValidationError(f"“{value}” is not a country code with a holiday calendar.")


def site_time_zone() -> str:
    return settings.TIME_ZONE


class ServiceLevel(models.Model):
    """A team's promises: working time and how soon each obligation is due.

    A team without a row of its own works to the defaults below, in the site's time zone.
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="service_level")
    time_zone = models.CharField(max_length=64, default=site_time_zone)
    workdays = models.CharField(
        max_length=40, default="Mon,Tue,Wed,Thu,Fri", validators=[validate_workdays]
    )
    work_starts = models.TimeField(default=time(9))
    work_ends = models.TimeField(default=time(17))
    holiday_country = models.CharField(
        max_length=3,
        default="US",
        blank=True,
        validators=[validate_holiday_country],
        help_text="ISO code whose public holidays are days off; blank for none.",
    )
    holiday_subdivision = models.CharField(max_length=10, blank=True, help_text="e.g. NY")

    callback_business_minutes = models.PositiveIntegerField(default=4 * 60)
    callback_met_by_email_or_text = models.BooleanField(
        default=False, help_text="Does an email or text answer a missed call?"
    )
    reply_business_days = models.PositiveSmallIntegerField(default=1)
    phone_prep_hours_before = models.PositiveSmallIntegerField(default=2)
    onsite_prep_hours_before = models.PositiveSmallIntegerField(default=24)
    close_loop_business_days = models.PositiveSmallIntegerField(default=2)
    feedback_business_days = models.PositiveSmallIntegerField(default=2)
    check_in_days = models.CharField(
        max_length=60,
        default="7,30,90",
        validators=[validate_day_list],
        help_text="Days after the start date; then yearly while the placement lasts.",
    )
    lead_alert_business_days = models.PositiveSmallIntegerField(
        default=1, help_text="Alert the team lead when an obligation is this late."
    )
    digest_hour = models.PositiveSmallIntegerField(
        default=8, help_text="Local hour of the morning digest email."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(work_ends__gt=models.F("work_starts")),
                name="%(app_label)s_%(class)s_day_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(digest_hour__lte=23),
                name="%(app_label)s_%(class)s_digest_hour_in_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Service levels of {self.team}" if self.team_id else "Default service levels"

    def clean(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ValueError, KeyError, OSError):
            raise ValidationError({"time_zone": "Not a time zone name."}) from None
        if self.work_ends <= self.work_starts:
            raise ValidationError({"work_ends": "The working day must end after it starts."})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def check_in_offsets(self) -> list[int]:
        return [int(d) for d in self.check_in_days.split(",") if d.strip()]

    @cached_property
    def calendar(self) -> BusinessCalendar:
        table = ()
        if self.holiday_country:
            table = holiday_tables.country_holidays(
                self.holiday_country, subdiv=self.holiday_subdivision or None
            )
        return BusinessCalendar(
            zone=self.zone,
            workdays=[WEEKDAYS.index(d.strip()) for d in self.workdays.split(",") if d.strip()],
            starts=self.work_starts,
            ends=self.work_ends,
            holidays=table,
        )


class ObligationKind(models.TextChoices):
    CALLBACK = "callback", "Call back"
    REPLY = "reply", "Reply to email"
    PHONE_PREP = "phone_prep", "Phone interview prep"
    ONSITE_PREP = "onsite_prep", "In-person interview prep"
    CLOSE_LOOP = "close_loop", "Close the loop"
    CHECK_IN = "check_in", "Check in"
    FEEDBACK = "feedback", "Manager feedback"


class ObligationState(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    WAIVED = "waived", "Waived"


class Obligation(models.Model):
    """Something a recruiter owes a client, due at a moment: opened by a recorded fact (a
    missed call, an email, a booked interview, a rejection, a placement, a submittal) and met
    by a later activity. Late = met after due; missed = still open after due."""

    Kind = ObligationKind
    State = ObligationState

    # One row per fact that opens it ("callback:a42", "check_in:p7:3"): upkeep and rebuild
    # find the same row, so rebuilding keeps a recruiter's waivers. Unique by a constraint
    # (obligation_key), not `unique=True`, which on PostgreSQL also builds an index for LIKE
    # searches that nothing makes and every new obligation and every one met would update.
    key = models.CharField(max_length=40)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="obligations",
        db_index=False,  # indexed by obligation_queue and obligation_scorecard
    )
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.CASCADE, db_index=False
    )
    hiring_manager = models.ForeignKey(
        HiringManager, null=True, blank=True, on_delete=models.CASCADE, db_index=False
    )
    # What opened it; at most one of these four is set (check-ins also carry their number).
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        db_index=False,
    )  # fmt: skip
    interview = models.ForeignKey(
        Interview, null=True, blank=True, on_delete=models.CASCADE, db_index=False
    )
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.CASCADE, db_index=False
    )
    placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.CASCADE, db_index=False
    )
    step = models.PositiveSmallIntegerField(default=0, help_text="Which check-in (1, 2, …).")
    # A reply is owed in the thread of the email that asked (blank when threads are unknown).
    thread = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # After this nothing can meet it any more (prep: the interview has started); an
    # obligation still open then is missed for good and leaves the Today queue.
    closes_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=6, choices=State.choices, default=State.OPEN)
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False,
    )  # fmt: skip
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    waive_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The Today queue: one recruiter's open obligations by due time.
            # With closes_at and state, its counts are read from the index alone (state,
            # though always "open" here, because a query may name it as a parameter).
            models.Index(
                fields=["owner", "due_at", "closes_at", "state"],
                name="obligation_queue",
                condition=models.Q(state="open"),
            ),
            # The scorecard, its drill-downs and trend: per recruiter, kind and state, a range
            # of due times; met_at makes on time / late readable from the index alone.
            # PostgreSQL has it as (owner, due_at, kind, state, met_at): migration 0005.
            models.Index(
                fields=["owner", "kind", "state", "due_at", "met_at"],
                name="obligation_scorecard",
            ),
            # The periodic pass: check-ins that have just fallen due, whoever owns them.
            models.Index(
                fields=["due_at"],
                name="obligation_check_in_due",
                condition=models.Q(kind="check_in"),
            ),
            # Upkeep: a person's open obligations, met by the next activity with them.
            models.Index(
                fields=["candidate", "kind"],
                name="obligation_candidate",
                condition=models.Q(candidate__isnull=False),
            ),
            models.Index(
                fields=["hiring_manager", "kind"],
                name="obligation_manager",
                condition=models.Q(hiring_manager__isnull=False),
            ),
            # Rescheduling or cancelling an interview moves or waives its prep.
            models.Index(
                fields=["interview"],
                name="obligation_interview",
                condition=models.Q(interview__isnull=False),
            ),
            models.Index(
                fields=["placement"],
                name="obligation_placement",
                condition=models.Q(placement__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="obligation_key"),
            choice_check("kind", ObligationKind.choices),
            choice_check("state", ObligationState.choices),
            exactly_one_of("candidate", "hiring_manager"),
            models.CheckConstraint(
                condition=(
                    models.Q(state="open", met_at__isnull=True, waived_at__isnull=True)
                    | models.Q(state="met", met_at__isnull=False, waived_at__isnull=True)
                    | models.Q(state="waived", met_at__isnull=True, waived_at__isnull=False)
                ),
                name="%(app_label)s_%(class)s_state_matches_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    @property
    def person(self):
        return self.candidate or self.hiring_manager

    def outcome(self, now=None) -> str:
        """on_time, late, missed, waived or pending (open and not yet due)."""
        now = now or timezone.now()
        if self.state == ObligationState.WAIVED:
            return "waived"
        if self.state == ObligationState.MET:
            return "on_time" if self.met_at <= self.due_at else "late"
        return "missed" if self.due_at < now else "pending"
