"""Mail a recruiter writes to a candidate: sent through Django's email backend (SMTP) from
the recruiter's own address, then taken in by `message_ingest` like any other message.

So a sent message is stored once under its Message-ID and recorded as an outbound email
activity in its thread, which meets the reply the candidate was owed; the candidate's answer
(read later over IMAP, or imported) names that Message-ID in In-Reply-To / References and
threads onto it. The same message read back from the recruiter's Sent folder is recognised by
its Message-ID and adds nothing.

The Message-ID is chosen when the compose page is drawn and travels with the form: posting
the same form twice (a double click, a reload) finds the message already sent and sends
nothing more.

The interview prep packet is a template for such an email. It is recorded as an email, not
as a prep session: the phone- and onsite-prep obligations ask for a conversation with the
candidate, which the recruiter logs as a prep session; a packet supports that conversation
and does not replace it.
"""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, formataddr, make_msgid

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.lib.importreport import ImportReport
from candidly.lib.timeutil import zone_or_none
from candidly.mail.ingest import ACTIVITY_SOURCE, ledger_body, message_ingest
from candidly.mail.models import MailMessage
from candidly.people.models import Candidate, ContactPoint
from candidly.pipeline.models import Interview

logger = logging.getLogger(__name__)

SUBJECT_MAX = 300
BODY_MAX = 100_000
REFERENCES_MAX = 20  # Message-IDs kept in References: the root and the latest ones
_MESSAGE_ID = re.compile(r"^<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,200}@[A-Za-z0-9.-]{1,200}>$")


class SendFailed(Exception):
    """The mail server did not take the message; nothing was recorded."""


def sender_domain(recruiter: User) -> str:
    return recruiter.email.rsplit("@", 1)[-1].strip().lower() if recruiter.email else ""


def new_message_id(recruiter: User) -> str:
    """A Message-ID in the recruiter's own domain, "<…@agency.example>"."""
    return make_msgid(domain=sender_domain(recruiter) or "localhost")


def candidate_addresses(candidate: Candidate) -> list[str]:
    return list(
        candidate.contact_points.filter(kind=ContactPoint.Kind.EMAIL)
        .order_by("id")
        .values_list("value", flat=True)
    )


def one_line(text: str) -> str:
    return " ".join(text.split())


def reply_subject(subject: str) -> str:
    subject = one_line(subject)
    return subject if re.match(r"(?i)^re\s*:", subject) else f"Re: {subject}".strip()


def _reply_headers(original: MailMessage) -> dict[str, str]:
    refs = [r for r in original.references.split("\n") if r]
    refs = [*refs, original.message_id]
    if len(refs) > REFERENCES_MAX:  # keep the root, which threads it, and the latest
        refs = [refs[0], *refs[-(REFERENCES_MAX - 1) :]]
    return {
        "In-Reply-To": f"<{original.message_id}>",
        "References": " ".join(f"<{r}>" for r in refs),
    }


@dataclass
class Sent:
    message: MailMessage | None
    activity: Activity | None
    already: bool = False  # this Message-ID had been sent before: nothing was sent now


def mail_send(
    *,
    recruiter: User,
    candidate: Candidate,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    reply_to: MailMessage | None = None,
) -> Sent:
    """Send one email from `recruiter` to `candidate` (at `to`, one of their addresses), as a
    reply to `reply_to` when given, then record it. Raises ValidationError for a message
    that cannot be sent as written, SendFailed when the mail server does not take it."""
    errors = {}
    if not recruiter.email:
        errors["from"] = "Your account has no email address to send from; ask an admin."
    address = (to or "").strip().lower()
    if address not in candidate_addresses(candidate):
        errors["to"] = "Choose one of the candidate's email addresses."
    subject = one_line(subject)
    if not subject:
        errors["subject"] = "Give the email a subject."
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = f"Keep the subject under {SUBJECT_MAX} characters."
    body = body.replace("\r\n", "\n").strip()
    if not body:
        errors["body"] = "Write something to send."
    elif len(body) > BODY_MAX:
        errors["body"] = f"That is too long for an email here ({BODY_MAX:,} characters at most)."
    if not _MESSAGE_ID.match(message_id or ""):
        errors["message_id"] = "This form has expired: open the page again."
    if reply_to is not None and reply_to.candidate_id != candidate.pk:
        errors["reply_to"] = "That email is not from this candidate."
    if errors:
        raise ValidationError(errors)
    key = message_id[1:-1]
    existing = MailMessage.objects.filter(message_id=key).first()
    if existing is not None:
        return Sent(existing, existing.activity, already=True)

    now = timezone.now()
    headers = {"Message-ID": message_id, "Date": format_datetime(now)}
    if reply_to is not None:
        headers.update(_reply_headers(reply_to))
    name = one_line(recruiter.get_full_name()) or recruiter.get_username()
    email = EmailMessage(
        subject=subject,
        body=body + "\n",
        from_email=formataddr((name, recruiter.email)),
        to=[address],
        headers=headers,
    )
    try:
        get_connection(fail_silently=False).send_messages([email])
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"The mail server did not take the message: {exc}") from None
    return _record(email, recruiter=recruiter, candidate=candidate, key=key, now=now)


def _record(email, *, recruiter, candidate, key, now) -> Sent:
    """Take the sent message in as any message is taken, so its thread, its activity and the
    reply it meets follow the same rules; should that fail, the activity at least."""
    report = ImportReport()
    message = message_ingest(
        raw=email.message().as_bytes(), mailbox_owner=recruiter, source="smtp", report=report
    )
    if message is not None and message.activity_id is not None:
        return Sent(message, message.activity)
    logger.warning("A sent message was not taken in as usual: %s", report.summary())
    thread = message.thread_root if message is not None else key
    activity = activity_log(
        recruiter=recruiter,
        candidate=candidate,
        kind=Activity.Kind.EMAIL,
        direction=Activity.Direction.OUTBOUND,
        occurred_at=now,
        subject=email.subject,
        body=ledger_body(email.body),
        source=ACTIVITY_SOURCE,
        external_id=key,
        thread=thread,
    )
    return Sent(message, activity)


# --- the interview prep packet ----------------------------------------------------------------

EXPECT = {
    Interview.Kind.PHONE: (
        "A phone conversation. They will call you on the number we have for you; expect "
        "questions about your recent work and why this role appeals to you. Have a few "
        "questions of your own ready, and somewhere quiet to talk."
    ),
    Interview.Kind.VIDEO: (
        "A video call. Try the link, your camera and your microphone a few minutes "
        "beforehand; expect questions about your recent work and why this role appeals to "
        "you. Have a few questions of your own ready."
    ),
    Interview.Kind.ONSITE: (
        "An interview in person. Plan to arrive ten minutes early and bring a photo ID for "
        "reception; expect to meet several people in turn, and to talk through your work in "
        "some depth. Have questions ready for each of them."
    ),
}


def interview_local(interview: Interview, candidate: Candidate) -> tuple[datetime, str]:
    """The interview's start in the candidate's time zone (the interview's own when the
    candidate's is unknown), and the name of that zone."""
    zone_name = candidate.time_zone if zone_or_none(candidate.time_zone) else ""
    zone_name = zone_name or interview.time_zone
    return timezone.localtime(interview.starts_at, zone_or_none(zone_name)), zone_name


def _clock(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}, {moment:%H:%M}"


def prep_packet(
    *, interview: Interview, candidate: Candidate, recruiter: User, expect: str, notes: str
) -> tuple[str, str]:
    """The subject and text of a prep packet for `interview`."""
    start, zone_name = interview_local(interview, candidate)
    end = timezone.localtime(interview.ends_at, start.tzinfo)
    requisition = interview.submission.requisition
    company = requisition.hiring_manager.company
    there = timezone.localtime(interview.starts_at, zone_or_none(interview.time_zone))
    context = {
        "candidate": candidate,
        "recruiter_name": recruiter.get_full_name() or recruiter.get_username(),
        "kind": interview.get_kind_display().lower(),
        "role": requisition.title,
        "company": company.name,
        "when": f"{_clock(start)}–{end:%H:%M}",
        "zone": zone_name,
        "minutes": int((interview.ends_at - interview.starts_at).total_seconds() // 60),
        # Where the interview happens, on its own clock, when that differs.
        "there": (
            f"{_clock(there)} ({interview.time_zone})"
            if interview.time_zone != zone_name and there.utcoffset() != start.utcoffset()
            else ""
        ),
        "interviewers": [p.strip() for p in interview.interviewers.split(",") if p.strip()],
        "location": interview.location,
        "expect": expect.replace("\r\n", "\n").strip(),
        "notes": notes.replace("\r\n", "\n").strip(),
    }
    subject = f"Your {context['kind']} interview with {company.name}: {_clock(start)}"
    return one_line(subject), plain(render_to_string("mail/compose_prep_packet.txt", context))


def plain(rendered: str) -> str:
    """A text template's output as an ordinary string. The template engine marks what it
    renders as safe HTML; this is plain text, and a page showing it must escape it."""
    return "".join(rendered.splitlines(keepends=True))
