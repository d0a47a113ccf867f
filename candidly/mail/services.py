"""What a recruiter does with mail that matched nobody: attach it to a person, create a
candidate from it, or set it aside. Each is one transaction; recording the activity goes
through activity_log, so the reply obligation opens or is met as for any other email."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from candidly.accounts.models import User
from candidly.mail.ingest import AddressBook, activities_record, match, owner_addresses
from candidly.mail.models import MailMessage
from candidly.mail.parsing import ParsedMessage
from candidly.people.models import Candidate, ContactPoint, HiringManager
from candidly.people.services import candidate_create, contact_points_add

Person = Candidate | HiringManager


def counterpart_address(message: MailMessage) -> str:
    """The other party: who sent inbound mail, the first recipient of outbound mail."""
    if message.direction == MailMessage.Direction.INBOUND:
        return message.from_address
    return next(iter(message.to_list + message.cc_list), "")


def _side(person: Person) -> str:
    return "candidate" if isinstance(person, Candidate) else "hiring_manager"


def _lock(message: MailMessage) -> MailMessage:
    return (
        MailMessage.objects.select_for_update().select_related("mailbox_owner").get(pk=message.pk)
    )


def _record(message: MailMessage, people: list[tuple[str, str, int]]) -> None:
    activities_record(message, people, [])
    _, side, person_id = people[0]
    message.candidate_id = person_id if side == "candidate" else None
    message.hiring_manager_id = person_id if side == "hiring_manager" else None
    message.state = MailMessage.State.MATCHED
    message.save(update_fields=["candidate", "hiring_manager", "activity", "state"])


@transaction.atomic
def message_attach(
    *, message: MailMessage, person: Person, by: User, remember_address: bool = True
) -> MailMessage:
    """Record an unmatched message as an email with `person`. With `remember_address`, the
    message's address becomes one of theirs (when nobody has it), and any other waiting mail
    from or to it is recorded too."""
    message = _lock(message)
    if message.state == MailMessage.State.MATCHED:
        raise ValidationError(f"This message is already recorded with {message.person}.")
    address = counterpart_address(message)
    _record(message, [(address, _side(person), person.pk)])
    if remember_address and address:
        if not ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, value=address).exists():
            contact_points_add(person=person, emails=[address])
            unmatched_rematch(owner=message.mailbox_owner, address=address)
    return message


def split_name(display: str, address: str) -> tuple[str, str]:
    """First and last name from a display name ("Jordan Ellis", "Ellis, Jordan"), or from the
    address's local part (jordan.ellis@…) when there is none."""
    display = " ".join(display.replace('"', " ").split())
    if not display or "@" in display:
        local = address.partition("@")[0]
        display = " ".join(w.capitalize() for w in re.split(r"[._\-+]+", local) if w)
    if "," in display:
        last, _, first = display.partition(",")
        return first.strip()[:100], last.strip()[:100]
    first, _, last = display.rpartition(" ") if " " in display else (display, "", "")
    return first.strip()[:100] or last.strip()[:100], last.strip()[:100] if first else ""


@transaction.atomic
def message_create_candidate(*, message: MailMessage, by: User) -> Candidate:
    """One click: a candidate with the sender's name and address (the recipient's, for mail
    the recruiter sent), owned by the recruiter; the message becomes their activity."""
    message = _lock(message)
    if message.state == MailMessage.State.MATCHED:
        raise ValidationError(f"This message is already recorded with {message.person}.")
    address = counterpart_address(message)
    if not address:
        raise ValidationError("This message names no address to create a candidate from.")
    display = message.from_name if address == message.from_address else ""
    first, last = split_name(display, address)
    candidate = candidate_create(
        first_name=first or address, last_name=last, owner=by, emails=[address], source="Email"
    )
    _record(message, [(address, "candidate", candidate.pk)])
    unmatched_rematch(owner=message.mailbox_owner, address=address)
    return candidate


@transaction.atomic
def message_dismiss(*, message: MailMessage, by: User) -> MailMessage:
    """Set aside a message that concerns nobody; it leaves the unmatched list."""
    message = _lock(message)
    if message.state == MailMessage.State.MATCHED:
        raise ValidationError(f"This message is already recorded with {message.person}.")
    message.state = MailMessage.State.DISMISSED
    message.save(update_fields=["state"])
    return message


def _as_parsed(message: MailMessage) -> ParsedMessage:
    return ParsedMessage(
        key=message.message_id,
        message_id=message.message_id,
        from_address=message.from_address,
        to=message.to_list,
        cc=message.cc_list,
    )


@transaction.atomic
def unmatched_rematch(*, owner: User, address: str = "") -> int:
    """Match again the owner's waiting messages (those naming `address`, or all), now that
    contact points may have changed; returns how many were recorded."""
    waiting = MailMessage.objects.select_for_update().filter(
        mailbox_owner=owner, state=MailMessage.State.UNMATCHED
    )
    if address:
        # Substrings of other addresses come along; matching sorts them out.
        waiting = waiting.filter(Q(from_address=address) | Q(to_addresses__contains=address))
    own = owner_addresses(owner)
    book = AddressBook()
    recorded = 0
    for message in waiting.select_related("mailbox_owner").order_by("sent_at", "id"):
        parsed = _as_parsed(message)
        book.load(parsed.addresses)
        found = match(parsed, own, book)
        if found.people:
            _record(message, found.people)
            recorded += 1
    return recorded
