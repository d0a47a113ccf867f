"""Time helpers shared by the services."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.utils import timezone


def require_aware(value: datetime | None, field: str) -> datetime | None:
    """Refuse a time without a time zone: it could mean any of 38 moments."""
    if value is not None and timezone.is_naive(value):
        raise ValidationError({field: "A time needs its time zone."})
    return value


def zone_or_none(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def in_zone(naive: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time read in `zone`; refused when the clocks skip it (a DST gap)."""
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValidationError(
            f"{naive:%H:%M} does not exist in {zone.key} that day (clocks change)."
        )
    return aware
