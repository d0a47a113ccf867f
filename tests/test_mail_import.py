"""Taking messages in: matching, direction, threads, obligations, idempotency."""

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.lib.importreport import ImportReport
from candidly.mail.ingest import message_ingest
from candidly.mail.models import MailIdentity, MailMessage
from candidly.obligations.models import Obligation


def make(
    *,
    sender="Jordan Ellis <jordan.ellis@example.com>",
    to="Alex Kim <alex@agency.example>",
    subject="About the role",
    body="Hello Alex,\nI am interested.\n",
    message_id="<m1@example.com>",
    at=None,
    headers=(),
) -> bytes:
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    if to:
        msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(at or timezone.now() - timedelta(hours=2))
    for name, value in headers:
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def ingest(raw, owner, report=None, **kw):
    report = report or ImportReport()
    return message_ingest(raw=raw, mailbox_owner=owner, source="test", report=report, **kw), report


def test_inbound_from_candidate_opens_a_reply(candidate, recruiter):
    message, report = ingest(make(), recruiter)
    assert report.imported == 1
    assert message.state == MailMessage.State.MATCHED
    assert message.candidate == candidate
    assert message.direction == "inbound"
    activity = message.activity
    assert activity.kind == "email" and activity.direction == "inbound"
    assert activity.candidate == candidate and activity.recruiter == recruiter
    assert activity.external_id == "m1@example.com" and activity.thread == "m1@example.com"
    reply = Obligation.objects.get(kind=Obligation.Kind.REPLY, candidate=candidate)
    assert reply.state == Obligation.State.OPEN


def test_outbound_reply_in_the_thread_meets_it(candidate, recruiter):
    ingest(make(), recruiter)
    raw = make(
        sender="Alex Kim <alex@agency.example>",
        to="jordan.ellis@example.com",
        subject="Re: About the role",
        message_id="<r1@agency.example>",
        at=timezone.now() - timedelta(hours=1),
        headers=[("In-Reply-To", "<m1@example.com>"), ("References", "<m1@example.com>")],
    )
    message, report = ingest(raw, recruiter)
    assert message.direction == "outbound" and message.candidate == candidate
    assert message.thread_root == "m1@example.com"
    assert message.activity.direction == "outbound"
    reply = Obligation.objects.get(kind=Obligation.Kind.REPLY, candidate=candidate)
    assert reply.state == Obligation.State.MET
    assert reply.met_by == message.activity


def test_mail_from_an_identity_of_the_owner_is_outbound(candidate, recruiter):
    MailIdentity.objects.create(user=recruiter, address="alex.kim@other.example")
    message, _ = ingest(
        make(sender="alex.kim@other.example", to="Jordan.Ellis@example.com"), recruiter
    )
    assert message.direction == "outbound" and message.candidate == candidate


def test_automated_mail_is_recorded_but_opens_nothing(candidate, recruiter):
    message, report = ingest(make(headers=[("Auto-Submitted", "auto-replied")]), recruiter)
    assert message.is_automated and message.activity.automated
    assert report.counts["automated"] == 1
    assert not Obligation.objects.filter(kind=Obligation.Kind.REPLY).exists()


@pytest.mark.parametrize(
    "header",
    [
        ("Precedence", "bulk"),
        ("List-Id", "<jobs.lists.example>"),
        ("List-Unsubscribe", "<mailto:u@example.com>"),
        ("X-Autoreply", "yes"),
    ],
)
def test_bulk_and_list_headers_mark_it_automated(candidate, recruiter, header):
    message, _ = ingest(make(headers=[header]), recruiter)
    assert message.is_automated


def test_auto_submitted_no_is_a_person(candidate, recruiter):
    message, _ = ingest(make(headers=[("Auto-Submitted", "no")]), recruiter)
    assert not message.is_automated


def test_hiring_manager_is_matched(manager, recruiter):
    message, _ = ingest(make(sender="morgan.reyes@northwind.example"), recruiter)
    assert message.hiring_manager == manager and message.activity.hiring_manager == manager


def test_unknown_sender_waits_unmatched(recruiter):
    message, report = ingest(make(sender="stranger@elsewhere.example"), recruiter)
    assert message.state == MailMessage.State.UNMATCHED and message.activity is None
    assert report.counts["unmatched"] == 1
    assert not Activity.objects.exists()


def test_second_import_adds_nothing(candidate, recruiter):
    ingest(make(), recruiter)
    again, report = ingest(make(), recruiter)
    assert report.imported == 0 and report.duplicates == 1
    assert again is not None
    assert MailMessage.objects.count() == 1 and Activity.objects.count() == 1


def test_without_message_id_the_content_identifies_it(candidate, recruiter):
    raw = make(message_id=None)
    first, _ = ingest(raw, recruiter)
    assert first.message_id.startswith("sha256:")
    _, report = ingest(raw.replace(b"\n", b"\r\n"), recruiter)
    assert report.duplicates == 1
    _, report = ingest(make(message_id=None, body="Something else"), recruiter)
    assert report.imported == 1


def test_outbound_to_several_people_records_each(candidate, manager, recruiter):
    raw = make(
        sender="alex@agency.example",
        to="jordan.ellis@example.com, Morgan <morgan.reyes@northwind.example>",
    )
    message, _ = ingest(raw, recruiter)
    activities = Activity.objects.order_by("id")
    assert [a.person for a in activities] == [candidate, manager]
    assert {a.thread for a in activities} == {"m1@example.com"}
    assert message.activity == activities[0]


def test_thread_root_follows_a_stored_message(candidate, recruiter):
    ingest(make(message_id="<a@x>"), recruiter)
    ingest(make(message_id="<b@x>", headers=[("In-Reply-To", "<a@x>")]), recruiter)
    # Only In-Reply-To names b; its root is a's.
    third, _ = ingest(make(message_id="<c@x>", headers=[("In-Reply-To", "<b@x>")]), recruiter)
    assert third.thread_root == "a@x"


def test_future_date_is_recorded_as_now_and_noted(candidate, recruiter):
    message, report = ingest(make(at=timezone.now() + timedelta(days=3)), recruiter)
    assert message.activity.occurred_at <= timezone.now()
    assert "future" in report.lines[0].note


def test_refused_message_is_reported_and_others_go_on(candidate, recruiter):
    report = ImportReport()
    ingest(b"\x00\x01garbage", recruiter, report)
    ingest(make(), recruiter, report)
    assert report.imported == 1 and len(report.refused) == 1
    assert report.refused[0].note
