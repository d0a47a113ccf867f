"""Reminder emails through a real SMTP server: the morning digest, the lead's overdue alert,
the periodic runner that queues them, and the claim that sends each one once however many
workers run."""

import email
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
from datetime import date, datetime, time, timedelta
from email import policy as email_policy
from functools import partial
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from candidly.accounts.models import Team, User
from candidly.activity.services import activity_log
from candidly.obligations import rules
from candidly.obligations.models import Obligation, ServiceLevel
from candidly.obligations.rebuild import obligations_rebuild
from candidly.people.services import candidate_create
from candidly.pipeline.services import (
    offer_extend,
    offer_record_outcome,
    placement_record,
    placement_record_fall_off,
)
from candidly.reminders.models import Reminder, digest_key
from candidly.reminders.schedule import (
    RETRY_AFTER,
    placements_due_a_check_in,
    requeue_stalled,
    schedule_due_reminders,
)
from candidly.reminders.tasks import alert_lead, send_digest

EVERY_DAY = "Mon,Tue,Wed,Thu,Fri,Sat,Sun"


# --- a real SMTP server -----------------------------------------------------------------------


class Inbox:
    """Receives what the SMTP server is sent, as parsed messages."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email_policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["X-Envelope-To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(settings):
    box = Inbox()
    box.port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = box.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_URL = "https://candidly.example"
    yield box
    controller.stop()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")


# --- data ---------------------------------------------------------------------------------------


@pytest.fixture
def team(recruiter, lead):
    """The recruiter's team, led by Lee, working every day without holidays (so that "a
    business day overdue" does not depend on the day the tests run) and digesting at
    midnight (so the digest hour has always come)."""
    lead.email = "lee@agency.example"
    lead.save()
    team = Team.objects.create(name="East", lead=lead)
    ServiceLevel.objects.create(
        team=team, workdays=EVERY_DAY, holiday_country="", digest_hour=0,
        time_zone="America/New_York",
    )  # fmt: skip
    User.objects.filter(pk__in=[recruiter.pk, lead.pk]).update(team=team)
    recruiter.refresh_from_db()
    return team


def today_for(user) -> date:
    return timezone.localdate(timezone=rules.policy_for(user.pk).zone)


def overdue_work(recruiter, candidate):
    """A voicemail five days ago and an email three days ago, both still unanswered."""
    now = timezone.now()
    activity_log(recruiter=recruiter, candidate=candidate, kind="voicemail",
                 direction="inbound", occurred_at=now - timedelta(days=5))  # fmt: skip
    activity_log(recruiter=recruiter, candidate=candidate, kind="email", direction="inbound",
                 subject="Salary question", occurred_at=now - timedelta(days=3))  # fmt: skip
    return Obligation.objects.filter(owner=recruiter).order_by("opened_at")


def queued_tasks() -> list[tuple[str, list]]:
    return sorted(
        (r.task_path.rsplit(".", 1)[1], r.args_kwargs["args"]) for r in DBTaskResult.objects.all()
    )


# --- the digest -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_digest_names_each_overdue_obligation_and_why(inbox, recruiter, candidate, team):
    callback, reply = overdue_work(recruiter, candidate)
    other = candidate_create(first_name="Sam <b>", last_name="O'Neil & Sons", owner=recruiter)
    activity_log(recruiter=recruiter, candidate=other, kind="voicemail", direction="inbound",
                 occurred_at=timezone.now() - timedelta(days=4))  # fmt: skip

    assert send_digest.call(recruiter.pk, today_for(recruiter).isoformat()) == "sent"

    (message,) = inbox.messages
    assert message["To"] == "alex@agency.example"
    assert message["X-Envelope-To"] == "alex@agency.example"
    assert message["Subject"].startswith("Your queue: 3 overdue, 0 due today")
    text = text_of(message)
    assert "Good morning Alex," in text
    assert "OVERDUE (3)" in text
    assert re.search(r"- Jordan Ellis: Call back, \d days? overdue", text)
    assert re.search(r"- Jordan Ellis: Reply to email, \d days? overdue\n  “Salary question”", text)
    assert re.search(r"- Sam <b> O'Neil & Sons: Call back, \d days? overdue", text)
    assert f"https://candidly.example/candidates/{candidate.pk}/" in text
    html = html_of(message)
    assert "Sam &lt;b&gt; O&#x27;Neil &amp; Sons" in html
    assert "<b>" not in html
    assert f'<a href="https://candidly.example/candidates/{candidate.pk}/">Jordan Ellis</a>' in html
    reminder = Reminder.objects.get()
    assert (reminder.key, reminder.status, reminder.recipient, reminder.attempts) == (
        digest_key(recruiter.pk, today_for(recruiter)), "sent", "alex@agency.example", 1,
    )  # fmt: skip


@pytest.mark.django_db
def test_a_digest_is_not_sent_for_a_day_that_is_over_or_a_queue_that_is_empty(
    inbox, recruiter, candidate, team
):
    yesterday = today_for(recruiter) - timedelta(days=1)
    assert send_digest.call(recruiter.pk, today_for(recruiter).isoformat()) == (
        "skipped: nothing is owed"
    )
    overdue_work(recruiter, candidate)
    assert send_digest.call(recruiter.pk, yesterday.isoformat()) == f"skipped: {yesterday} is over"
    assert inbox.messages == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {"skipped"}


@pytest.mark.django_db
def test_digests_are_queued_once_the_local_digest_hour_has_come(
    recruiter, other_recruiter, candidate, django_capture_on_commit_callbacks
):
    """Recruiters without a team work to the defaults: 08:00 in the site's zone."""
    overdue_work(recruiter, candidate)
    gone = User.objects.create_user("gone", email="gone@agency.example", is_active=False)
    for user in (other_recruiter, gone):
        activity_log(recruiter=user, candidate=candidate, kind="voicemail", direction="inbound")
    User.objects.create_user("idle", email="idle@agency.example")  # owes nothing
    day = today_for(recruiter)
    zone = rules.default_policy().zone

    def run_at(hour, minute):
        with django_capture_on_commit_callbacks(execute=True):
            return schedule_due_reminders(datetime.combine(day, time(hour, minute), zone))

    assert run_at(7, 59).digests == 0
    assert run_at(8, 0).digests == 1  # only Alex: Blair has no email, the others owe nothing
    assert run_at(8, 10).digests == 0
    assert queued_tasks() == [("send_digest", [recruiter.pk, day.isoformat()])]
    assert Reminder.objects.get().status == "queued"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_enqueues_nothing(recruiter, candidate, team):
    overdue_work(recruiter, candidate)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert schedule_due_reminders().digests == 1
        raise RuntimeError("rolled back")
    assert not DBTaskResult.objects.exists()
    assert not Reminder.objects.exists()

    with transaction.atomic():
        schedule_due_reminders()
        assert not DBTaskResult.objects.exists()  # not before the commit
    obligations = list(Obligation.objects.filter(owner=recruiter).values_list("key", flat=True))
    assert queued_tasks() == sorted(
        [("send_digest", [recruiter.pk, today_for(recruiter).isoformat()])]
        + [("alert_lead", [key]) for key in obligations]
    )


# --- alerts to the lead -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lead_is_alerted_once_an_obligation_is_a_business_day_overdue(
    recruiter, candidate, team, django_capture_on_commit_callbacks
):
    activity_log(recruiter=recruiter, candidate=candidate, kind="voicemail", direction="inbound",
                 occurred_at=timezone.now() - timedelta(days=2))  # fmt: skip
    owed = Obligation.objects.get()
    threshold = rules.calendar_of(rules.policy_for(recruiter.pk)).add_days(owed.due_at, 1)

    def run_at(now):
        with django_capture_on_commit_callbacks(execute=True):
            return schedule_due_reminders(now).lead_alerts

    assert run_at(owed.due_at + timedelta(hours=1)) == 0
    assert run_at(threshold) == 0  # "more than" a business day
    assert run_at(threshold + timedelta(minutes=1)) == 1
    assert run_at(threshold + timedelta(minutes=2)) == 0
    assert [t for t in queued_tasks() if t[0] == "alert_lead"] == [("alert_lead", [owed.key])]


@pytest.mark.django_db
def test_a_rebuild_of_obligations_does_not_alert_the_lead_again(
    inbox, recruiter, candidate, team, django_capture_on_commit_callbacks
):
    callback, _ = overdue_work(recruiter, candidate)
    assert alert_lead.call(callback.key) == "sent"
    obligations_rebuild()  # every row is written again, with new ids
    assert Obligation.objects.get(key=callback.key).pk != callback.pk
    with django_capture_on_commit_callbacks(execute=True):
        schedule_due_reminders()
    assert ("alert_lead", [callback.key]) not in queued_tasks()
    assert alert_lead.call(callback.key) == "already sent, or being sent"
    assert [m["Subject"] for m in inbox.messages].count(
        "Overdue: Call back for Jordan Ellis (Alex Kim)"
    ) == 1


@pytest.mark.django_db
def test_no_alert_without_a_lead_to_tell_or_once_the_obligation_is_met(
    inbox, recruiter, lead, candidate, team
):
    callback, reply = overdue_work(recruiter, candidate)
    activity_log(recruiter=recruiter, candidate=candidate, kind="call", direction="outbound",
                 outcome="connected", occurred_at=timezone.now())  # fmt: skip
    assert alert_lead.call(callback.key) == "not sent: it is no longer open"
    User.objects.filter(pk=lead.pk).update(is_active=False)
    assert alert_lead.call(reply.key) == "not sent: there is no team lead to alert"
    assert inbox.messages == []
    assert not Reminder.objects.exists()  # released: a later pass may still alert


@pytest.mark.django_db
def test_the_alert_tells_the_lead_who_owes_whom_what(inbox, recruiter, candidate, team):
    callback, _ = overdue_work(recruiter, candidate)
    assert alert_lead.call(callback.key) == "sent"
    assert alert_lead.call(callback.key) == "already sent, or being sent"
    (message,) = inbox.messages
    assert message["To"] == "lee@agency.example"
    assert message["Subject"] == "Overdue: Call back for Jordan Ellis (Alex Kim)"
    text = text_of(message)
    assert "Alex Kim owes Jordan Ellis this" in text
    assert "more than 1 business day overdue" in text
    assert f"https://candidly.example/candidates/{candidate.pk}/" in text


# --- the worker -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_worker_passes_send_each_reminder_once(inbox, recruiter, candidate, team):
    callback, reply = overdue_work(recruiter, candidate)
    call_command("worker", "--once", verbosity=0)
    call_command("worker", "--once", verbosity=0)

    (digest,) = inbox.to("alex@agency.example")
    assert "Jordan Ellis: Call back" in text_of(digest)
    alerts = inbox.to("lee@agency.example")
    assert sorted(m["Subject"] for m in alerts) == [
        "Overdue: Call back for Jordan Ellis (Alex Kim)",
        "Overdue: Reply to email for Jordan Ellis (Alex Kim)",
    ]
    assert len(inbox.messages) == 3
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.django_db
def test_a_failed_send_releases_the_claim_and_a_later_pass_sends_it(
    inbox, settings, recruiter, candidate, team, django_capture_on_commit_callbacks
):
    overdue_work(recruiter, candidate)
    day = today_for(recruiter).isoformat()
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    with pytest.raises(OSError):
        send_digest.call(recruiter.pk, day)
    failed = Reminder.objects.get()
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.note.startswith("ConnectionRefusedError")

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stalled(timezone.now()) == 0  # not yet
        assert requeue_stalled(timezone.now() + RETRY_AFTER + timedelta(seconds=1)) == 1
    assert queued_tasks() == [("send_digest", [recruiter.pk, day])]

    settings.EMAIL_PORT = inbox.port
    assert send_digest.call(recruiter.pk, day) == "sent"
    assert len(inbox.messages) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.note) == ("sent", 2, "")


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _database_env(tmp_path) -> dict:
    """Environment for a worker process that sees this test's database."""
    if _on_postgres():
        db = connection.settings_dict
        auth = quote(db["USER"]) + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
        url = f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
        return {"DATABASE_URL": url}
    # The test database lives in memory: hand the workers a copy of it on disk, as SQLite
    # runs in production (one file, WAL, writers waiting their turn).
    path = tmp_path / "candidly.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()
    return {"SQLITE_PATH": str(path)}


def _reminders_seen_by_workers(env) -> list[tuple[str, str, int]]:
    query = "SELECT key, status, attempts FROM reminders_reminder ORDER BY key"
    if "SQLITE_PATH" in env:
        db = sqlite3.connect(env["SQLITE_PATH"])
        try:
            return list(db.execute(query))
        finally:
            db.close()
    return list(Reminder.objects.order_by("key").values_list("key", "status", "attempts"))


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_send_each_reminder_once(inbox, tmp_path, recruiter, candidate, team):
    callback, reply = overdue_work(recruiter, candidate)
    day = today_for(recruiter).isoformat()
    schedule_due_reminders()
    for _ in range(4):  # the same reminders, enqueued again and again
        send_digest.enqueue(recruiter.pk, day)
        alert_lead.enqueue(callback.key)
        alert_lead.enqueue(reply.key)
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "candidly.settings",
        "CANDIDLY_VAR_DIR": str(tmp_path),
        "TIME_ZONE": django_settings.TIME_ZONE,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(inbox.port),
        **_database_env(tmp_path),
    }
    command = [sys.executable, "-m", "candidly.cli", "worker", "--once", "--verbosity=0"]
    start = partial(subprocess.Popen, command, env=env, cwd=django_settings.BASE_DIR,
                    text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    workers = [start(), start()]
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err

    assert len(inbox.to("alex@agency.example")) == 1
    assert len(inbox.to("lee@agency.example")) == 2
    assert len(inbox.messages) == 3
    assert {status for _, status, _ in _reminders_seen_by_workers(env)} == {"sent"}
    assert {attempts for _, _, attempts in _reminders_seen_by_workers(env)} == {1}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="SQLite's in-memory test database reports contention between threads as an "
    "error instead of waiting; the worker-process test covers SQLite on a file.",
)
def test_two_threads_claiming_one_reminder_at_the_same_moment_send_one_email(
    inbox, recruiter, candidate, team
):
    overdue_work(recruiter, candidate)
    day = today_for(recruiter).isoformat()
    start = threading.Barrier(2)
    results = []

    def claim_and_send():
        try:
            start.wait()
            results.append(send_digest.call(recruiter.pk, day))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim_and_send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already sent, or being sent", "sent"]
    assert len(inbox.messages) == 1


# --- check-ins and the cost of a pass ---------------------------------------------------------


def _placed(submission, start: date):
    offer = offer_extend(submission=submission)
    offer_record_outcome(offer=offer, status="accepted")
    return placement_record(submission=submission, start_date=start)


@pytest.mark.django_db
def test_a_pass_opens_the_next_check_in_once_the_latest_falls_due(submission):
    placement = _placed(submission, timezone.localdate() - timedelta(days=400))
    latest = Obligation.objects.filter(placement=placement).order_by("step").last()
    assert latest.due_at > timezone.now()
    then = latest.due_at + timedelta(minutes=1)

    assert placements_due_a_check_in(latest.due_at - timedelta(minutes=1)) == []
    assert placements_due_a_check_in(then) == [placement.pk]
    assert schedule_due_reminders(then).check_ins == 1
    newest = Obligation.objects.filter(placement=placement).order_by("step").last()
    assert newest.step == latest.step + 1
    assert newest.due_at - latest.due_at > timedelta(days=360)  # the next anniversary
    assert placements_due_a_check_in(then) == []  # done: the next pass has nothing to do

    # A placement that has ended opens no more check-ins.
    placement_record_fall_off(placement=placement, fall_off_date=timezone.localdate())
    assert not Obligation.objects.filter(pk=newest.pk).exists()
    assert placements_due_a_check_in(then) == []


@pytest.mark.django_db
def test_a_quiet_pass_costs_the_same_however_many_recruiters_and_obligations(
    recruiter, candidate, team, django_capture_on_commit_callbacks
):
    def quiet_pass_queries() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            busy = schedule_due_reminders()  # queues what is due: the next pass is quiet
        assert busy.digests and busy.lead_alerts
        with CaptureQueriesContext(connection) as counted:
            done = schedule_due_reminders()
        assert (done.digests, done.lead_alerts, done.check_ins) == (0, 0, 0)
        return len(counted)

    overdue_work(recruiter, candidate)
    few = quiet_pass_queries()
    for n in range(5):
        user = User.objects.create_user(f"r{n}", email=f"r{n}@agency.example", team=team)
        overdue_work(user, candidate)
    assert quiet_pass_queries() == few


# --- settings -----------------------------------------------------------------------------------


def _mail_settings(tmp_path, **env) -> list[str]:
    code = (
        "import candidly.settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.SITE_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": os.environ["PATH"], "CANDIDLY_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_mail_is_printed_until_an_smtp_host_is_set(tmp_path):
    backend, *_ = _mail_settings(tmp_path)
    assert backend == "django.core.mail.backends.console.EmailBackend"
    assert _mail_settings(
        tmp_path, EMAIL_HOST="smtp.agency.example", EMAIL_PORT="587", EMAIL_USE_TLS="1",
        SITE_URL="https://crm.agency.example/",
    ) == [
        "django.core.mail.backends.smtp.EmailBackend", "smtp.agency.example", "587", "True",
        "https://crm.agency.example",
    ]  # fmt: skip
