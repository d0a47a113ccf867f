"""Background tasks. They take ids (an obligation's stable key), never model instances, and
are enqueued on commit."""

from datetime import date

from django_tasks import task

from candidly.reminders.services import digest_send, lead_alert_send


@task()
def send_digest(user_id: int, day_iso: str) -> str:
    """The morning digest of a recruiter's queue, for their local `day_iso`."""
    return digest_send(user_id=user_id, day=date.fromisoformat(day_iso))


@task()
def alert_lead(obligation_key: str) -> str:
    """Tell the team lead that an obligation (by its key, which survives a rebuild) is more
    than their threshold overdue."""
    return lead_alert_send(obligation_key=obligation_key)
