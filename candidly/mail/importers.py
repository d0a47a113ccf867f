"""`candidly import-mail`: .eml files, mbox files and Maildir folders, a whole export at once.

Sources: a path may be a single message (.eml or any file that is not an mbox), an mbox file
(it starts with a "From " line), or a folder, walked for Maildirs (the files in their cur/ and
new/), .eml and .mbox files and mbox files without an extension.

Messages are taken in chunks: the keys of a chunk are read from the raw header blocks and
looked up in one query, so a re-import skips what it has without parsing it; the rest are
parsed, matched against the address book (one query per chunk), threaded, and written in one
transaction per chunk with bulk inserts. Should a chunk's bulk write fail, its messages are
written one by one, each in its own savepoint, so one bad message refuses only itself.

Obligations: a small import brings them up to date activity by activity (upkeep), a large one
(more than REBUILD_FROM input bytes) rebuilds them once at the end.
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.lib.bulk import bulk_insert
from candidly.lib.importreport import ImportReport
from candidly.mail.ingest import (
    ACTIVITY_SOURCE,
    AddressBook,
    activity_values,
    count_taken,
    describe,
    match,
    message_values,
    occurred_at,
    owner_addresses,
    stored_roots,
    thread_root,
)
from candidly.mail.models import Attachment, MailMessage
from candidly.mail.parsing import MessageRefused, ParsedMessage, message_key, parse_message
from candidly.obligations import upkeep
from candidly.obligations.rebuild import obligations_rebuild

CHUNK = 1_000  # messages per transaction
CHUNK_BYTES = 64 * 1024 * 1024  # …or fewer, when they are large
REBUILD_FROM = 20 * 1024 * 1024  # input bytes from which obligations are rebuilt at the end
MESSAGE_MAX_BYTES = 100 * 1024 * 1024

# Files in a folder walk that are never messages (mail clients' indexes and state).
SKIPPED_NAMES = {"maildirfolder", "subscriptions", ".ds_store", "thumbs.db"}
SKIPPED_PREFIXES = ("dovecot", "courierimap", ".")
SKIPPED_SUFFIXES = (".msf", ".index", ".dat", ".json", ".sqlite", ".db")
MESSAGE_SUFFIXES = (".eml", ".msg", ".mbox", ".mbx", ".mbs")


# --- sources ---------------------------------------------------------------------------------


@dataclass
class Item:
    label: str  # for the report: the file, and the message's number in an mbox
    raw: bytes | None  # None when it could not be read; `reason` says why
    size: int  # bytes of input it stands for (the progress bar advances by it)
    reason: str = ""


def _is_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(5) == b"From "
    except OSError:
        return False


def _maildir_parts(path: Path) -> bool:
    return path.name in ("cur", "new") and (path.parent / "cur").is_dir()


def _files(root: Path) -> Iterator[Path]:
    """Message files and mbox files under a folder, in a stable order."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        here = Path(folder)
        dirs[:] = [d for d in dirs if not (d == "tmp" and (here / "cur").is_dir())]
        in_maildir = _maildir_parts(here)
        for name in sorted(files):
            lower = name.lower()
            if lower in SKIPPED_NAMES or lower.startswith(SKIPPED_PREFIXES):
                continue
            path = here / name
            if in_maildir or lower.endswith(MESSAGE_SUFFIXES):
                yield path
            elif not lower.endswith(SKIPPED_SUFFIXES) and _is_mbox(path):
                yield path


def expand(paths: Iterable[str | Path]) -> list[tuple[Path, int] | tuple[str, str]]:
    """Each file to read with its size, or (path, reason) for a path that cannot be read."""
    out: list = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in _files(path):
                try:
                    out.append((file, file.stat().st_size))
                except OSError as exc:
                    out.append((str(file), f"cannot be read ({exc.strerror})"))
        elif path.is_file():
            out.append((path, path.stat().st_size))
        elif path.exists():
            out.append((str(path), "not a file or folder"))
        else:
            out.append((str(path), "no such file or folder"))
    return out


# mboxrd: a line of the message that began "From " was written with ">" before it.
_FROM_QUOTED = re.compile(rb"(?m)^>(>*From )")


def _mbox_items(path: Path, size: int) -> Iterator[Item]:
    if size == 0:
        return
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        start, n = 0, 0
        while start < size:
            nxt = data.find(b"\nFrom ", start)
            end = size if nxt < 0 else nxt + 1
            n += 1
            body_at = data.find(b"\n", start, end)
            label = f"{path}#{n}"
            if body_at < 0:
                yield Item(label, None, end - start, "an empty mbox entry")
            elif end - body_at > MESSAGE_MAX_BYTES:
                yield Item(label, None, end - start, "larger than the 100 MB a message may be")
            else:
                raw = data[body_at + 1 : end]
                if raw.endswith(b"\n\n"):
                    raw = raw[:-1]  # the blank line that separates entries
                if b">From " in raw:
                    raw = _FROM_QUOTED.sub(rb"\1", raw)
                yield Item(label, raw, end - start)
            start = end


def items(paths: Iterable[str | Path]) -> tuple[int, Iterator[Item]]:
    """(total input bytes, the messages in them, one by one)."""
    files = expand(paths)
    total = sum(size for _, size in files if isinstance(size, int))

    def generate() -> Iterator[Item]:
        for path, size in files:
            if isinstance(size, str):
                yield Item(path, None, 0, size)
                continue
            try:
                if _is_mbox(path):
                    yield from _mbox_items(path, size)
                elif size > MESSAGE_MAX_BYTES:
                    yield Item(str(path), None, size, "larger than the 100 MB a message may be")
                else:
                    yield Item(str(path), path.read_bytes(), size)
            except (OSError, ValueError) as exc:
                yield Item(str(path), None, size, f"cannot be read ({exc})")

    return total, generate()


# --- the import ------------------------------------------------------------------------------


@dataclass
class _Pending:
    item: Item
    parsed: ParsedMessage
    values: dict  # the message's columns
    people: list[tuple[str, str, int]]
    activities: list[dict]  # the activities' columns
    notes: list[str]


class MailImport:
    def __init__(
        self,
        *,
        owner: User,
        report: ImportReport,
        source: str = "import",
        rebuild: bool = False,
        chunk: int = CHUNK,
    ):
        self.owner = owner
        self.report = report
        self.source = source
        self.rebuild = rebuild  # obligations rebuilt once at the end, not upkept per activity
        self.chunk = chunk
        self.own = owner_addresses(owner)
        self.book = AddressBook()
        self.roots: dict[str, str] = {}  # key -> thread root, for everything seen this run
        self.added_activities = 0
        self.attachment_max = settings.MAIL_ATTACHMENT_MAX_BYTES

    def run(self, stream: Iterable[Item], advance: Callable[[int], None] | None = None) -> None:
        batch: list[Item] = []
        size = 0
        for item in stream:
            if item.raw is None:
                self.report.refuse(item.label, item.reason)
                if advance:
                    advance(item.size)
                continue
            batch.append(item)
            size += len(item.raw)
            if len(batch) >= self.chunk or size >= CHUNK_BYTES:
                self._chunk(batch)
                if advance:
                    advance(sum(i.size for i in batch))
                batch, size = [], 0
        if batch:
            self._chunk(batch)
            if advance:
                advance(sum(i.size for i in batch))
        if self.rebuild and self.added_activities:
            counts = obligations_rebuild()
            self.report.count("obligations_rebuilt", counts["written"])

    # --- one chunk ---------------------------------------------------------------------------

    def _chunk(self, batch: list[Item]) -> None:
        keyed = [(item, message_key(item.raw)) for item in batch]
        known = set(
            MailMessage.objects.filter(message_id__in={key for _, (key, _) in keyed}).values_list(
                "message_id", flat=True
            )
        )
        fresh: list[tuple[Item, ParsedMessage]] = []
        for item, key in keyed:
            if key[0] in known or key[0] in self.roots:
                self.report.already(item.label)
                continue
            try:
                parsed = parse_message(item.raw, attachment_max_bytes=self.attachment_max, key=key)
            except MessageRefused as exc:
                self.report.refuse(item.label, str(exc))
                continue
            self.roots[parsed.key] = ""  # a second copy later in the run is already present
            fresh.append((item, parsed))
        if not fresh:
            return
        self.book.load({a for _, p in fresh for a in p.addresses})
        refs = {r for _, p in fresh for r in (*p.references, p.in_reply_to)}
        stored = stored_roots(r for r in refs if not self.roots.get(r))
        now = timezone.now()
        pending: list[_Pending] = []
        for item, parsed in fresh:
            found = match(parsed, self.own, self.book)
            root = thread_root(parsed, _Roots(self.roots, stored))
            self.roots[parsed.key] = root
            values = message_values(
                parsed,
                mailbox_owner_id=self.owner.pk,
                source=self.source,
                external_id=None,
                found=found,
                root=root,
                now=now,
            )
            notes: list[str] = []
            activities = []
            if found.people:
                at = occurred_at(parsed.sent_at, now, notes)
                activities = activity_values(values, found.people, at, now)
            pending.append(_Pending(item, parsed, values, found.people, activities, notes))
        try:
            with transaction.atomic():
                self._write(pending)
        except (IntegrityError, DatabaseError, ValidationError):
            # Something in the chunk will not go in: write them one by one.
            self._write_each(pending)
            return
        for p in pending:
            self._took(p)

    def _write(self, pending: list[_Pending]) -> None:
        """Activities, messages and attachments of a chunk, each in one bulk insert; ids are
        read back by their unique keys, so nothing depends on who else is inserting. An
        activity already recorded (by sending, say) is linked, not added again."""
        wanted = [a for p in pending for a in p.activities]
        ids: dict[str, int] = {}
        if wanted:
            ids = self._activity_ids([a["external_id"] for a in wanted])
            new = [a for a in wanted if a["external_id"] not in ids]
            if new:
                _insert(Activity, new)
                ids.update(self._activity_ids([a["external_id"] for a in new]))
                self.added_activities += len(new)
                if not self.rebuild:
                    self._upkeep([ids[a["external_id"]] for a in new])
        for p in pending:
            if p.activities:
                p.values["activity_id"] = ids[p.activities[0]["external_id"]]
        _insert(MailMessage, [p.values for p in pending])
        with_files = [p for p in pending if p.parsed.attachments]
        if with_files:
            message_ids = dict(
                MailMessage.objects.filter(
                    message_id__in=[p.values["message_id"] for p in with_files]
                ).values_list("message_id", "id")
            )
            files = [
                {
                    "message_id": message_ids[p.values["message_id"]],
                    "name": a.name,
                    "content_type": a.content_type,
                    "size": a.size,
                    "stored": a.content is not None,
                    "content": a.content,
                }
                for p in with_files
                for a in p.parsed.attachments
            ]
            _insert(Attachment, files)

    def _activity_ids(self, external_ids: list[str]) -> dict[str, int]:
        return dict(
            Activity.objects.filter(
                source=ACTIVITY_SOURCE, external_id__in=external_ids
            ).values_list("external_id", "id")
        )

    def _upkeep(self, ids: list[int]) -> None:
        """Open and meet obligations for the new activities, in the order they happened."""
        for activity in (
            Activity.objects.filter(pk__in=ids)
            .select_related("recruiter")
            .order_by("occurred_at", "id")
        ):
            upkeep.activity_recorded(activity)

    def _write_each(self, pending: list[_Pending]) -> None:
        for p in pending:
            try:
                with transaction.atomic():
                    if MailMessage.objects.filter(message_id=p.values["message_id"]).exists():
                        self.report.already(p.item.label)
                        continue
                    p.values["activity_id"] = None
                    self._write([p])
            except (IntegrityError, DatabaseError, ValidationError) as exc:
                reason = "; ".join(getattr(exc, "messages", None) or [str(exc)])
                self.report.refuse(p.item.label, f"could not be stored: {reason[:200]}")
                continue
            self._took(p)

    def _took(self, p: _Pending) -> None:
        count_taken(self.report, p.values)
        self.report.took(p.item.label, "; ".join([describe(p.values, p.people), *p.notes]))


def _insert(model, values: list[dict]) -> None:
    """Rows given as column values by attribute name ("candidate_id"); columns not given
    take their database defaults. bulk_insert works on the driver's cursor: its errors are
    turned into Django's here."""
    columns = tuple(values[0])
    with connection.wrap_database_errors:
        bulk_insert(model, columns, _rows(values, columns))


def _rows(values: list[dict], columns: tuple[str, ...]) -> list[tuple]:
    """Column values by attribute name as bulk_insert rows (datetimes naive UTC)."""
    rows = []
    for v in values:
        row = [v[c] for c in columns]
        for i, value in enumerate(row):
            if isinstance(value, datetime):
                row[i] = value.astimezone(UTC).replace(tzinfo=None)
        rows.append(tuple(row))
    return rows


class _Roots:
    """Thread roots known from this run first, then from the database."""

    def __init__(self, run: dict[str, str], stored: dict[str, str]):
        self.run, self.stored = run, stored

    def get(self, key: str) -> str | None:
        return self.run.get(key) or self.stored.get(key)


def mail_import(
    *,
    paths: Iterable[str | Path],
    owner: User,
    report: ImportReport,
    progress: Callable[[int, int], Callable[[int], None]] | None = None,
    rebuild: bool | None = None,
) -> ImportReport:
    """Import every message under `paths` into `owner`'s mail. `progress(total_bytes)` may
    return a callback advanced by the bytes each step took."""
    total, stream = items(paths)
    if rebuild is None:
        rebuild = total >= REBUILD_FROM
    advance = progress(total) if progress else None
    MailImport(owner=owner, report=report, rebuild=rebuild).run(stream, advance)
    return report
