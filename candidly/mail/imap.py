"""Reading a recruiter's mailbox over IMAP, incrementally.

A connection remembers the folder's UIDVALIDITY and the highest UID it has taken. A sync
asks the server only for messages above that UID, fetches them in batches (bounded by count
and bytes), hands each to `message_ingest`, and records the new highest UID after every
batch in its own transaction. So:

- a dropped connection loses at most the batch in flight: the next session starts after the
  last recorded UID, and whatever of that batch was already stored is recognised by its
  Message-ID (reported as already present) — nothing is stored twice;
- when the server reports a different UIDVALIDITY (the folder was recreated or rebuilt, its
  UIDs mean nothing any more), the folder is read again from the start and every message is
  matched again by Message-ID: the ones already stored are reported as already present,
  the rest are taken.

Two syncs of the same connection never run at once: each claims the connection with a
conditional UPDATE and a lease that every batch renews.

The mailbox is opened read-only (EXAMINE) and bodies are fetched with BODY.PEEK: reading
never changes the recruiter's mail, not even its \\Seen flags.
"""

from __future__ import annotations

import base64
import imaplib
import re
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from candidly.lib.importreport import ImportReport
from candidly.mail.connections import PasswordUnreadable, hide, password_decrypt
from candidly.mail.ingest import message_ingest
from candidly.mail.models import MailboxConnection

BATCH_SIZE = 100  # messages per FETCH
BATCH_BYTES = 16 * 1024 * 1024  # and at most this much mail per FETCH
LEASE = timedelta(minutes=10)  # how long a claim lasts without a batch renewing it

Progress = Callable[[int, int], None]  # (messages done, messages found) after each batch


class MailboxError(Exception):
    """The mailbox could not be read; the message says why in words a recruiter can act on,
    and never contains the password."""


class ConnectionDropped(MailboxError):
    """The server went away in the middle of a session."""


# Any of these means the network or the server failed us mid-conversation.
_DROPS = (imaplib.IMAP4.abort, OSError, EOFError)


# --- talking to the server ------------------------------------------------------------------


def folder_name(name: str) -> str:
    """A folder name as IMAP wants it on the wire: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out, pending = [], []

    def flush():
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return _quoted("".join(out))


def tls_context() -> ssl.SSLContext:
    """Certificates are always checked; MAIL_IMAP_CA_FILE adds a CA to trust (a company's
    own, or a test server's)."""
    return ssl.create_default_context(cafile=settings.MAIL_IMAP_CA_FILE or None)


def _words(exc: BaseException) -> str:
    """An exception as one readable line; imaplib hands over bytes reprs."""
    text = str(exc) or type(exc).__name__
    text = re.sub(r"b'(.*?)'", r"\1", text)
    return " ".join(text.split())[:300]


@sensitive_variables("password")
def mailbox_open(connection: MailboxConnection) -> imaplib.IMAP4:
    """A logged-in IMAP session for `connection`: over TLS (implicit, or STARTTLS), the
    certificate checked; plain only where MAIL_IMAP_ALLOW_PLAIN allows it."""
    if not connection.use_tls and not settings.MAIL_IMAP_ALLOW_PLAIN:
        raise MailboxError(
            "This connection is set to send its password unencrypted; turn TLS on "
            "(plain connections are allowed only where MAIL_IMAP_ALLOW_PLAIN is set)."
        )
    try:
        password = password_decrypt(connection.password_encrypted)
    except PasswordUnreadable as exc:
        raise MailboxError(str(exc)) from None
    where = f"{connection.host}:{connection.port}"
    untrusted = f"{where}: the server's certificate is not trusted"
    timeout = settings.MAIL_IMAP_TIMEOUT
    try:
        if connection.use_tls and not connection.starttls:
            imap = imaplib.IMAP4_SSL(
                connection.host, connection.port, ssl_context=tls_context(), timeout=timeout
            )
        else:
            imap = imaplib.IMAP4(connection.host, connection.port, timeout=timeout)
    except ssl.SSLCertVerificationError as exc:
        raise MailboxError(f"{untrusted} ({exc.verify_message}).") from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"Could not connect to {where}: {_words(exc)}.") from None
    try:
        if connection.starttls:
            try:
                imap.starttls(tls_context())
            except ssl.SSLCertVerificationError as exc:
                raise MailboxError(f"{untrusted} ({exc.verify_message}).") from None
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                raise MailboxError(f"{where} does not offer STARTTLS: {_words(exc)}.") from None
        try:
            _log_in(imap, connection.username, password)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            reason = hide(_words(exc), password)
            raise MailboxError(
                f"The server refused the user name or password ({reason})."
            ) from None
        except UnicodeEncodeError:
            raise MailboxError(
                "The user name or password has characters this server cannot take "
                "(it offers no AUTH=PLAIN); use an app password."
            ) from None
    except BaseException as exc:
        _close(imap)
        if isinstance(exc, _DROPS):
            raise MailboxError(f"The connection to {where} was lost: {_words(exc)}.") from None
        raise
    return imap


@sensitive_variables("password")
def _log_in(imap: imaplib.IMAP4, username: str, password: str) -> None:
    """SASL PLAIN where offered (any characters, sent as UTF-8), else LOGIN (ASCII only,
    both quoted so that no character can end the command early)."""
    if "AUTH=PLAIN" in imap.capabilities:
        credentials = b"\0" + username.encode() + b"\0" + password.encode()
        imap.authenticate("PLAIN", lambda challenge: credentials)
    else:
        imap.login(_quoted(username), password)  # imaplib quotes the password itself


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _close(imap: imaplib.IMAP4) -> None:
    try:
        if imap.state in ("AUTH", "SELECTED"):
            imap.logout()  # which closes the socket
            return
    except (*_DROPS, imaplib.IMAP4.error):
        pass
    with suppress(OSError):
        imap.shutdown()


@contextmanager
def mailbox_session(connection: MailboxConnection) -> Iterator[imaplib.IMAP4]:
    """`mailbox_open`, closed at the end; a connection lost on the way is ConnectionDropped."""
    imap = mailbox_open(connection)
    try:
        yield imap
    except _DROPS as exc:
        where = f"{connection.host}:{connection.port}"
        raise ConnectionDropped(f"The connection to {where} was lost: {_words(exc)}.") from None
    finally:
        _close(imap)


def _ok(typ: str, data, what: str) -> list:
    if typ != "OK":
        raise MailboxError(f"{what}: {_words(Exception(data[0] if data else typ))}.")
    return data


_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


def examine(imap: imaplib.IMAP4, folder: str) -> int:
    """Open `folder` read-only; its UIDVALIDITY."""
    typ, data = imap.select(folder_name(folder), readonly=True)
    if typ != "OK":
        raise MailboxError(
            f"The folder “{folder}” could not be opened: {_words(Exception(data[0]))}."
        )
    _, values = imap.response("UIDVALIDITY")
    if not values or values[0] is None:
        raise MailboxError(f"The server gave no UIDVALIDITY for “{folder}”.")
    return int(values[0])


def new_messages(imap: imaplib.IMAP4, after_uid: int) -> list[tuple[int, int]]:
    """(UID, size) of the messages above `after_uid`, in UID order. ("n:*" always names the
    highest message, even when it is below n: it is left out here.)"""
    data = _ok(*imap.uid("FETCH", f"{after_uid + 1}:*", "(UID RFC822.SIZE)"), "Listing failed")
    found = {}
    for line in data:
        if not isinstance(line, bytes):
            continue
        uid, size = _UID.search(line), _SIZE.search(line)
        if uid and size and int(uid.group(1)) > after_uid:
            found[int(uid.group(1))] = int(size.group(1))
    return sorted(found.items())


def fetch(imap: imaplib.IMAP4, uids: list[int]) -> dict[int, bytes]:
    """The raw messages with these UIDs (those still there)."""
    data = _ok(*imap.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])"), "Fetch failed")
    found: dict[int, bytes] = {}
    for i, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        head, raw = item
        uid = _UID.search(head)
        if uid is None and i + 1 < len(data) and isinstance(data[i + 1], bytes):
            uid = _UID.search(data[i + 1])  # "… BODY[] {n}" literal, then " UID 7)"
        if uid is not None:
            found[int(uid.group(1))] = raw
    return found


def batches(messages: list[tuple[int, int]], size: int) -> Iterator[list[int]]:
    batch, bytes_ = [], 0
    for uid, n in messages:
        if batch and (len(batch) >= size or bytes_ + n > BATCH_BYTES):
            yield batch
            batch, bytes_ = [], 0
        batch.append(uid)
        bytes_ += n
    if batch:
        yield batch


# --- the sync -------------------------------------------------------------------------------


@dataclass
class SyncResult:
    connection_id: int
    fetched: int = 0  # messages handed to message_ingest
    reconnects: int = 0
    uidvalidity_changed: bool = False
    error: str = ""  # why the sync stopped early; empty when it finished

    @property
    def ok(self) -> bool:
        return not self.error


def _claim(connection: MailboxConnection, now: datetime) -> bool:
    claimed = (
        MailboxConnection.objects.filter(pk=connection.pk)
        .filter(Q(sync_claimed_until__isnull=True) | Q(sync_claimed_until__lt=now))
        .update(sync_claimed_until=now + LEASE)
    )
    return claimed == 1


def mailbox_sync(
    *,
    connection: MailboxConnection,
    report: ImportReport,
    batch_size: int = BATCH_SIZE,
    reconnects: int = 1,
    progress: Progress | None = None,
) -> SyncResult:
    """Take the new messages of one connection's folder; see the module's docstring.

    A dropped connection is opened again up to `reconnects` times and the sync goes on where
    it stopped. A failure (the server unreachable, the password refused, the connection lost
    for good) is recorded on the connection and in the report, and never raised: the next
    sync starts after the last batch taken."""
    result = SyncResult(connection.pk)
    item = f"mailbox {connection}"
    if not _claim(connection, timezone.now()):
        result.error = "another sync of this mailbox is running"
        report.refuse(item, result.error)
        return result
    try:
        while True:
            try:
                with mailbox_session(connection) as imap:
                    _read_folder(imap, connection, report, result, batch_size, progress)
                break
            except ConnectionDropped:
                # Opened and lost: try again from the last batch taken, if allowed.
                if result.reconnects >= reconnects:
                    raise
                result.reconnects += 1
                report.count("reconnects")
                connection.refresh_from_db(fields=["uidvalidity", "last_uid"])
    except MailboxError as exc:
        result.error = str(exc)
        report.refuse(item, result.error)
    finally:
        now = timezone.now()
        fields = {"sync_claimed_until": None, "last_error": result.error}
        if result.ok:
            fields["last_synced_at"] = now
        MailboxConnection.objects.filter(pk=connection.pk).update(**fields)
        for name, value in fields.items():
            setattr(connection, name, value)
    report.count("mailboxes")
    return result


def _read_folder(imap, connection, report, result, batch_size, progress) -> None:
    uidvalidity = examine(imap, connection.folder)
    if connection.uidvalidity != uidvalidity:
        if connection.uidvalidity is not None:
            # The folder's UIDs were renumbered: read it all again; Message-IDs keep
            # anything from being stored twice.
            result.uidvalidity_changed = True
            report.count("uidvalidity_changed")
        connection.uidvalidity, connection.last_uid = uidvalidity, 0
        MailboxConnection.objects.filter(pk=connection.pk).update(
            uidvalidity=uidvalidity, last_uid=0
        )
    found = new_messages(imap, connection.last_uid)
    limit = settings.MAIL_SYNC_MAX_MESSAGE_BYTES
    done = 0
    sizes = dict(found)
    for batch in batches(found, batch_size):
        wanted = [uid for uid in batch if sizes[uid] <= limit]
        raws = fetch(imap, wanted) if wanted else {}
        for uid in batch:
            if sizes[uid] > limit:
                report.refuse(
                    f"{connection.folder} UID {uid}",
                    f"{sizes[uid]:,} bytes, over the limit of {limit:,} "
                    "(MAIL_SYNC_MAX_MESSAGE_BYTES); left on the server",
                )
            elif uid in raws:
                _take(raws[uid], connection, report, uid)
                result.fetched += 1
            # A UID listed but no longer there was expunged meanwhile: nothing to take.
        # This batch is taken: a later session starts after it.
        last = batch[-1]
        MailboxConnection.objects.filter(pk=connection.pk, uidvalidity=uidvalidity).update(
            last_uid=last, sync_claimed_until=timezone.now() + LEASE
        )
        connection.last_uid = last
        done += len(batch)
        if progress is not None:
            progress(done, len(found))


def _take(raw: bytes, connection: MailboxConnection, report: ImportReport, uid: int) -> None:
    try:
        message_ingest(raw=raw, mailbox_owner=connection.user, source="imap", report=report)
    except DatabaseError:
        # The database failed us, not the message: stop, and take this batch again later.
        raise
    except Exception as exc:  # one message must never stop the sync
        report.refuse(f"{connection.folder} UID {uid}", f"could not be taken: {_words(exc)}")
