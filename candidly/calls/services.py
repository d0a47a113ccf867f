"""Every write of the calls app: recruiters' lines, call logs in, and live call events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.calls.columns import Reader, Refused, columns_of
from candidly.calls.importer import SOURCE_WEBHOOK, CallImport, Directory, record_one
from candidly.calls.models import RecruiterLine, WebhookDelivery
from candidly.lib.importreport import ImportReport
from candidly.lib.timeutil import zone_or_none
from candidly.people.contacts import format_phone, normalize_phone
from candidly.people.models import ContactPoint


@transaction.atomic
def recruiter_line_add(*, user: User, number: str, label: str = "") -> RecruiterLine:
    """Make `number` one of `user`'s lines: calls on it are theirs."""
    value = normalize_phone(number)
    taken = RecruiterLine.objects.filter(number=value).select_related("user").first()
    if taken is not None:
        whose = "yours" if taken.user_id == user.pk else f"{taken.user}'s line"
        raise ValidationError({"number": f"{format_phone(value)} is already {whose}."})
    point = ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, value=value).first()
    if point is not None:
        raise ValidationError(
            {"number": f"{format_phone(value)} is the number of {point.person.full_name}."}
        )
    line = RecruiterLine(user=user, number=value, label=label.strip())
    line.full_clean(validate_constraints=False)
    line.save()
    return line


@transaction.atomic
def recruiter_line_remove(*, line: RecruiterLine) -> None:
    line.delete()


def calls_import(
    *,
    stream: BinaryIO,
    name: str = "file",
    recruiter: User | None = None,
    time_zone: str = "",
    region: str = "",
    date_format: str = "",
    encoding: str = "utf-8",
    mapping: dict[str, str] | None = None,
    bulk: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[ImportReport, CallImport]:
    """Import a call log (see candidly/calls/columns.py for its columns). Each row is its own
    transaction on the one-row path, each chunk on the bulk path: a refused row changes
    nothing and stops nothing. Returns the report and the import (why the whole file was
    refused, if it was; the rebuild's counts on the bulk path)."""
    if time_zone and zone_or_none(time_zone) is None:
        raise ValidationError({"time_zone": f"“{time_zone}” is not a time zone."})
    importer = CallImport(
        recruiter=recruiter, time_zone=time_zone, region=region, date_format=date_format,
        encoding=encoding, mapping=mapping, bulk=bulk, progress=progress,
    )  # fmt: skip
    return importer.run(stream, name=name), importer


@dataclass
class EventResult:
    status: str  # "recorded", "already recorded", "unmatched" or "refused"
    reason: str = ""
    activity: Activity | None = None


def call_event_record(*, values: dict, item: str = "event") -> EventResult:
    """One call reported live (the webhook), with the fields of a call-log row."""
    if not isinstance(values, dict):
        return EventResult("refused", "the body must be a JSON object")
    strings: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return EventResult("refused", f"“{str(key)[:40]}” must be a string or a number")
        strings[str(key)] = str(value)
    keys = list(strings)
    try:
        columns = columns_of(keys)
    except Refused as exc:
        return EventResult("refused", str(exc))
    fields = {field: strings[keys[i]] for field, i in columns.items()}
    reader = Reader(
        zone=ZoneInfo(settings.TIME_ZONE), region=settings.PHONE_DEFAULT_REGION, now=timezone.now()
    )
    try:
        event = reader.event(item, fields)
    except Refused as exc:
        return EventResult("refused", str(exc))
    report = ImportReport()
    activity = record_one(
        event, directory=Directory(), recruiter_id=None, source=SOURCE_WEBHOOK, report=report
    )
    if report.imported:
        return EventResult("recorded", activity=activity)
    if report.duplicates:
        return EventResult("already recorded", activity=activity)
    reason = report.refused[0].note
    return EventResult("unmatched" if report.counts.get("unmatched") else "refused", reason)


# Deliveries older than this are refused by their timestamp alone (the replay window is
# five minutes either way), so their signatures need not be kept longer.
DELIVERIES_KEPT = timedelta(minutes=15)


def webhook_delivery_claim(*, signature: str) -> WebhookDelivery | None:
    """Claim a signed delivery before acting on it; None when it was claimed before."""
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(received_at__lt=now - DELIVERIES_KEPT).delete()
    try:
        with transaction.atomic():
            return WebhookDelivery.objects.create(
                signature=signature, received_at=now, result="processing"
            )
    except IntegrityError:
        return None


@transaction.atomic
def webhook_delivery_settle(*, delivery: WebhookDelivery, result: EventResult) -> None:
    """Remember what a delivery did; a refused one is forgotten, so that sending it again
    is refused again for the same reason rather than reported as recorded."""
    if result.status == "refused":
        delivery.delete()
        return
    delivery.result = result.status
    delivery.activity = result.activity
    delivery.save(update_fields=["result", "activity"])
