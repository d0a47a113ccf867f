from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from candidly.lib.constraints import choice_check
from candidly.people.models import Candidate, Company, Department, HiringManager


class RequisitionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ON_HOLD = "on_hold", "On hold"
    FILLED = "filled", "Filled"
    CLOSED = "closed", "Closed"


class Requisition(models.Model):
    """An opening at a client company, owned by a hiring manager and worked by a recruiter."""

    Status = RequisitionStatus

    title = models.CharField(max_length=200)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="requisitions")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="requisitions"
    )
    hiring_manager = models.ForeignKey(
        HiringManager, on_delete=models.PROTECT, related_name="requisitions"
    )
    recruiter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requisitions",
    )
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [choice_check("status", RequisitionStatus.choices)]

    def __str__(self) -> str:
        return f"{self.title} — {self.company}"

    def get_absolute_url(self) -> str:
        return reverse("requisition_detail", args=[self.pk])


class Stage(models.TextChoices):
    SOURCED = "sourced", "Sourced"
    SUBMITTED = "submitted", "Submitted to manager"
    INTERVIEWING = "interviewing", "Interviewing"
    OFFER = "offer", "Offer"
    HIRED = "hired", "Hired"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STAGES = [Stage.SOURCED, Stage.SUBMITTED, Stage.INTERVIEWING, Stage.OFFER]


class Submission(models.Model):
    """A candidate put forward for a requisition."""

    # Indexed by the unique (candidate, requisition) constraint.
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="submissions", db_index=False
    )
    requisition = models.ForeignKey(
        Requisition, on_delete=models.CASCADE, related_name="submissions"
    )
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.SOURCED)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "requisition"],
                name="%(app_label)s_%(class)s_unique_candidate_requisition",
            ),
            choice_check("stage", Stage.choices),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} for {self.requisition.title}"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class StageChange(models.Model):
    """One move of a submission between stages; consecutive rows give exact time in stage."""

    # Indexed by pipeline_stage_sub_at.
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="stage_changes", db_index=False
    )
    from_stage = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=Stage.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [
            # Time-in-stage and the candidate timeline read a submission's history in order.
            models.Index(fields=["submission", "changed_at"], name="pipeline_stage_sub_at"),
        ]
        constraints = [
            choice_check("to_stage", Stage.choices),
            models.CheckConstraint(
                condition=models.Q(from_stage="") | models.Q(from_stage__in=Stage.values),
                name="%(app_label)s_%(class)s_from_stage_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or 'new'} → {self.to_stage}"


class InterviewKind(models.TextChoices):
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"
    ONSITE = "onsite", "Onsite"


class InterviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Interview(models.Model):
    Kind = InterviewKind

    Status = InterviewStatus

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="interviews")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, help_text="Where the interview takes place.")
    location = models.CharField(max_length=200, blank=True)
    interviewers = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
            choice_check("kind", InterviewKind.choices),
            choice_check("status", InterviewStatus.choices),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} interview, {self.starts_at:%Y-%m-%d %H:%M}"


class OfferStatus(models.TextChoices):
    EXTENDED = "extended", "Extended"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    RESCINDED = "rescinded", "Rescinded"
    EXPIRED = "expired", "Expired"


class DeclineReason(models.TextChoices):
    COMPENSATION = "compensation", "Compensation"
    COUNTER_OFFER = "counter_offer", "Counter-offer"
    ANOTHER_OFFER = "another_offer", "Another offer"
    ROLE_OR_TEAM = "role_or_team", "Role or team"
    LOCATION = "location", "Location or remote"
    PROCESS = "process", "Process experience"
    PERSONAL = "personal", "Personal"
    UNKNOWN = "unknown", "Unknown"


class Offer(models.Model):
    Status = OfferStatus

    DeclineReason = DeclineReason

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="offers")
    salary = models.PositiveIntegerField(null=True, blank=True)
    extended_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EXTENDED)
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=15, choices=DeclineReason.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-extended_at"]
        indexes = [
            # Declined-offer reports group by reason over a period.
            models.Index(fields=["status", "decided_at"], name="pipeline_offer_status_at"),
        ]
        constraints = [
            choice_check("status", OfferStatus.choices),
            models.CheckConstraint(
                condition=models.Q(decline_reason="")
                | models.Q(
                    status="declined", decline_reason__in=[v for v, _ in DeclineReason.choices]
                ),
                name="%(app_label)s_%(class)s_reason_only_when_declined",
            ),
            models.CheckConstraint(
                condition=models.Q(status="extended", decided_at__isnull=True)
                | (~models.Q(status="extended") & models.Q(decided_at__isnull=False)),
                name="%(app_label)s_%(class)s_decided_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer ({self.get_status_display()})"


class Placement(models.Model):
    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="placement"
    )
    start_date = models.DateField()
    fall_off_date = models.DateField(null=True, blank=True)
    fall_off_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fall_off_date__isnull=True)
                | models.Q(fall_off_date__gte=models.F("start_date")),
                name="%(app_label)s_%(class)s_fall_off_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Placement starting {self.start_date}"
