"""The whole conversation through real servers: the recruiter writes from the candidate page
(out through aiosmtpd), the candidate's answer arrives in the recruiter's IMAP inbox
(Dovecot) and threads onto it, opening a reply; the recruiter answers from the page, which
meets it; the recruiter's Sent folder, read too, adds nothing twice."""

import email
import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from django.urls import reverse
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.lib.importreport import ImportReport
from candidly.mail.connections import mailbox_connection_create
from candidly.mail.imap import mailbox_sync
from candidly.mail.models import MailMessage
from candidly.obligations.models import Obligation
from tests import test_mail_imap_servers as servers
from tests import test_mail_send as smtp

dovecot, imap_account, outbox = servers.dovecot, servers.imap_account, smtp.outbox  # fixtures


def answer_to(sent: email.message.EmailMessage, text: str) -> bytes:
    """The candidate's mail client answering `sent`."""
    m = EmailMessage(policy=SMTP)
    m["From"] = "Jordan Ellis <jordan.ellis@example.com>"
    m["To"] = sent["From"]
    m["Subject"] = f"Re: {sent['Subject']}"
    m["Date"] = format_datetime(timezone.now())
    m["Message-ID"] = make_msgid(domain="example.com")
    m["In-Reply-To"] = sent["Message-ID"]
    m["References"] = " ".join(filter(None, [sent["References"], sent["Message-ID"]]))
    m.set_content(f"{text}\n\nOn Monday Alex Kim wrote:\n> {text_of(sent)[:40]}\n")
    return m.as_bytes()


def text_of(message) -> str:
    return smtp.text_of(message)


def sync(connection) -> ImportReport:
    report = ImportReport()
    result = mailbox_sync(connection=connection, report=report)
    assert result.ok, result.error
    return report


def send_from_page(client, candidate, *, subject=None, body, reply=None):
    url = reverse("mail_compose", args=[candidate.pk])
    form = client.get(url, {"reply": reply} if reply else {}).context["form"]
    fields = {
        "to": "jordan.ellis@example.com",
        "subject": subject or form.initial["subject"],
        "body": body,
        "message_id": form.initial["message_id"],
    }
    if reply:
        fields["reply"] = reply
    response = client.post(url, fields)
    assert response.status_code == 302, response.content.decode()
    return form.initial["message_id"].strip("<>")


def test_send_then_the_reply_threads_onto_it_and_is_answered(
    outbox, imap_account, logged_in, recruiter, candidate
):
    inbox = mailbox_connection_create(
        user=recruiter,
        host="127.0.0.1",
        port=imap_account.server.tls_port,
        username=imap_account.username,
        password=imap_account.password,
    )

    # 1. The recruiter writes first.
    first = send_from_page(logged_in, candidate, subject="The Northwind role", body="Keen?")
    [sent] = outbox.messages
    assert sent["Message-ID"] == f"<{first}>"
    assert not Obligation.objects.filter(kind="reply").exists()

    # 2. The candidate answers (Date headers count whole seconds: a second later); the
    # answer lands in the recruiter's inbox and is read.
    time.sleep(1.1)
    imap_account.append(answer_to(sent, "Very keen. When can we talk?"))
    report = sync(inbox)

    assert report.imported == 1
    answer = MailMessage.objects.get(direction="inbound")
    assert answer.candidate == candidate
    assert answer.thread_root == first  # threads onto the message sent from Candidly
    received = Activity.objects.get(direction="inbound")
    assert (received.kind, received.thread) == ("email", first)
    owed = Obligation.objects.get(kind="reply")
    assert (owed.state, owed.thread, owed.activity_id) == ("open", first, received.pk)

    # 3. The recruiter replies from the page (a second later): same thread, the reply is met.
    time.sleep(1.1)
    second = send_from_page(logged_in, candidate, body="Tomorrow at 10?", reply=answer.pk)
    reply = outbox.messages[1]
    assert reply["In-Reply-To"] == f"<{answer.message_id}>"
    assert reply["References"].split() == [f"<{first}>", f"<{answer.message_id}>"]
    assert MailMessage.objects.get(message_id=second).thread_root == first
    owed.refresh_from_db()
    assert owed.state == "met"
    assert owed.met_by == Activity.objects.get(external_id=second)
    assert owed.met_at <= owed.due_at

    # 4. The recruiter's mail server keeps copies in Sent; reading that folder too stores
    # nothing twice.
    imap = imap_account.client()
    imap.create("Sent")
    imap.logout()
    imap_account.append(*outbox.raw, folder="Sent")
    sent_folder = mailbox_connection_create(
        user=recruiter,
        host="127.0.0.1",
        port=imap_account.server.tls_port,
        username=imap_account.username,
        password=imap_account.password,
        folder="Sent",
    )
    report = sync(sent_folder)

    assert (report.imported, report.duplicates) == (0, 2)
    assert MailMessage.objects.count() == 3
    assert Activity.objects.filter(kind="email").count() == 3
    assert Obligation.objects.filter(kind="reply").count() == 1
