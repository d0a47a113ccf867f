import functools
import html
from datetime import datetime, tzinfo

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from candidly.lib.timeutil import zone_or_none
from candidly.obligations.rules import PREP_KINDS
from candidly.obligations.selectors import queue_counts
from candidly.people.contacts import format_phone

register = template.Library()


def escape(value) -> str:
    """Text made safe for HTML drawn in Python: the standard library's escaping, which
    Django's `escape` wraps in a lazy-string check that costs more than the escaping."""
    return html.escape(str(value))


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
    return _ago(value, timezone.now())


def _ago(value: datetime, now: datetime) -> str:
    seconds = (now - value).total_seconds()
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
    here = timezone.get_current_timezone()
    return _when(value, zone_or_none(zone_name) or here, timezone.now().astimezone(here).year)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _when(value: datetime, zone: tzinfo, this_year: int | None) -> str:
    """“Thu 5 Nov, 14:00” in `zone`, with the year unless it is `this_year` (always, given
    None)."""
    local = value.astimezone(zone)
    year = f" {local.year}" if local.year != this_year else ""
    return (
        f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}{year}, "
        f"{local.hour:02}:{local.minute:02}"
    )


@register.simple_tag(takes_context=True)
def queue_rows(context, rows) -> str:
    """The Today queue's rows as HTML, every text escaped, each with its one-click action
    and its waive form.

    Drawn in Python: a queue of 150 rows through the template engine took three quarters of
    the page's time. The forms are those of `web.today`; the token is read once a section."""
    from django.middleware.csrf import get_token

    now = context["queue"].now
    here = timezone.get_current_timezone()
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(context["request"])}">'
    )
    year = now.astimezone(here).year
    prep_items, via = _queue_choices()
    act_url, waive_url = _url_pattern("obligation_act"), _url_pattern("obligation_waive")
    parts = []
    for row in rows:
        act, waive = act_url.format(row.id), waive_url.format(row.id)
        form = (
            f'<form method="post" action="{act}" hx-post="{act}" hx-target="#queue" '
            'hx-swap="outerHTML" class="{cls}">' + csrf
        )
        label = escape(row.action)
        if row.kind in PREP_KINDS:
            action = (
                f"<details><summary>{label}</summary>{form.format(cls='mini')}"
                f'<fieldset class="checklist"><legend>Covered with {escape(row.person)}</legend>'
                f'{prep_items}</fieldset><button type="submit">{label}</button></form></details>'
            )
        elif row.kind == "feedback":
            action = (
                f"<details><summary>{label}</summary>{form.format(cls='mini')}"
                f'<label>Came by <select name="via">{via}</select></label>'
                '<label>What they said <input name="feedback" maxlength="2000"></label>'
                f'<button type="submit">{label}</button></form></details>'
            )
        else:
            action = f'{form.format(cls="oneclick")}<button type="submit">{label}</button></form>'
        interview = ""
        if row.interview_at:
            at = _when(row.interview_at, zone_or_none(row.interview_zone) or here, year)
            interview = f'<div class="muted">Interview {at} {escape(row.interview_zone)}</div>'
        parts.append(
            f'<tr id="ob-{row.id}" class="ob kind-{row.kind}">'
            f'<td><a href="{row.person_url}">{escape(row.person)}</a></td>'
            f'<td class="nowrap">{escape(row.kind_label)}</td>'
            f'<td class="nowrap"><time datetime="{row.opened_at.isoformat()}" '
            f'title="{_when(row.opened_at, here, year)}">opened {_ago(row.opened_at, now)}'
            "</time></td>"
            f'<td class="nowrap"><span class="{"late" if row.due_at < now else ""}">'
            f"{due_words(row.due_at, now)}</span>"
            f'<div class="muted">{_when(row.due_at, here, year)}</div></td>'
            f"<td>{escape(row.context)}{interview}</td>"
            f'<td class="actions">{action}'
            f'<details class="waive"><summary>Waive</summary>'
            f'<form method="post" action="{waive}" hx-post="{waive}" hx-target="#queue" '
            f'hx-swap="outerHTML" class="mini">{csrf}'
            '<label>Why <input name="reason" required maxlength="300" '
            'placeholder="e.g. wrong number"></label><button type="submit">Waive</button>'
            "</form></details></td></tr>"
        )
    return mark_safe("".join(parts))


@register.simple_tag
def candidate_rows(rows) -> str:
    """The candidate list's rows (from `activity.lists.list_rows`) as HTML, every text escaped.

    Drawn in Python: a page of 25 rows through the template engine took half the time of
    rendering the whole page."""
    if not rows:
        return mark_safe('<tr><td colspan="6" class="empty">No candidate matches.</td></tr>')
    now = timezone.now()
    url = _url_pattern("candidate_detail")
    parts = []
    for c in rows:
        company = c["current_company"]
        at = f' <span class="muted">at {escape(company)}</span>' if company else ""
        skills = f'<div class="skills">{escape(c["skills"])}</div>' if c["skills"] else ""
        last = c["last_activity_at"]
        contact = _ago(last, now) if last else '<span class="muted">never</span>'
        parts.append(
            f'<tr><td><a href="{url.format(c["pk"])}">'
            f"{escape(c['first_name'])} {escape(c['last_name'])}</a></td>"
            f"<td>{escape(c['headline'])}{at}{skills}</td>"
            f"<td>{escape(', '.join(c['emails']))}</td>"
            f'<td class="nowrap">{escape(", ".join(c["phones"]))}</td>'
            f'<td class="nowrap">{escape(c["owner"] or "—")}</td>'
            f'<td class="nowrap">{contact}</td></tr>'
        )
    return mark_safe("".join(parts))


@functools.cache
def _queue_choices() -> tuple[str, str]:
    """The prep checklist's boxes and the feedback's channels, drawn once a process."""
    from candidly.web.forms import FeedbackForm, PrepForm

    prep_items = "".join(
        f'<label><input type="checkbox" name="covered" value="{value}"> {escape(label)}</label>'
        for value, label in PrepForm.ITEMS
    )
    return prep_items, options(FeedbackForm.VIA, "note")


def _url_pattern(name: str) -> str:
    """A URL taking one id, as a format string: reversed once, not once a row."""
    return reverse(name, args=[4_000_000_007]).replace("4000000007", "{}")


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
    here = timezone.get_current_timezone()
    parts = []
    for e in entries:
        minutes = f' <span class="pill">{e.minutes} min</span>' if e.minutes is not None else ""
        who = f'<span class="muted"> · {escape(e.who)}</span>' if e.who else ""
        detail = f"<p>{escape(e.detail)}</p>" if e.detail else ""
        parts.append(
            f'<li class="entry cat-{escape(e.category)} tag-{escape(e.tag)}">'
            f'<time datetime="{e.at.isoformat()}">{_when(e.at, here, None)}</time>'
            f"<div><strong>{escape(e.title)}</strong>{minutes}{who}{detail}</div></li>"
        )
    return mark_safe("".join(parts))
