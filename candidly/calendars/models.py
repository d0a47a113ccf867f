from django.conf import settings
from django.db import models
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.lib.constraints import choice_check
from candidly.people.models import Candidate
from candidly.pipeline.models import Interview


class CalendarFeed(models.Model):
    """A recruiter's calendar feed: the secret in its address is the only key to it."""

    recruiter = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.recruiter}"


class EventKind(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    PREP = "prep", "Prep session"


class EventState(models.TextChoices):
    ACTIVE = "active", "Active"  # an interview booked, or a prep session logged
    PLANNED = "planned", "Planned"  # a prep session still to come: logged once it has happened
    CANCELLED = "cancelled", "Cancelled"


class CalendarEvent(models.Model):
    """One imported calendar event (or one instance of a recurring one) and what it became,
    so that importing the same calendar again changes only what changed in it."""

    Kind = EventKind
    State = EventState

    uid = models.CharField(max_length=300)
    # The instance's original start ("20260310T150000Z", floating "20260310T100000", all-day
    # "20260310"); empty for an event that does not recur.
    recurrence_id = models.CharField(max_length=20, blank=True, default="")
    sequence = models.PositiveIntegerField(default=0)
    stamp = models.DateTimeField(null=True, blank=True, help_text="LAST-MODIFIED or DTSTAMP.")
    kind = models.CharField(max_length=9, choices=EventKind.choices)
    state = models.CharField(max_length=9, choices=EventState.choices)
    recruiter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calendar_events",
        help_text="Whose calendar it came from.",
    )
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="calendar_events"
    )
    interview = models.ForeignKey(
        Interview,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calendar_events",
        help_text="The interview it booked, or the one a prep session was for.",
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=300, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    imported_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            # Prep sessions still to come: logged once they have happened, and shown in the
            # recruiter's feed.
            models.Index(
                fields=["recruiter", "starts_at"],
                name="calendars_event_planned",
                condition=models.Q(state="planned"),
            ),
        ]
        constraints = [
            # Re-importing finds the event by its UID and instance.
            models.UniqueConstraint(
                fields=["uid", "recurrence_id"], name="%(app_label)s_%(class)s_unique_instance"
            ),
            choice_check("kind", EventKind.choices),
            choice_check("state", EventState.choices),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="prep") | models.Q(activity__isnull=True),
                name="%(app_label)s_%(class)s_activity_only_for_prep",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.summary or self.uid}"
