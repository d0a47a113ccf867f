"""Mailbox sync against a real Dovecot: incremental by UID, a connection dropped mid-sync
(resumed in the same sync, or by the next one) without duplicates, a UIDVALIDITY change
matched again by Message-ID, and what one bad message or a busy mailbox does."""

import json
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from candidly.activity.models import Activity
from candidly.lib.importreport import ImportReport
from candidly.mail.connections import mailbox_connection_create
from candidly.mail.imap import mailbox_sync
from candidly.mail.models import MailboxConnection, MailMessage
from candidly.mail.tasks import queue_mail_syncs, sync_mailbox
from candidly.obligations.models import Obligation
from tests import test_mail_imap_servers as servers

dovecot, imap_account = servers.dovecot, servers.imap_account  # the fixtures, shared

CANDIDATE = "Jordan Ellis <jordan.ellis@example.com>"
RECRUITER = "Alex Kim <alex@agency.example>"


def mail(
    n: int,
    *,
    sender: str = CANDIDATE,
    to: str = RECRUITER,
    subject: str | None = None,
    in_reply_to: str = "",
    minutes_ago: int = 60,
) -> bytes:
    """A message as a mail client would deliver it, with its own Message-ID."""
    m = EmailMessage(policy=SMTP)
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject or f"Question {n}"
    m["Date"] = format_datetime(timezone.now() - timedelta(minutes=minutes_ago - n))
    m["Message-ID"] = make_msgid(idstring=f"m{n}", domain="example.com")
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = in_reply_to
    m.set_content(f"Hello Alex,\n\nquestion number {n} about the role.\n\nJordan\n")
    return m.as_bytes()


def message_id(raw: bytes) -> str:
    return raw.split(b"Message-ID: <", 1)[1].split(b">", 1)[0].decode()


@pytest.fixture
def connection(imap_account, recruiter, candidate):
    return mailbox_connection_create(
        user=recruiter,
        host="127.0.0.1",
        port=imap_account.server.tls_port,
        username=imap_account.username,
        password=imap_account.password,
    )


def sync(connection, **kwargs):
    report = ImportReport()
    result = mailbox_sync(connection=connection, report=report, **kwargs)
    return result, report


def stored_ids() -> list[str]:
    return sorted(MailMessage.objects.values_list("message_id", flat=True))


def test_incremental_sync_takes_only_the_new_messages(connection, imap_account, candidate):
    first = [mail(n) for n in range(1, 4)]
    uids = imap_account.append(*first)

    result, report = sync(connection)

    assert result.ok, result.error
    assert (report.imported, report.duplicates, report.refused) == (3, 0, [])
    assert stored_ids() == sorted(message_id(m) for m in first)
    connection.refresh_from_db()
    assert connection.uidvalidity == imap_account.uidvalidity()
    assert connection.last_uid == uids[-1]
    assert connection.last_synced_at is not None and connection.last_error == ""
    # Each became an inbound email on the candidate, and asks for a reply.
    assert (
        Activity.objects.filter(candidate=candidate, kind="email", direction="inbound").count() == 3
    )
    assert Obligation.objects.filter(candidate=candidate, kind="reply", state="open").count() == 3

    later = [mail(n) for n in range(4, 6)]
    imap_account.append(*later)
    result, report = sync(connection)

    # Only the two new ones were fetched: nothing was even offered again as a duplicate.
    assert result.ok and result.fetched == 2
    assert (report.imported, report.duplicates) == (2, 0)
    assert len(stored_ids()) == 5

    result, report = sync(connection)
    assert result.ok and result.fetched == 0
    assert (report.imported, report.duplicates) == (0, 0)


def test_reading_changes_nothing_in_the_mailbox(connection, imap_account):
    imap_account.append(mail(1), mail(2))

    assert sync(connection)[0].ok

    imap = imap_account.client()
    try:
        imap.select("INBOX")
        typ, data = imap.fetch("1:*", "(FLAGS)")
    finally:
        imap.logout()
    assert typ == "OK" and len(data) == 2
    assert not any(b"\\Seen" in line or b"\\Deleted" in line for line in data)


def test_a_dropped_connection_is_opened_again_and_the_sync_goes_on(connection, imap_account):
    messages = [mail(n) for n in range(1, 8)]
    imap_account.append(*messages)
    batches = []

    def kick_after_the_first_batch(done, total):
        batches.append(done)
        if len(batches) == 1:
            imap_account.kick()  # the server drops the session

    result, report = sync(connection, batch_size=3, progress=kick_after_the_first_batch)

    assert result.ok, result.error
    assert result.reconnects == 1
    assert report.counts["reconnects"] == 1
    assert (report.imported, report.duplicates) == (7, 0)
    assert stored_ids() == sorted(message_id(m) for m in messages)


def test_a_sync_cut_off_resumes_next_time_without_duplicates(connection, imap_account):
    messages = [mail(n) for n in range(1, 8)]
    uids = imap_account.append(*messages)
    server = imap_account.server

    def server_goes_down_after_the_first_batch(done, total):
        if done == 3:
            server.crash()

    try:
        result, report = sync(
            connection, batch_size=3, progress=server_goes_down_after_the_first_batch
        )
    finally:
        server.restart()

    assert not result.ok
    assert "lost" in result.error or "connect" in result.error.lower()
    assert report.imported == 3
    assert [r.item for r in report.refused] == [f"mailbox {connection}"]
    connection.refresh_from_db()
    assert connection.last_uid == uids[2]  # the first batch is taken and recorded
    assert connection.last_error == result.error
    assert connection.sync_claimed_until is None  # the claim was given back

    result, report = sync(connection, batch_size=3)

    assert result.ok, result.error
    assert (report.imported, report.duplicates) == (4, 0)
    assert stored_ids() == sorted(message_id(m) for m in messages)
    connection.refresh_from_db()
    assert connection.last_uid == uids[-1] and connection.last_error == ""


def test_a_batch_stored_but_not_recorded_is_recognised_by_message_id(connection, imap_account):
    """A worker that died after storing a batch but before recording its place: the next
    sync fetches that batch again and stores nothing twice."""
    messages = [mail(n) for n in range(1, 5)]
    imap_account.append(*messages)
    assert sync(connection)[0].ok
    MailboxConnection.objects.filter(pk=connection.pk).update(last_uid=1)
    connection.refresh_from_db()

    result, report = sync(connection)

    assert result.ok
    assert (report.imported, report.duplicates) == (0, 3)
    assert MailMessage.objects.count() == 4
    assert Activity.objects.filter(kind="email").count() == 4


def test_a_new_uidvalidity_reads_the_folder_again_matching_by_message_id(
    connection, imap_account, candidate
):
    folder = "Candidates"
    imap = imap_account.client()
    imap.create(folder)
    imap.logout()
    MailboxConnection.objects.filter(pk=connection.pk).update(folder=folder)
    connection.refresh_from_db()
    old = [mail(n) for n in range(1, 4)]
    imap_account.append(*old, folder=folder)
    assert sync(connection)[0].ok
    before = imap_account.uidvalidity(folder)
    assert connection.uidvalidity == before

    # The folder is rebuilt on the server: the same three messages in another order (so
    # their UIDs mean other messages now) and one new one.
    new = mail(4)
    after = imap_account.recreate(folder, old[2], new, old[0], old[1])
    assert after != before

    result, report = sync(connection)

    assert result.ok and result.uidvalidity_changed
    assert report.counts["uidvalidity_changed"] == 1
    assert (report.imported, report.duplicates) == (1, 3)
    assert stored_ids() == sorted(message_id(m) for m in [*old, new])
    connection.refresh_from_db()
    assert (connection.uidvalidity, connection.last_uid) == (after, 4)
    assert Obligation.objects.filter(candidate=candidate, kind="reply").count() == 4


def test_one_bad_message_does_not_stop_the_others(connection, imap_account, settings):
    settings.MAIL_SYNC_MAX_MESSAGE_BYTES = 5_000
    huge = mail(2).replace(b"question number", b"x" * 6_000 + b" question number")
    imap_account.append(mail(1), huge, b"\x00\xff not a message at all \xfe", mail(4))

    result, report = sync(connection)

    assert result.ok
    assert report.imported >= 2  # the two good ones, whatever is made of the garbage
    refused = {r.item: r.note for r in report.refused}
    assert "over the limit" in refused["INBOX UID 2"]
    assert message_id(huge) not in stored_ids()
    connection.refresh_from_db()
    assert connection.last_uid == 4
    # The huge one is left on the server, untouched.
    imap = imap_account.client()
    imap.select("INBOX", readonly=True)
    assert imap.uid("FETCH", "2", "(RFC822.SIZE)")[1][0] is not None
    imap.logout()


def test_two_syncs_of_one_mailbox_never_run_at_once(connection, imap_account):
    imap_account.append(mail(1))
    MailboxConnection.objects.filter(pk=connection.pk).update(
        sync_claimed_until=timezone.now() + timedelta(minutes=5)
    )

    result, report = sync(connection)

    assert result.error == "another sync of this mailbox is running"
    assert MailMessage.objects.count() == 0

    # A claim whose lease ran out (its worker died) no longer holds.
    MailboxConnection.objects.filter(pk=connection.pk).update(
        sync_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    result, report = sync(connection)
    assert result.ok and report.imported == 1


def test_sync_mail_command_reports_as_json(connection, imap_account, recruiter):
    messages = [mail(1), mail(2)]
    imap_account.append(*messages)
    out = StringIO()

    call_command("sync_mail", "--user", recruiter.username, "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert report["imported"] == 2 and report["duplicates"] == 0 and report["refused"] == []
    assert report["mailboxes"] == 1
    assert imap_account.password not in out.getvalue()

    out = StringIO()
    call_command("sync_mail", "--no-progress", stdout=out)
    assert out.getvalue().strip().endswith("0 imported, 0 already present, 0 refused, 1 mailboxes.")


def test_sync_mail_command_fails_when_a_mailbox_cannot_be_read(connection, imap_account):
    MailboxConnection.objects.filter(pk=connection.pk).update(port=1)  # nothing listens there
    out = StringIO()

    with pytest.raises(SystemExit) as exit:
        call_command("sync_mail", "--json", stdout=out)

    assert exit.value.code == 1
    refused = json.loads(out.getvalue())["refused"]
    assert refused[0]["item"] == f"mailbox {connection}"
    assert "Could not connect to 127.0.0.1:1" in refused[0]["reason"]


# The worker closes its database connection between tasks: these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_the_periodic_pass_queues_each_due_mailbox_once(connection, imap_account):
    imap_account.append(mail(1))
    now = timezone.now()

    assert queue_mail_syncs(now) == 1  # the task is enqueued when the pass commits
    assert queue_mail_syncs(now) == 0  # a second worker's pass finds it taken

    tasks = list(DBTaskResult.objects.values_list("task_path", "args_kwargs"))
    assert tasks == [("candidly.mail.tasks.sync_mailbox", {"args": [connection.pk], "kwargs": {}})]
    connection.refresh_from_db()
    assert connection.next_sync_at > now

    # The worker runs it.
    call_command("worker", "--once", "--no-schedule", stdout=StringIO())
    assert MailMessage.objects.count() == 1
    assert DBTaskResult.objects.get().return_value["imported"] == 1

    # Its time comes round again.
    assert queue_mail_syncs(connection.next_sync_at) == 1


def test_the_task_skips_a_disabled_or_deleted_connection(connection, imap_account):
    imap_account.append(mail(1))
    MailboxConnection.objects.filter(pk=connection.pk).update(enabled=False)

    assert sync_mailbox.call(connection.pk)["imported"] == 0
    assert sync_mailbox.call(connection.pk + 1000)["imported"] == 0
    assert MailMessage.objects.count() == 0


def test_imap_error_responses_are_reported_not_raised(connection, imap_account):
    MailboxConnection.objects.filter(pk=connection.pk).update(folder="No Such Folder")
    connection.refresh_from_db()

    result, report = sync(connection)

    assert "“No Such Folder” could not be opened" in result.error
    assert [r.item for r in report.refused] == [f"mailbox {connection}"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_queues_mailbox_syncs_in_its_periodic_pass(connection, imap_account):
    imap_account.append(mail(1), mail(2))

    call_command("worker", "--once", stdout=StringIO())  # queues the sync, and runs it

    assert MailMessage.objects.count() == 2
    connection.refresh_from_db()
    assert connection.last_synced_at is not None


def test_a_folder_with_spaces_and_accents(connection, imap_account):
    folder = "Bewerbungen & Ä 2026"
    imap = imap_account.client()
    assert imap.create('"Bewerbungen &- &AMQ- 2026"')[0] == "OK"  # modified UTF-7, as sent
    imap.logout()
    imap_account.append(mail(1), folder='"Bewerbungen &- &AMQ- 2026"')
    MailboxConnection.objects.filter(pk=connection.pk).update(folder=folder)
    connection.refresh_from_db()

    result, report = sync(connection)

    assert result.ok, result.error
    assert report.imported == 1
