"""Call logs in: each call matched to a candidate or hiring manager and to a recruiter, and
recorded as an activity.

Two paths take the same rows to the same activities and obligations:

- one row at a time, through `activity_log` (which opens and meets obligations as it goes):
  small files, the upload page and the webhook;
- in bulk, for large files: rows parsed and matched in Python against numbers read once,
  rows already present skipped by one lookup per chunk, the rest written with `bulk_insert`
  (each chunk in its own transaction), then every obligation derived again once with
  `obligations_rebuild()`, the documented step after bulk work.

Who the call is with: the number on the person's side (the caller of an inbound call, the
number called on an outbound one) must belong to a candidate or hiring manager; otherwise
the row is refused and counted as unmatched. Who the recruiter is: the one named for the whole
file (`--recruiter`), else the row's recruiter column, else the owner of the number on the
recruiter's side (a RecruiterLine), else the candidate's own recruiter.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.calls.columns import (
    ANSWERED,
    MISSED,
    VOICEMAIL,
    CallEvent,
    Reader,
    Refused,
    columns_of,
    minutes_of,
)
from candidly.calls.models import RecruiterLine
from candidly.lib.bulk import bulk_insert, bulk_session, refresh_statistics
from candidly.lib.importreport import ImportReport
from candidly.obligations import rules
from candidly.obligations.rebuild import obligations_rebuild
from candidly.people.models import Candidate, ContactPoint
from candidly.people.selectors import person_by_contact

SOURCE_CSV = "calls-csv"
SOURCE_WEBHOOK = "calls-webhook"
# A call that came in live and again in the day's export is the same call.
SOURCES = (SOURCE_CSV, SOURCE_WEBHOOK)

BULK_THRESHOLD = 20_000  # rows: larger files take the bulk path unless told otherwise
CHUNK = 10_000  # rows per transaction on the bulk path
LOOKUP = 2_000  # external ids per lookup query
HEADER_SEARCH = 20  # lines in which to look for the header (some exports start with notes)

COLUMNS = (
    "kind", "direction", "outcome", "candidate", "hiring_manager", "recruiter", "occurred_at",
    "minutes", "side", "subject", "body", "thread", "automated", "source", "external_id",
    "created_at",
)  # fmt: skip

A = Activity.Kind


class Unmatched(Refused):
    """A call with nobody Candidly knows on the person's side."""


@dataclass(slots=True)
class Person:
    candidate_id: int | None
    manager_id: int | None
    owner_id: int | None  # the candidate's recruiter
    instance: object = None  # the model instance, on the one-row path


@dataclass(slots=True)
class Call:
    """A call matched to its person and recruiter: what its activity will hold."""

    event: CallEvent
    external_id: str
    direction: str
    kind: str
    outcome: str
    person: Person
    recruiter_id: int
    minutes: int

    @property
    def opens(self) -> bool:
        return (
            rules.opened_by_activity(
                kind=self.kind,
                direction=self.direction,
                outcome=self.outcome,
                candidate_id=self.person.candidate_id,
                automated=False,
            )
            is not None
        )


def kind_and_outcome(direction: str, disposition: str) -> tuple[str, str]:
    """An inbound voicemail is a voicemail; everything else is a call with its outcome."""
    if direction == "inbound" and disposition == VOICEMAIL:
        return A.VOICEMAIL, ""
    return A.CALL, {
        ANSWERED: Activity.Outcome.CONNECTED,
        MISSED: Activity.Outcome.NO_ANSWER,
        VOICEMAIL: Activity.Outcome.VOICEMAIL_LEFT,
    }[disposition]


class Directory:
    """Whose numbers and names these are. `preload` reads every phone number once (the bulk
    path); otherwise each number is looked up when asked (`person_by_contact`)."""

    def __init__(self, *, preload: bool = False):
        self.preload = preload
        self.lines = dict(RecruiterLine.objects.values_list("number", "user_id"))
        self.people: dict[str, Person] = {}
        if preload:
            for value, candidate, manager, owner in ContactPoint.objects.filter(
                kind=ContactPoint.Kind.PHONE
            ).values_list("value", "candidate_id", "hiring_manager_id", "candidate__owner_id"):
                self.people[value] = Person(candidate, manager, owner)
        self._names: dict[str, int | None] = {}
        self._users: dict[int, User] = {}

    def person(self, number: str) -> Person | None:
        if self.preload:
            return self.people.get(number)
        found = self.people.get(number)
        if found is None and number not in self.people:
            instance = person_by_contact(ContactPoint.Kind.PHONE, number)
            if instance is None:
                found = None
            elif isinstance(instance, Candidate):
                found = Person(instance.pk, None, instance.owner_id, instance)
            else:
                found = Person(None, instance.pk, None, instance)
            self.people[number] = found
        return found

    def user_named(self, name: str) -> int | None:
        key = name.strip().lower()
        if key not in self._names:
            field = "email" if "@" in key else "username"
            self._names[key] = (
                User.objects.annotate(key=Lower(field))
                .filter(key=key)
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
        return self._names[key]

    def user(self, pk: int) -> User:
        if pk not in self._users:
            self._users[pk] = User.objects.get(pk=pk)
        return self._users[pk]


def decide_direction(event: CallEvent, directory: Directory) -> str:
    """The row's direction, or the side that is a recruiter's line (or else the side that
    is a known person) when the row gives none."""
    if event.direction:
        return event.direction
    line_from, line_to = event.caller in directory.lines, event.called in directory.lines
    if line_to != line_from:
        return "inbound" if line_to else "outbound"
    person_from = directory.person(event.caller) is not None
    person_to = directory.person(event.called) is not None
    if person_from != person_to:
        return "inbound" if person_from else "outbound"
    raise Refused("no direction, and the numbers do not tell which side is the recruiter")


def match(
    event: CallEvent,
    direction: str,
    external_id: str,
    directory: Directory,
    recruiter_id: int | None,
) -> Call:
    """The person and recruiter of a call, or Refused/Unmatched."""
    theirs, ours = (
        (event.caller, event.called) if direction == "inbound" else (event.called, event.caller)
    )
    person = directory.person(theirs)
    if person is None:
        raise Unmatched(f"no candidate or hiring manager with {theirs}")
    if recruiter_id is None and event.recruiter:
        recruiter_id = directory.user_named(event.recruiter)
        if recruiter_id is None:
            raise Refused(f"no user “{event.recruiter[:60]}”")
    if recruiter_id is None:
        recruiter_id = directory.lines.get(ours) or person.owner_id
    if recruiter_id is None:
        raise Refused(
            f"no recruiter: {ours} is nobody's line (add it on the Calls page, or name the "
            "recruiter for the file)"
        )
    kind, outcome = kind_and_outcome(direction, event.disposition)
    return Call(
        event, external_id, direction, kind, outcome, person, recruiter_id,
        minutes_of(event.seconds),
    )  # fmt: skip


def describe(call: Call) -> str:
    name = getattr(call.person.instance, "full_name", "")
    what = {A.VOICEMAIL: "voicemail", A.CALL: "call"}[call.kind]
    result = {"connected": "answered", "no_answer": "missed", "voicemail_left": "voicemail left"}
    text = f"{call.direction} {what}"
    if name:
        text += f" {'from' if call.direction == 'inbound' else 'to'} {name}"
    if call.outcome:
        text += f", {result[call.outcome]}"
    if call.opens:
        text += " (callback owed)"
    return text


def record_one(
    event: CallEvent,
    *,
    directory: Directory,
    recruiter_id: int | None,
    source: str,
    report: ImportReport,
) -> Activity | None:
    """One call through `activity_log`, reported: taken, already present or refused."""
    try:
        direction = decide_direction(event, directory)
        external_id = event.external_id(direction)
        existing = (
            Activity.objects.filter(source__in=SOURCES, external_id=external_id)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            report.already(event.item)
            return existing
        call = match(event, direction, external_id, directory, recruiter_id)
        person = call.person.instance
        activity = activity_log(
            recruiter=directory.user(call.recruiter_id),
            kind=call.kind,
            direction=call.direction,
            outcome=call.outcome,
            candidate=person if call.person.candidate_id else None,
            hiring_manager=person if call.person.manager_id else None,
            occurred_at=event.start,
            minutes=call.minutes,
            source=source,
            external_id=external_id,
        )
    except Unmatched as exc:
        report.refuse(event.item, str(exc))
        report.count("unmatched")
        return None
    except Refused as exc:
        report.refuse(event.item, str(exc))
        return None
    except ValidationError as exc:
        report.refuse(event.item, "; ".join(exc.messages))
        return None
    except DatabaseError as exc:
        report.refuse(event.item, f"could not be stored ({exc.__class__.__name__})")
        return None
    report.took(event.item, describe(call))
    if call.opens:
        report.count("callbacks_opened")
    return activity


# --- reading the file -------------------------------------------------------------------------


class FileRefused(Exception):
    """The whole file cannot be read (no usable header)."""


def _text(stream: BinaryIO, encoding: str) -> io.TextIOWrapper:
    head = stream.read(4)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    return io.TextIOWrapper(stream, encoding=encoding, errors="surrogateescape", newline="")


def _delimiters(line: str) -> list[str]:
    """The separators a header line may use, the likeliest first."""
    counts = {d: line.count(d) for d in (",", ";", "\t", "|")}
    return sorted((d for d in counts if counts[d]), key=lambda d: -counts[d]) or [","]


def _bad_text(cells: list[str]) -> bool:
    try:
        "".join(cells).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def read_rows(
    stream: BinaryIO, *, encoding: str = "utf-8", mapping: dict[str, str] | None = None
) -> Iterator[tuple[str, dict[str, str] | Refused]]:
    """(item, values by our field name) for each row, or (item, Refused) for a row that
    cannot be read. Raises FileRefused when no header is found."""
    try:
        text = _text(stream, encoding)
        head = list(itertools.islice(text, HEADER_SEARCH))
    except (LookupError, UnicodeError) as exc:
        raise FileRefused(f"cannot be read as text ({exc})") from None
    found, problem = None, None
    for index, raw in enumerate(head):
        if not raw.strip():
            continue
        for n, delimiter in enumerate(_delimiters(raw)):
            try:
                columns = columns_of(next(csv.reader([raw], delimiter=delimiter)), mapping)
            except csv.Error:
                continue
            except Refused as exc:
                if n == 0:
                    problem = problem or str(exc)
                continue
            found = index, delimiter
            break
        if found:
            break
    if found is None:
        raise FileRefused(problem or "is empty")
    index, delimiter = found
    reader = csv.reader(itertools.chain(head[index + 1 :], text), delimiter=delimiter)
    line = 0
    fields = list(columns.items())
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            yield f"line {start + index + 1}", Refused(f"not a readable CSV line ({exc})")
            continue
        except (LookupError, UnicodeError) as exc:
            yield f"line {start + index + 1}", Refused(f"the rest cannot be read as text ({exc})")
            return
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        item = f"line {start + index + 1}"  # counting the lines above the header
        if _bad_text(row):
            yield (
                item,
                Refused(f"not {encoding} text (save the file as UTF-8, or give its encoding)"),
            )
            continue
        width = len(row)
        yield item, {field: row[i] if i < width else "" for field, i in fields}


def count_rows(stream: BinaryIO) -> int:
    """Lines in the file (a fast upper bound of its rows), read in blocks."""
    lines = 0
    while block := stream.read(1 << 20):
        lines += block.count(b"\n")
    stream.seek(0)
    return lines


# --- the import -------------------------------------------------------------------------------


class CallImport:
    """One call log in. `bulk`: True or False to choose the path, None to choose by size."""

    def __init__(
        self,
        *,
        recruiter: User | None = None,
        time_zone: str = "",
        region: str = "",
        date_format: str = "",
        encoding: str = "utf-8",
        mapping: dict[str, str] | None = None,
        bulk: bool | None = None,
        source: str = SOURCE_CSV,
        progress: Callable[[int], None] | None = None,
        now: datetime | None = None,
    ):
        self.recruiter_id = recruiter.pk if recruiter else None
        self.zone = ZoneInfo(time_zone or settings.TIME_ZONE)
        self.reader = Reader(
            zone=self.zone,
            region=region or settings.PHONE_DEFAULT_REGION,
            date_format=date_format,
            now=now or timezone.now(),
        )
        self.encoding = encoding
        self.mapping = mapping
        self.bulk = bulk
        self.source = source
        self.progress = progress or (lambda n: None)
        self.rebuilt: dict[str, int] | None = None
        self.failed = ""  # why the whole file was refused, if it was

    def run(self, stream: BinaryIO, *, name: str = "file") -> ImportReport:
        bulk = self.bulk
        if bulk is None:
            bulk = count_rows(stream) > BULK_THRESHOLD
        report = ImportReport(keep_lines=not bulk)
        report.count("unmatched", 0)
        report.count("callbacks_opened", 0)
        rows = read_rows(stream, encoding=self.encoding, mapping=self.mapping)
        try:
            if bulk:
                self._bulk(rows, report)
            else:
                self._one_by_one(rows, report)
        except FileRefused as exc:
            self.failed = f"{name} {exc}"
            report.refuse(name, str(exc))
        return report

    def _events(self, rows) -> Iterator[CallEvent | tuple[str, Refused]]:
        for item, values in rows:
            if isinstance(values, Refused):
                yield item, values
                continue
            try:
                yield self.reader.event(item, values)
            except Refused as exc:
                yield item, exc

    def _one_by_one(self, rows, report: ImportReport) -> None:
        directory = Directory()
        done = 0
        for event in self._events(rows):
            if isinstance(event, tuple):
                report.refuse(event[0], str(event[1]))
            else:
                record_one(
                    event, directory=directory, recruiter_id=self.recruiter_id,
                    source=self.source, report=report,
                )  # fmt: skip
            done += 1
            if done % 1000 == 0:
                self.progress(1000)
        self.progress(done % 1000)

    def _bulk(self, rows, report: ImportReport) -> None:
        directory = Directory(preload=True)
        taken = 0
        with bulk_session():
            for chunk in _batched(self._events(rows), CHUNK):
                part = ImportReport(keep_lines=False)
                taken += self._bulk_chunk(chunk, directory, part)
                report.merge(part)
                self.progress(len(chunk))
        if taken:
            self.rebuilt = obligations_rebuild()
            refresh_statistics(Activity)

    def _bulk_chunk(self, chunk, directory: Directory, part: ImportReport) -> int:
        """Returns how many activities the chunk added. Calls already recorded by earlier
        chunks are found by the lookup; `seen` catches the same call twice in the chunk."""
        seen: set[str] = set()
        decided: list[tuple[CallEvent, str, str] | tuple[str, Refused]] = []
        for event in chunk:
            if isinstance(event, tuple):
                decided.append(event)
                continue
            try:
                direction = decide_direction(event, directory)
            except Refused as exc:
                decided.append((event.item, exc))
                continue
            decided.append((event, direction, event.external_id(direction)))
        existing = _existing([d[2] for d in decided if len(d) == 3])
        now = _naive(timezone.now())
        rows, calls = [], []
        for entry in decided:
            if len(entry) == 2:
                part.refuse(entry[0], str(entry[1]))
                continue
            event, direction, external_id = entry
            if external_id in existing or external_id in seen:
                part.already(event.item)
                continue
            try:
                call = match(event, direction, external_id, directory, self.recruiter_id)
            except Unmatched as exc:
                part.refuse(event.item, str(exc))
                part.count("unmatched")
                continue
            except Refused as exc:
                part.refuse(event.item, str(exc))
                continue
            seen.add(external_id)
            calls.append(call)
            side = "candidate" if call.person.candidate_id else "hiring_manager"
            rows.append((
                call.kind, call.direction, call.outcome, call.person.candidate_id,
                call.person.manager_id, call.recruiter_id, _naive(event.start), call.minutes,
                side, "", "", "", False, self.source, external_id, now,
            ))  # fmt: skip
        try:
            with transaction.atomic():
                bulk_insert(Activity, COLUMNS, rows)
        except (IntegrityError, connection.Database.IntegrityError):
            # bulk_insert speaks to the driver itself, whose errors Django does not wrap.
            # Another writer recorded some of these calls meanwhile: take them one by one.
            one, before = Directory(), part.imported
            for call in calls:
                record_one(
                    call.event, directory=one, recruiter_id=self.recruiter_id,
                    source=self.source, report=part,
                )  # fmt: skip
            return part.imported - before
        for call in calls:
            part.took(call.event.item)
            if call.opens:
                part.count("callbacks_opened")
        return len(rows)


def _existing(external_ids: list[str]) -> set[str]:
    """Which of these calls are recorded already (from either source). Plain SQL: building
    the same query through the ORM took longer than running it."""
    found: set[str] = set()
    table = connection.ops.quote_name(Activity._meta.db_table)
    with connection.cursor() as cursor:
        for i in range(0, len(external_ids), LOOKUP):
            part = external_ids[i : i + LOOKUP]
            cursor.execute(
                f"SELECT external_id FROM {table} WHERE source IN (%s, %s) "
                f"AND external_id IN ({', '.join(['%s'] * len(part))})",
                [*SOURCES, *part],
            )
            found.update(row[0] for row in cursor.fetchall())
    return found


def _batched(items, size: int):
    items = iter(items)
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
