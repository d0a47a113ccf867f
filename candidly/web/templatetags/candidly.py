from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

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


@register.simple_tag
def options(choices, selected=None) -> str:
    """`<option>`s for (value, label) pairs, `selected` marked.

    Drawn in Python: long selects (every client, every recruiter) rendered through template
    loops or widgets cost milliseconds per page.
    """
    chosen = "" if selected is None else str(selected)
    return mark_safe(
        "".join(
            f'<option value="{escape(value)}"{" selected" if str(value) == chosen else ""}>'
            f"{escape(label)}</option>"
            for value, label in choices
        )
    )


@register.filter
def datetime_local(value) -> str:
    """A value for `<input type="datetime-local">`, in the site's time zone."""
    if isinstance(value, datetime):
        # Form values come back naive, already in the site's zone (BoundField.value).
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%dT%H:%M")
    return value or ""


@register.simple_tag
def timeline(entries) -> str:
    """A timeline's entries as HTML, every text escaped.

    Drawn in Python: a long timeline through the template engine was the largest part of the
    candidate page's time.
    """
    if not entries:
        return mark_safe('<li class="empty">Nothing recorded yet.</li>')
    parts = []
    for e in entries:
        minutes = f' <span class="pill">{e.minutes} min</span>' if e.minutes is not None else ""
        who = f'<span class="muted"> · {escape(e.who)}</span>' if e.who else ""
        detail = f"<p>{escape(e.detail)}</p>" if e.detail else ""
        parts.append(
            f'<li class="entry cat-{escape(e.category)} tag-{escape(e.tag)}">'
            f'<time datetime="{e.iso}">{e.when}</time>'
            f"<div><strong>{escape(e.title)}</strong>{minutes}{who}{detail}</div></li>"
        )
    return mark_safe("".join(parts))
