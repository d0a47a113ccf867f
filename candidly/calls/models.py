from django.conf import settings
from django.db import models
from django.utils import timezone


class RecruiterLine(models.Model):
    """A phone number a recruiter calls from and is called on (desk line, mobile), so that a
    call log or a live call event finds the recruiter on its side of the call."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_lines"
    )
    # E.164, as contact points store phones (+14155550100).
    number = models.CharField(max_length=20)
    label = models.CharField(max_length=30, blank=True, help_text="desk, mobile…")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "number"]
        constraints = [
            # A call on a line belongs to one recruiter.
            models.UniqueConstraint(
                fields=["number"], name="%(app_label)s_%(class)s_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class WebhookDelivery(models.Model):
    """A signed webhook delivery already accepted: the same signature is never taken twice.

    Deliveries older than the replay window are refused by their timestamp alone, so rows
    older than that are of no further use and are pruned as new ones arrive.
    """

    signature = models.CharField(max_length=64)  # the hex HMAC-SHA256 of "t.body"
    received_at = models.DateTimeField(default=timezone.now)
    activity = models.ForeignKey(
        "activity.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    result = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["signature"], name="%(app_label)s_%(class)s_unique_signature"
            ),
        ]
        indexes = [
            # Pruning deliveries that left the replay window.
            models.Index(fields=["received_at"], name="calls_delivery_received"),
        ]

    def __str__(self) -> str:
        return f"{self.signature[:12]}… {self.result}"
