"""Mailbox sync in the background: a task per connection (by id), and the periodic pass
that queues one for each connection whose time has come. `candidly worker` runs the pass
once a minute (settings.PERIODIC_PASSES) and the tasks as they are queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from candidly.lib.importreport import ImportReport
from candidly.mail.imap import mailbox_sync
from candidly.mail.models import MailboxConnection


@task()
def sync_mailbox(connection_id: int) -> dict:
    """Read one connection's new mail; the report's counts (and refusals) are the result."""
    connection = (
        MailboxConnection.objects.select_related("user")
        .filter(pk=connection_id, enabled=True)
        .first()
    )
    report = ImportReport(keep_lines=False)
    if connection is not None:
        mailbox_sync(connection=connection, report=report)
    return report.as_json()


def queue_mail_syncs(now: datetime | None = None) -> int:
    """Queue a sync of every enabled connection that is due, and set its next time; safe in
    several workers at once (a conditional UPDATE decides which pass queues it)."""
    now = now or timezone.now()
    every = timedelta(minutes=settings.MAIL_SYNC_EVERY_MINUTES)
    due = MailboxConnection.objects.filter(
        Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now), enabled=True
    ).values_list("pk", "next_sync_at")
    queued = 0
    with transaction.atomic():
        for pk, next_sync_at in due:
            if MailboxConnection.objects.filter(pk=pk, next_sync_at=next_sync_at).update(
                next_sync_at=now + every
            ):
                transaction.on_commit(partial(sync_mailbox.enqueue, pk))
                queued += 1
    return queued
