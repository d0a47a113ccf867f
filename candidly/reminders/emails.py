"""The reminder emails: plain text with an HTML alternative, both from templates."""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.timesince import timesince

from candidly.accounts.models import User
from candidly.obligations.selectors import Queue, Row


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def how_late(due_at: datetime, now: datetime) -> str:
    """How long ago `due_at` was, as "3 days" or "5 hours": the largest unit only."""
    return timesince(due_at, now, depth=1).replace("\xa0", " ")


def one_line(text: str) -> str:
    """Header values are one line, whatever a name or subject holds."""
    return " ".join(text.split())


def _message(*, to: str, subject: str, template: str, context: dict) -> EmailMultiAlternatives:
    context = {**context, "site_url": site_url()}
    message = EmailMultiAlternatives(
        subject=one_line(subject),
        body=render_to_string(f"reminders/{template}.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"reminders/{template}.html", context), "text/html")
    return message


def digest_message(*, user: User, queue: Queue) -> EmailMultiAlternatives:
    """A recruiter's morning digest: what is overdue, due today and coming this week.

    Render inside the recruiter's time zone: times are shown on their clock."""
    counts = [f"{queue.overdue_count} overdue", f"{queue.today_count} due today"]
    if queue.coming_count:
        counts.append(f"{queue.coming_count} coming up")
    return _message(
        to=user.email,
        subject=f"Your queue: {', '.join(counts)}",
        template="digest",
        context={
            "name": user.first_name or user.get_username(),
            "queue": queue,
            "overdue": [(row, how_late(row.due_at, queue.now)) for row in queue.overdue],
        },
    )


def lead_alert_message(
    *, lead: User, owner: User, row: Row, business_days: int, now: datetime
) -> EmailMultiAlternatives:
    """To a team lead: one of their recruiter's obligations is badly overdue."""
    return _message(
        to=lead.email,
        subject=f"Overdue: {row.kind_label} for {row.person} ({owner})",
        template="lead_alert",
        context={
            "lead_name": lead.first_name or lead.get_username(),
            "owner": str(owner),
            "row": row,
            "late": how_late(row.due_at, now),
            "business_days": business_days,
        },
    )
