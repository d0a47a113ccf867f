"""Taking messages in: matching, direction, threads, obligations, idempotency."""

import io
import json
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.lib.importreport import ImportReport
from candidly.mail.importers import mail_import
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


# --- import-mail: files, mbox, Maildir -------------------------------------------------------


def write_mbox(path, messages):
    with open(path, "wb") as f:
        for raw in messages:
            f.write(b"From someone@example.com Mon Jan  1 00:00:00 2024\n")
            f.write(raw.replace(b"\nFrom ", b"\n>From ") + b"\n")


def run_import(*args):
    out = io.StringIO()
    call_command("import_mail", *map(str, args), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_import_mail_takes_eml_mbox_and_maildir(tmp_path, candidate, manager, recruiter):
    (tmp_path / "one.eml").write_bytes(make(message_id="<e1@x>"))
    write_mbox(
        tmp_path / "archive.mbox",
        [
            make(message_id="<b1@x>", body="From the start\nFrom here on"),
            make(message_id="<b2@x>", sender="morgan.reyes@northwind.example"),
            b"not a message at all",
        ],
    )
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1700000000.1.host:2,S").write_bytes(make(message_id="<d1@x>"))
    (maildir / "new" / "1700000001.2.host").write_bytes(
        make(message_id="<d2@x>", sender="nobody@else.example")
    )
    (maildir / "tmp" / "half-written").write_bytes(b"From: x")
    (maildir / "dovecot-uidlist").write_bytes(b"3 V1 N3\n")

    result = run_import(tmp_path, "--owner", "alex")
    assert result["imported"] == 5
    assert result["unmatched"] == 1
    assert [r["item"].rsplit("/", 1)[-1] for r in result["refused"]] == ["archive.mbox#3"]
    assert result["refused"][0]["reason"] == "no headers: not an email message"
    body = MailMessage.objects.get(message_id="b1@x").body_text
    assert body == "From the start\nFrom here on"  # unquoted, as mboxrd writes it

    again = run_import(tmp_path, "--owner", "alex@agency.example")
    assert again["imported"] == 0 and again["duplicates"] == 5
    assert MailMessage.objects.count() == 5


def test_import_mail_reports_paths_it_cannot_read(tmp_path, recruiter):
    result = run_import(tmp_path / "missing.mbox", "--owner", "alex")
    assert result["refused"] == [
        {"item": str(tmp_path / "missing.mbox"), "reason": "no such file or folder"}
    ]


def test_import_mail_needs_a_known_owner(tmp_path, recruiter):
    with pytest.raises(CommandError, match="No user"):
        call_command("import_mail", str(tmp_path), "--owner", "nobody")


@pytest.mark.parametrize("rebuild", [True, False])
def test_bulk_import_brings_obligations_up_to_date(tmp_path, candidate, recruiter, rebuild):
    """Both ways of keeping obligations (rebuilt once, or upkept per activity) agree."""
    now = timezone.now()
    write_mbox(
        tmp_path / "m.mbox",
        [
            make(message_id="<q1@x>", at=now - timedelta(hours=5)),
            make(
                sender="alex@agency.example",
                to="jordan.ellis@example.com",
                message_id="<a1@x>",
                at=now - timedelta(hours=4),
                headers=[("In-Reply-To", "<q1@x>"), ("References", "<q1@x>")],
            ),
            make(message_id="<q2@x>", subject="Another question", at=now - timedelta(hours=3)),
            make(
                message_id="<auto@x>",
                at=now - timedelta(hours=2),
                headers=[("Auto-Submitted", "auto-replied")],
            ),
        ],
    )
    report = ImportReport()
    mail_import(paths=[tmp_path], owner=recruiter, report=report, rebuild=rebuild)
    assert report.imported == 4
    replies = Obligation.objects.filter(kind=Obligation.Kind.REPLY).order_by("opened_at")
    assert [(o.thread, o.state) for o in replies] == [
        ("q1@x", Obligation.State.MET),
        ("q2@x", Obligation.State.OPEN),
    ]
    answer = Activity.objects.get(external_id="a1@x")
    assert replies[0].met_by == answer and answer.thread == "q1@x"


def test_bulk_import_links_an_activity_recorded_before(tmp_path, candidate, recruiter):
    """A sent message recorded as an activity first is linked when its copy is imported."""
    sent = activity_log(
        recruiter=recruiter,
        kind="email",
        direction="outbound",
        candidate=candidate,
        source="mail",
        external_id="sent1@agency.example",
        subject="Hello",
    )
    (tmp_path / "sent.eml").write_bytes(
        make(sender="alex@agency.example", to="jordan.ellis@example.com",
             message_id="<sent1@agency.example>")
    )  # fmt: skip
    run_import(tmp_path, "--owner", "alex")
    assert MailMessage.objects.get().activity == sent
    assert Activity.objects.count() == 1


def test_a_chunk_that_cannot_be_written_whole_is_written_one_by_one(
    tmp_path, candidate, recruiter, monkeypatch
):
    """Another process (a mailbox sync) stores one message of the chunk between the
    import's lookup and its write: the bulk insert fails, and each message is written on
    its own; the raced one is reported as already present, the others are taken."""
    from candidly.mail import importers

    write_mbox(tmp_path / "m.mbox", [make(message_id="<ok@x>"), make(message_id="<race@x>")])
    real_parse = importers.parse_message

    def parse_while_a_sync_stores_it(raw, **kw):
        parsed = real_parse(raw, **kw)
        if parsed.key == "race@x":
            message_ingest(raw=raw, mailbox_owner=recruiter, source="imap", report=ImportReport())
        return parsed

    monkeypatch.setattr(importers, "parse_message", parse_while_a_sync_stores_it)
    report = ImportReport()
    mail_import(paths=[tmp_path], owner=recruiter, report=report)
    assert (report.imported, report.duplicates, report.refused) == (1, 1, [])
    assert set(MailMessage.objects.values_list("message_id", "source")) == {
        ("ok@x", "import"),
        ("race@x", "imap"),
    }
    assert Activity.objects.count() == 2


# --- the upload page -------------------------------------------------------------------------


def test_upload_gives_the_same_report(logged_in, candidate, recruiter):
    mbox = io.BytesIO()
    mbox.write(b"From x Mon Jan  1 00:00:00 2024\n" + make(message_id="<u1@x>") + b"\n")
    mbox.write(b"From x Mon Jan  1 00:00:00 2024\ngarbage without headers\n")
    mbox.name = "export.mbox"
    mbox.seek(0)
    eml = io.BytesIO(make(message_id="<u2@x>", sender="who@else.example"))
    eml.name = "note.eml"
    response = logged_in.post("/mail/import/", {"files": [mbox, eml]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>2</strong> imported" in page and "<strong>1</strong> refused" in page
    assert "001-export.mbox#2" in page and "no headers: not an email message" in page
    assert "candidly-mail-" not in page  # no server paths
    assert MailMessage.objects.count() == 2

    eml.seek(0)
    response = logged_in.post("/mail/import/", {"files": [eml]}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="report"')
    assert "<strong>1</strong> already present" in page


def test_upload_needs_a_file(logged_in):
    response = logged_in.post("/mail/import/", {})
    assert "This field is required" in response.content.decode()


def test_a_mailbox_login_that_is_an_address_is_the_owners(candidate, recruiter):
    from candidly.mail.models import MailboxConnection

    MailboxConnection.objects.create(
        user=recruiter, host="imap.example", username="ak@inbox.example"
    )
    message, _ = ingest(make(sender="ak@inbox.example", to="jordan.ellis@example.com"), recruiter)
    assert message.direction == "outbound" and message.candidate == candidate
