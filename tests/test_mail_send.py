"""Writing to a candidate through a real SMTP server (aiosmtpd on loopback): from the
recruiter's address with a proper Message-ID, recorded as an outbound email that meets the
reply owed, sent once however often the form is posted, nothing recorded when the server
refuses; the interview prep packet; and the compose page itself."""

import email
import socket
from datetime import datetime, timedelta
from email import policy as email_policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeData

from candidly.activity.models import Activity
from candidly.lib.importreport import ImportReport
from candidly.mail.ingest import message_ingest
from candidly.mail.models import MailMessage
from candidly.mail.sending import SendFailed, mail_send, new_message_id, prep_packet
from candidly.obligations.models import Obligation
from candidly.pipeline.services import interview_schedule

# --- a real SMTP server -----------------------------------------------------------------------


class Outbox:
    """What the SMTP server was handed: parsed messages with their envelope."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.refuse: set[str] = set()  # recipients the server turns away
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email_policy.default)
        message["X-Envelope-From"] = envelope.mail_from
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        self.raw.append(envelope.content)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def outbox(settings):
    box = Outbox()
    box.port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = box.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield box
    controller.stop()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def inbound(recruiter, *, subject="Question about the role", minutes_ago=30, in_reply_to=""):
    """A message from the candidate, taken in as a sync or an import would."""
    msgid = email.utils.make_msgid(domain="example.com")
    refs = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    sent = email.utils.format_datetime(timezone.now() - timedelta(minutes=minutes_ago))
    raw = (
        f"From: Jordan Ellis <jordan.ellis@example.com>\r\nTo: alex@agency.example\r\n"
        f"Subject: {subject}\r\nDate: {sent}\r\nMessage-ID: {msgid}\r\n{refs}\r\n"
        "Hi Alex, what is the salary range? <script>alert(1)</script>\r\n"
    ).encode()
    return message_ingest(raw=raw, mailbox_owner=recruiter, source="imap", report=ImportReport())


# --- the service --------------------------------------------------------------------------------


def test_sent_from_the_recruiter_with_a_proper_message_id_and_recorded(
    outbox, recruiter, candidate
):
    message_id = new_message_id(recruiter)
    assert message_id.endswith("@agency.example>")

    sent = mail_send(
        recruiter=recruiter,
        candidate=candidate,
        to="jordan.ellis@example.com",
        subject="The Northwind role",
        body="Hi Jordan,\n\nA role you may like.\n\nAlex",
        message_id=message_id,
    )

    [out] = outbox.messages
    assert out["From"] == "Alex Kim <alex@agency.example>"
    assert out["X-Envelope-From"] == "alex@agency.example"
    assert out["X-Envelope-To"] == "jordan.ellis@example.com"
    assert out["Message-ID"] == message_id
    assert out["Date"] is not None and out["In-Reply-To"] is None
    assert "A role you may like." in text_of(out)
    key = message_id.strip("<>")
    assert sent.message.message_id == key and not sent.already
    assert sent.message.direction == "outbound" and sent.message.candidate == candidate
    assert sent.message.thread_root == key  # it starts a conversation
    activity = sent.activity
    assert (activity.kind, activity.direction, activity.candidate) == (
        "email",
        "outbound",
        candidate,
    )
    assert (activity.source, activity.external_id, activity.thread) == ("mail", key, key)
    assert activity.subject == "The Northwind role"


def test_a_reply_threads_onto_the_candidates_email_and_meets_the_reply_owed(
    outbox, recruiter, candidate
):
    question = inbound(recruiter)
    owed = Obligation.objects.get(candidate=candidate, kind="reply")
    assert owed.state == "open" and owed.thread == question.thread_root

    sent = mail_send(
        recruiter=recruiter,
        candidate=candidate,
        to="jordan.ellis@example.com",
        subject="Re: Question about the role",
        body="Between 150 and 170.",
        message_id=new_message_id(recruiter),
        reply_to=question,
    )

    [out] = outbox.messages
    assert out["In-Reply-To"] == f"<{question.message_id}>"
    assert out["References"] == f"<{question.message_id}>"
    assert sent.message.thread_root == question.thread_root
    owed.refresh_from_db()
    assert owed.state == "met" and owed.met_by_id == sent.activity.pk


def test_the_same_message_id_is_sent_once(outbox, recruiter, candidate):
    fields = {
        "recruiter": recruiter,
        "candidate": candidate,
        "to": "jordan.ellis@example.com",
        "subject": "Hello",
        "body": "Hi.",
        "message_id": new_message_id(recruiter),
    }

    first = mail_send(**fields)
    again = mail_send(**fields)

    assert len(outbox.messages) == 1
    assert again.already and again.message == first.message
    assert Activity.objects.filter(kind="email").count() == 1


def test_a_refused_message_records_nothing(outbox, recruiter, candidate):
    outbox.refuse.add("jordan.ellis@example.com")

    with pytest.raises(SendFailed, match="did not take the message"):
        mail_send(
            recruiter=recruiter,
            candidate=candidate,
            to="jordan.ellis@example.com",
            subject="Hello",
            body="Hi.",
            message_id=new_message_id(recruiter),
        )

    assert MailMessage.objects.count() == 0
    assert Activity.objects.count() == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"to": "someone.else@example.com"}, "to"),
        ({"subject": "  "}, "subject"),
        ({"body": "\n \n"}, "body"),
        ({"message_id": "<no-domain>"}, "message_id"),
        ({"message_id": "<a@b>\r\nBcc: x@example.com"}, "message_id"),
    ],
)
def test_what_cannot_be_sent_is_refused_before_anything_goes_out(
    outbox, recruiter, candidate, change, field
):
    fields = {
        "recruiter": recruiter,
        "candidate": candidate,
        "to": "jordan.ellis@example.com",
        "subject": "Hello",
        "body": "Hi.",
        "message_id": new_message_id(recruiter),
        **change,
    }

    with pytest.raises(ValidationError) as refused:
        mail_send(**fields)

    assert field in refused.value.message_dict
    assert outbox.messages == []


def test_a_recruiter_without_an_address_cannot_send(outbox, other_recruiter, candidate):
    with pytest.raises(ValidationError) as refused:
        mail_send(
            recruiter=other_recruiter,
            candidate=candidate,
            to="jordan.ellis@example.com",
            subject="Hello",
            body="Hi.",
            message_id="<abc@agency.example>",
        )
    assert "from" in refused.value.message_dict
    assert outbox.messages == []


def test_a_subject_stays_one_line(outbox, recruiter, candidate):
    mail_send(
        recruiter=recruiter,
        candidate=candidate,
        to="jordan.ellis@example.com",
        subject="Hello\r\nBcc: victim@example.com",
        body="Hi.",
        message_id=new_message_id(recruiter),
    )
    [out] = outbox.messages
    assert out["Subject"] == "Hello Bcc: victim@example.com"
    assert out["Bcc"] is None and out["X-Envelope-To"] == "jordan.ellis@example.com"


# --- the prep packet ----------------------------------------------------------------------------


@pytest.fixture
def interview(submission, recruiter, candidate):
    candidate.time_zone = "America/Los_Angeles"
    candidate.save()
    day = timezone.localdate() + timedelta(days=7)
    starts = datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    return interview_schedule(
        submission=submission,
        kind="video",
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        time_zone="America/New_York",
        location="https://meet.example/northwind-backend",
        interviewers="Morgan Reyes, Sam Ortiz",
        by=recruiter,
    )


def test_the_prep_packet_gives_the_time_in_the_candidates_zone(interview, recruiter, candidate):
    subject, body = prep_packet(
        interview=interview,
        candidate=candidate,
        recruiter=recruiter,
        expect="Forty-five minutes of system design.",
        notes="Morgan likes to hear about <trade-offs> & failures.",
    )

    assert not isinstance(body, SafeData)  # plain text: any page showing it escapes it
    local = interview.starts_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert f"{local:%H:%M}" == "07:00"  # 10:00 in New York
    assert subject.startswith("Your video interview with Northwind Labs:")
    assert f"{local.day} {local:%B %Y}, 07:00–07:45 (America/Los_Angeles)" in body
    assert "10:00 (America/New_York) where the interview takes place" in body
    assert "  - Morgan Reyes\n  - Sam Ortiz\n" in body
    assert "https://meet.example/northwind-backend" in body
    assert "Forty-five minutes of system design." in body
    # A plain-text email: the recruiter's words go out as written, not HTML-escaped.
    assert "Morgan likes to hear about <trade-offs> & failures." in body
    assert "Backend Engineer role at Northwind Labs" in body
    assert body.rstrip().endswith("Alex Kim")


def test_the_prep_packet_in_the_interviews_zone_when_the_candidates_is_unknown(
    interview, recruiter, candidate
):
    candidate.time_zone = ""
    _, body = prep_packet(
        interview=interview, candidate=candidate, recruiter=recruiter, expect="", notes=""
    )
    assert "10:00–10:45 (America/New_York)" in body
    assert "where the interview takes place" not in body
    assert "What to expect" not in body and "From me" not in body


def test_sending_the_prep_packet_from_the_page(outbox, logged_in, interview, candidate):
    url = reverse("mail_compose", args=[candidate.pk])
    page = logged_in.get(url)
    assert f'href="?interview={interview.pk}"' in page.content.decode()

    page = logged_in.get(url, {"interview": interview.pk})
    form = page.context["form"]
    assert "Try the link" in form.initial["expect"]  # what a video interview asks for
    fields = {
        "to": "jordan.ellis@example.com",
        "subject": form.initial["subject"],
        "expect": form.initial["expect"],
        "notes": "Ask Sam about the <payments> migration.",
        "message_id": form.initial["message_id"],
        "interview": interview.pk,
    }

    preview = logged_in.post(url, {**fields, "preview": "1"})
    assert preview.status_code == 200 and outbox.messages == []
    shown = preview.content.decode().split("<h2>Preview</h2>", 1)[1]
    assert "Ask Sam about the &lt;payments&gt; migration." in shown  # escaped on the page
    assert "<payments>" not in preview.content.decode()

    response = logged_in.post(url, fields)

    assert response.status_code == 302 and response.url == candidate.get_absolute_url()
    [out] = outbox.messages
    assert "Ask Sam about the <payments> migration." in text_of(out)
    assert "07:00–07:45 (America/Los_Angeles)" in text_of(out)
    # An email, not a prep session: the prep obligation waits for the conversation itself.
    assert Activity.objects.get(kind="email").direction == "outbound"
    prep = Obligation.objects.get(kind="phone_prep")
    assert prep.state == "open"


# --- the compose page -----------------------------------------------------------------------------


def test_the_candidate_page_links_to_the_compose_page(logged_in, candidate):
    page = logged_in.get(candidate.get_absolute_url()).content.decode()
    assert f'href="{reverse("mail_compose", args=[candidate.pk])}"' in page


def test_writing_from_the_page(outbox, logged_in, candidate):
    url = reverse("mail_compose", args=[candidate.pk])
    form = logged_in.get(url).context["form"]
    fields = {
        "to": "jordan.ellis@example.com",
        "subject": "Hello",
        "body": "Hi Jordan.",
        "message_id": form.initial["message_id"],
    }

    response = logged_in.post(url, fields)
    again = logged_in.post(url, fields)  # a second click on Send

    assert response.status_code == 302 and again.status_code == 302
    assert len(outbox.messages) == 1
    assert Activity.objects.filter(kind="email", direction="outbound").count() == 1
    page = logged_in.get(candidate.get_absolute_url()).content.decode()
    assert "Sent to jordan.ellis@example.com." in page


def test_replying_from_the_page_shows_the_original_as_text(outbox, logged_in, recruiter, candidate):
    question = inbound(recruiter)
    url = reverse("mail_compose", args=[candidate.pk])

    page = logged_in.get(url)
    assert f'href="?reply={question.pk}"' in page.content.decode()
    page = logged_in.get(url, {"reply": question.pk})
    html = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    form = page.context["form"]
    assert form.initial["subject"] == "Re: Question about the role"

    logged_in.post(
        url,
        {
            "to": "jordan.ellis@example.com",
            "subject": form.initial["subject"],
            "body": "Between 150 and 170.",
            "message_id": form.initial["message_id"],
            "reply": question.pk,
        },
    )

    [out] = outbox.messages
    assert out["In-Reply-To"] == f"<{question.message_id}>"
    assert Obligation.objects.get(kind="reply").state == "met"


def test_a_refusal_from_the_server_is_shown_and_nothing_recorded(outbox, logged_in, candidate):
    outbox.refuse.add("jordan.ellis@example.com")
    url = reverse("mail_compose", args=[candidate.pk])
    form = logged_in.get(url).context["form"]

    response = logged_in.post(
        url,
        {
            "to": "jordan.ellis@example.com",
            "subject": "Hello",
            "body": "Hi.",
            "message_id": form.initial["message_id"],
        },
    )

    assert response.status_code == 400
    assert "Nothing was sent or recorded" in response.content.decode()
    assert Activity.objects.count() == 0


def test_only_this_candidates_messages_and_interviews(logged_in, recruiter, candidate):
    from candidly.people.services import candidate_create

    other = candidate_create(first_name="Sam", last_name="Lee", emails=["sam@example.com"])
    question = inbound(recruiter)
    url = reverse("mail_compose", args=[other.pk])

    assert logged_in.get(url, {"reply": question.pk}).status_code == 404
    assert logged_in.get(url, {"reply": "x"}).status_code == 404
    assert logged_in.get(url, {"interview": 999}).status_code == 404


def test_compose_needs_a_login(client, candidate):
    response = client.get(reverse("mail_compose", args=[candidate.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
