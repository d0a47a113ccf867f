from django.conf import settings
from django.db import models
from django.utils import timezone

from candidly.lib.constraints import choice_check
from candidly.people.models import Candidate


class RecordOutcome(models.TextChoices):
    CREATED = "created", "Created"
    MERGED = "merged", "Merged"


class SuggestionState(models.TextChoices):
    PENDING = "pending", "Waiting for a recruiter"
    MERGED = "merged", "Merged"
    CREATED = "created", "Created as new"


class ImportedRecord(models.Model):
    """An item of a candidate file already taken, by a fingerprint of what it says, so that
    running the same file again adds nothing (even for a row with no contact point to match
    on)."""

    Outcome = RecordOutcome

    fingerprint = models.CharField(max_length=64, unique=True)
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=7, choices=RecordOutcome.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [choice_check("outcome", RecordOutcome.choices)]

    def __str__(self) -> str:
        return f"{self.fingerprint[:12]} → {self.candidate_id}"


class DuplicateSuggestion(models.Model):
    """An imported candidate with the same name and current company as one already here,
    and no email, phone or profile URL that settles it: held until a recruiter merges it
    into that candidate or creates it as a new one."""

    State = SuggestionState

    # The same item imported again finds this row instead of holding a second one.
    fingerprint = models.CharField(max_length=64, unique=True)
    record = models.JSONField(help_text="The candidate as read from the file.")
    item = models.CharField(max_length=300, help_text="Where it came from: file and line.")
    suspected = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who looks after the candidate if it is created as new.",
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=7, choices=SuggestionState.choices, default=SuggestionState.PENDING
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    result = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            choice_check("state", SuggestionState.choices),
            models.CheckConstraint(
                condition=models.Q(state="pending", resolved_at__isnull=True)
                | (~models.Q(state="pending") & models.Q(resolved_at__isnull=False)),
                name="%(app_label)s_%(class)s_resolved_when_decided",
            ),
        ]
        indexes = [
            # The review page: suggestions still waiting, oldest first.
            models.Index(
                fields=["created_at", "id"],
                name="candimp_sugg_pending",
                condition=models.Q(state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return self.item
