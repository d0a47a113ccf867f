"""Taking one message into Candidly: parse, dedupe by Message-ID, store, match, record.

`message_ingest` is the one way a message enters, whether it was imported from a file, read
over IMAP or sent from Candidly. It never raises on bad input: what it did is reported on the
`ImportReport` it is given (taken, already present, or refused and why).

Matching: the sender and recipients are looked up by normalised address among the email
contact points of candidates and hiring managers. Mail from the mailbox owner (their
User.email or any MailIdentity of theirs) is outbound, to each matched recipient; any other
mail is inbound, from the matched sender. Each becomes an email activity (source "mail",
external id the message's key), which opens or meets the reply obligation by itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.activity.services import FUTURE_SLACK, activity_log
from candidly.lib.importreport import ImportReport
from candidly.mail.models import (
    KEY_MAX,
    Attachment,
    MailboxConnection,
    MailIdentity,
    MailMessage,
)
from candidly.mail.parsing import MessageRefused, ParsedMessage, clean, parse_message
from candidly.people.models import Candidate, ContactPoint, HiringManager

# Activities made from mail carry this source, whatever brought the message in (a file,
# IMAP, sending), so the same message is one activity however often it arrives.
ACTIVITY_SOURCE = "mail"
LEDGER_BODY_MAX = 2_000

Person = Candidate | HiringManager


# --- who is who --------------------------------------------------------------------------------


def owner_addresses(user: User) -> frozenset[str]:
    """The addresses a recruiter's own mail comes from: their User.email, their mail
    identities, and the logins of their mailboxes that are addresses."""
    addresses = set(MailIdentity.objects.filter(user=user).values_list("address", flat=True))
    addresses.update(
        MailboxConnection.objects.filter(user=user, username__contains="@").values_list(
            "username", flat=True
        )
    )
    if user.email:
        addresses.add(user.email)
    return frozenset(a.strip().lower() for a in addresses if a)


class AddressBook:
    """Normalised email address -> (side, person id), for candidates and hiring managers."""

    def __init__(self):
        self.entries: dict[str, tuple[str, int] | None] = {}  # None: belongs to nobody

    def load(self, addresses) -> None:
        """Look up the given addresses not looked up before (one query)."""
        missing = [a for a in addresses if a not in self.entries]
        if not missing:
            return
        rows = ContactPoint.objects.filter(
            kind=ContactPoint.Kind.EMAIL, value__in=missing
        ).values_list("value", "candidate_id", "hiring_manager_id")
        self.entries.update(dict.fromkeys(missing))
        for v, c, m in rows:
            self.entries[v] = ("candidate", c) if c else ("hiring_manager", m)

    def get(self, address: str) -> tuple[str, int] | None:
        return self.entries.get(address)


@dataclass
class Match:
    direction: str
    # (address, side, person id), in the order the message names them, one per person.
    people: list[tuple[str, str, int]]
    # The other party's address: the sender of inbound mail, the first recipient of outbound.
    counterpart: str


def match(parsed: ParsedMessage, own: frozenset[str], book: AddressBook) -> Match:
    if parsed.from_address and parsed.from_address in own:
        direction = MailMessage.Direction.OUTBOUND
        candidates = [a for a in (*parsed.to, *parsed.cc, *parsed.bcc) if a not in own]
    else:
        direction = MailMessage.Direction.INBOUND
        candidates = [parsed.from_address] if parsed.from_address else []
    people: list[tuple[str, str, int]] = []
    seen = set()
    for address in candidates:
        found = book.get(address)
        if found is not None and found not in seen:
            seen.add(found)
            people.append((address, *found))
    counterpart = candidates[0] if candidates else ""
    return Match(direction, people, counterpart)


# --- threads --------------------------------------------------------------------------------


def thread_root(parsed: ParsedMessage, stored: dict[str, str]) -> str:
    """The first message of the conversation: that of a referenced message already stored,
    else the first of References, else In-Reply-To, else this message."""
    refs = [*parsed.references, parsed.in_reply_to] if parsed.in_reply_to else parsed.references
    for ref in refs:
        root = stored.get(ref)
        if root:
            return root
    if parsed.references:
        return parsed.references[0]
    return parsed.in_reply_to or parsed.key


def stored_roots(refs) -> dict[str, str]:
    """Thread roots of the referenced messages already stored (or sent as activities)."""
    refs = list({r for r in refs if r})
    if not refs:
        return {}
    roots = dict(
        MailMessage.objects.filter(message_id__in=refs).values_list("message_id", "thread_root")
    )
    missing = [r for r in refs if r not in roots]
    if missing:
        for external_id, thread in Activity.objects.filter(
            source=ACTIVITY_SOURCE, external_id__in=missing
        ).values_list("external_id", "thread"):
            roots[external_id] = thread or external_id
    return roots


# --- the ledger's copy -----------------------------------------------------------------------

_QUOTE_START = re.compile(
    r"^(-{2,}\s*Original Message\s*-{2,}|On .{4,200} wrote:|Am .{4,200} schrieb .{1,200}:"
    r"|Le .{4,200} a écrit\s?:|_{10,})\s*$",
    re.IGNORECASE,
)


def ledger_body(text: str) -> str:
    """What the activity keeps of a body: the new text, without the quoted thread below it,
    cut at a word near LEDGER_BODY_MAX characters."""
    kept = []
    for line in text.split("\n"):
        if _QUOTE_START.match(line.strip()):
            break
        if line.startswith(">"):
            continue
        kept.append(line)
    body = "\n".join(kept).strip() or text.strip()
    if len(body) > LEDGER_BODY_MAX:
        cut = body.rfind(" ", LEDGER_BODY_MAX - 200, LEDGER_BODY_MAX)
        body = body[: cut if cut > 0 else LEDGER_BODY_MAX].rstrip() + " …"
    return body


def activity_external_id(key: str, address: str, first: bool) -> str:
    if first:
        return key
    value = f"{key}|{address}"
    if len(value) > KEY_MAX:
        value = "sha256:" + hashlib.sha256(value.encode()).hexdigest()
    return value


def occurred_at(sent_at: datetime | None, now: datetime, notes: list[str]) -> datetime:
    if sent_at is None:
        notes.append("no readable date: recorded at the time of import")
        return now
    if sent_at > now + FUTURE_SLACK:
        notes.append("dated in the future: recorded at the time of import")
        return now
    return sent_at


# --- storing ---------------------------------------------------------------------------------


def message_values(
    parsed: ParsedMessage,
    *,
    mailbox_owner_id: int,
    source: str,
    external_id: str | None,
    found: Match,
    root: str,
    now: datetime,
) -> dict:
    """A MailMessage's column values by attribute name (foreign keys as ids)."""
    first = found.people[0] if found.people else None
    return {
        "message_id": parsed.key,
        "thread_root": root,
        "in_reply_to": parsed.in_reply_to,
        "references": "\n".join(parsed.references),
        "from_address": parsed.from_address,
        "from_name": parsed.from_name,
        "to_addresses": "\n".join(parsed.to),
        "cc_addresses": "\n".join(parsed.cc),
        "subject": parsed.subject,
        "sent_at": parsed.sent_at,
        "body_text": parsed.body_text,
        "is_automated": parsed.is_automated,
        "direction": found.direction,
        "mailbox_owner_id": mailbox_owner_id,
        "candidate_id": first[2] if first and first[1] == "candidate" else None,
        "hiring_manager_id": first[2] if first and first[1] == "hiring_manager" else None,
        "activity_id": None,
        "state": MailMessage.State.MATCHED if first else MailMessage.State.UNMATCHED,
        "source": source[:30],
        "external_id": (external_id or "")[:300],
        "size": parsed.size,
        "parse_notes": clean("\n".join(dict.fromkeys(parsed.notes))),
        "created_at": now,
    }


def activity_values(
    values: dict, people: list[tuple[str, str, int]], at: datetime, now: datetime
) -> list[dict]:
    """The email activities a stored message brings, one per person, as column values;
    what activity_log would write for them (it checks nothing these could break)."""
    body = ledger_body(values["body_text"])
    rows = []
    for i, (address, side, person_id) in enumerate(people):
        candidate = side == "candidate"
        rows.append(
            {
                "kind": Activity.Kind.EMAIL,
                "direction": values["direction"],
                "outcome": "",
                "candidate_id": person_id if candidate else None,
                "hiring_manager_id": None if candidate else person_id,
                "recruiter_id": values["mailbox_owner_id"],
                "occurred_at": at,
                "minutes": Activity.DEFAULT_MINUTES[Activity.Kind.EMAIL],
                "side": Activity.Side.CANDIDATE if candidate else Activity.Side.HIRING_MANAGER,
                "submission_id": None,
                "interview_id": None,
                "subject": values["subject"],
                "body": body,
                "thread": values["thread_root"],
                "automated": values["is_automated"],
                "source": ACTIVITY_SOURCE,
                "external_id": activity_external_id(values["message_id"], address, i == 0),
                "created_at": now,
            }
        )
    return rows


def attachments_build(message: MailMessage, parsed: ParsedMessage) -> list[Attachment]:
    return [
        Attachment(
            message=message,
            name=a.name,
            content_type=a.content_type,
            size=a.size,
            stored=a.content is not None,
            content=a.content,
        )
        for a in parsed.attachments
    ]


def activities_record(
    message: MailMessage, people: list[tuple[str, str, int]], notes: list[str]
) -> list[Activity]:
    """One email activity per person the message is with; the first is linked to it.
    Opening and meeting obligations is activity_log's work."""
    at = occurred_at(message.sent_at, timezone.now(), notes)
    body = ledger_body(message.body_text)
    activities = []
    for i, (address, side, person_id) in enumerate(people):
        person = (Candidate if side == "candidate" else HiringManager)(pk=person_id)
        activities.append(
            activity_log(
                recruiter=message.mailbox_owner,
                kind=Activity.Kind.EMAIL,
                direction=message.direction,
                **{side: person},
                occurred_at=at,
                subject=message.subject,
                body=body,
                source=ACTIVITY_SOURCE,
                external_id=activity_external_id(message.message_id, address, i == 0),
                thread=message.thread_root,
                automated=message.is_automated,
            )
        )
    if activities:
        message.activity = activities[0]
    return activities


def item_name(parsed: ParsedMessage | None, external_id: str | None) -> str:
    if external_id:
        return external_id
    if parsed is None:
        return "(message)"
    return f"<{parsed.message_id}>" if parsed.message_id else parsed.key[:20]


def describe(values: dict, people: list[tuple[str, str, int]]) -> str:
    """What became of a taken message, for the report."""
    direction = values["direction"]
    what = "automated " if values["is_automated"] else ""
    if not people:
        return f"{what}{direction} email, unmatched ({values['subject'][:60]})"
    who = ", ".join(address for address, _, _ in people)
    preposition = "to" if direction == MailMessage.Direction.OUTBOUND else "from"
    return f"{what}{direction} email {preposition} {who}"


def message_ingest(
    *,
    raw: bytes,
    mailbox_owner: User,
    source: str,
    external_id: str | None = None,
    report: ImportReport,
) -> MailMessage | None:
    """Take one raw message. Returns the stored message (new, or the one already stored under
    the same Message-ID), or None when it was refused; the report says which."""
    try:
        parsed = parse_message(raw)
    except MessageRefused as exc:
        report.refuse(item_name(None, external_id), str(exc))
        return None
    item = item_name(parsed, external_id)
    existing = MailMessage.objects.filter(message_id=parsed.key).first()
    if existing is not None:
        report.already(item)
        return existing
    book = AddressBook()
    book.load(parsed.addresses)
    found = match(parsed, owner_addresses(mailbox_owner), book)
    refs = [*parsed.references, parsed.in_reply_to]
    root = thread_root(parsed, stored_roots(refs))
    try:
        with transaction.atomic():
            values = message_values(
                parsed,
                mailbox_owner_id=mailbox_owner.pk,
                source=source,
                external_id=external_id,
                found=found,
                root=root,
                now=timezone.now(),
            )
            message = MailMessage(**values)
            message.mailbox_owner = mailbox_owner
            message.save(force_insert=True)
            Attachment.objects.bulk_create(attachments_build(message, parsed))
            notes: list[str] = []
            if activities_record(message, found.people, notes):
                message.save(update_fields=["activity"])
    except IntegrityError:
        # Stored meanwhile by another process (a sync running beside an import).
        existing = MailMessage.objects.filter(message_id=parsed.key).first()
        if existing is not None:
            report.already(item)
            return existing
        report.refuse(item, "could not be stored")
        return None
    except (ValidationError, DataError) as exc:
        reason = "; ".join(getattr(exc, "messages", None) or [str(exc)])
        report.refuse(item, f"could not be stored: {reason}")
        return None
    count_taken(report, values)
    report.took(item, "; ".join([describe(values, found.people), *notes]))
    return message


def count_taken(report: ImportReport, values: dict) -> None:
    if values["state"] == MailMessage.State.UNMATCHED:
        report.count("unmatched")
    if values["is_automated"]:
        report.count("automated")
