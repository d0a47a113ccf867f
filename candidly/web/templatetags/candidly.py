from datetime import datetime

from django import template
from django.utils import timezone

from candidly.people.contacts import format_phone

register = template.Library()

_UNITS = [(365 * 86400, "year"), (30 * 86400, "month"), (7 * 86400, "week"), (86400, "day"),
          (3600, "hour"), (60, "minute")]  # fmt: skip


@register.filter
def ago(value: datetime | None) -> str:
    """“3 days ago”: the largest whole unit. Cheaper than humanize's naturaltime in long lists."""
    if value is None:
        return ""
    seconds = int((timezone.now() - value).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in _UNITS:
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return ""


@register.filter
def phone(value: str) -> str:
    """An E.164 number as people write it."""
    return format_phone(value)
