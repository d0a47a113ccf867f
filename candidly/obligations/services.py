"""The one write a person makes to an obligation directly: waiving it, with a reason."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from candidly.accounts.access import may_act_for
from candidly.accounts.models import User
from candidly.obligations.models import Obligation


@transaction.atomic
def obligation_waive(
    *, obligation: Obligation, by: User, reason: str, at: datetime | None = None
) -> Obligation:
    """Excuse an open obligation. The reason is kept and shown on the scorecard."""
    if not may_act_for(by, obligation.owner):
        raise PermissionDenied("Only its owner or their team lead can waive this.")
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say why it is waived; the reason shows on the scorecard."}
        )
    locked = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if locked.state != Obligation.State.OPEN:
        raise ValidationError(f"This is already {locked.get_state_display().lower()}.")
    locked.state = Obligation.State.WAIVED
    locked.waived_at = at or timezone.now()
    locked.waived_by = by
    locked.waive_reason = reason[:300]
    locked.save(update_fields=["state", "waived_at", "waived_by", "waive_reason"])
    return locked
