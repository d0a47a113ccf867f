from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from candidly.lib.timeutil import zone_or_none
from candidly.obligations.selectors import queue_counts
from candidly.people.contacts import format_phone

register = template.Library()

_UNITS = [(365 * 86400, "year"), (30 * 86400, "month"), (7 * 86400, "week"), (86400, "day"),
          (3600, "hour"), (60, "minute")]  # fmt: skip


def span(seconds: float) -> str:
    """“3 days”: the largest whole unit of a length of time; under a minute, “a moment”."""
    seconds = int(seconds)
    for size, unit in _UNITS:
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "a moment"


@register.filter
def ago(value: datetime | None) -> str:
    """“3 days ago”: the largest whole unit. Cheaper than humanize's naturaltime in long lists."""
    if value is None:
        return ""
    seconds = (timezone.now() - value).total_seconds()
    return "just now" if seconds < 60 else f"{span(seconds)} ago"


@register.simple_tag
def due_words(due_at: datetime, now: datetime) -> str:
    """“overdue 2 days” or “due in 3 hours”, seen from `now`."""
    if due_at < now:
        return f"overdue {span((now - due_at).total_seconds())}"
    return f"due in {span((due_at - now).total_seconds())}"


@register.simple_tag
def span_between(start: datetime, end: datetime) -> str:
    """How long from `start` to `end`, in the largest whole unit (“2 days”)."""
    return span(abs((end - start).total_seconds()))


@register.filter
def percent(rate: float | None) -> str:
    """0.875 → “88%”; never rounds a miss up to 100% or a hit down to 0%."""
    if rate is None:
        return ""
    pct = round(rate * 100)
    if pct == 100 and rate < 1:
        pct = 99
    elif pct == 0 and rate > 0:
        pct = 1
    return f"{pct}%"


@register.filter
def when(value: datetime | None, zone_name: str = "") -> str:
    """“Thu 5 Nov, 14:00”, in the named zone (the site's when blank); the year when not this
    one. Formatted in Python: the locale-aware `date` filter is slow in long lists."""
    if value is None:
        return ""
    local = timezone.localtime(value, zone_or_none(zone_name))
    year = f" {local.year}" if local.year != timezone.localtime().year else ""
    return f"{local:%a} {local.day} {local:%b}{year}, {local:%H:%M}"


@register.inclusion_tag("web/_nav_counts.html", takes_context=True)
def nav_counts(context, oob: bool = False) -> dict:
    """The logged-in user's overdue and due-today counts for the top bar: one query, or none
    when the page has read them already (`my_counts`)."""
    counts = context.get("my_counts")
    if counts is None:
        counts = queue_counts(context["user"].pk)
    return {"counts": counts, "oob": oob}


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
