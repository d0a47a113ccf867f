"""Mailbox connections: the services that create and change them, and the password they keep.

The password (or app password) is stored encrypted with Fernet (AES-128-CBC with an HMAC),
under a key derived from SECRET_KEY; keys derived from SECRET_KEY_FALLBACKS still decrypt, so
rotating SECRET_KEY the Django way keeps every stored password readable. It is never shown
on a page, in the admin, in a log line, in an exception or in an export: only `imap.py`
decrypts it, at the moment it logs in.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from candidly.accounts.models import User
from candidly.mail.models import MailboxConnection

HIDDEN = "********"
_INFO = b"candidly mailbox password"


class PasswordUnreadable(Exception):
    """The stored password was encrypted under a key this installation no longer has."""


def _fernet_key(secret: str) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(key)


def _fernet() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_fernet_key(s)) for s in secrets])


@sensitive_variables("password")
def password_encrypt(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode("ascii")


@sensitive_variables()
def password_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise PasswordUnreadable(
            "The stored password cannot be read (was SECRET_KEY changed?): enter it again."
        ) from None


def hide(text: str, *secrets: str) -> str:
    """`text` with every secret in it blanked out: for error messages that might quote one."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    return text


# --- services -------------------------------------------------------------------------------


def _check(connection: MailboxConnection) -> None:
    errors = {}
    if not connection.host.strip():
        errors["host"] = "Enter the IMAP server's name."
    if not 1 <= (connection.port or 0) <= 65535:
        errors["port"] = "A port is a number from 1 to 65535."
    if not connection.username.strip():
        errors["username"] = "Enter the user name of the mailbox."
    if not connection.folder.strip():
        errors["folder"] = "Enter the folder to read (usually INBOX)."
    for name in ("host", "username", "folder"):
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in getattr(connection, name)):
            errors.setdefault(name, "That cannot contain control characters.")
    if not connection.use_tls and not settings.MAIL_IMAP_ALLOW_PLAIN:
        errors["use_tls"] = (
            "The password would cross the network unencrypted: connect with TLS "
            "(plain connections are allowed only where MAIL_IMAP_ALLOW_PLAIN is set)."
        )
    if connection.starttls and not connection.use_tls:
        errors["starttls"] = "STARTTLS is a way of using TLS: turn TLS on as well."
    if errors:
        raise ValidationError(errors)


@sensitive_variables("password")
@transaction.atomic
def mailbox_connection_create(
    *,
    user: User,
    host: str,
    username: str,
    password: str,
    port: int = 993,
    use_tls: bool = True,
    starttls: bool = False,
    folder: str = "INBOX",
) -> MailboxConnection:
    if not password:
        raise ValidationError({"password": "Enter the mailbox password (or an app password)."})
    connection = MailboxConnection(
        user=user,
        host=host.strip(),
        port=port,
        use_tls=use_tls,
        starttls=starttls,
        username=username.strip(),
        folder=folder.strip(),
        password_encrypted=password_encrypt(password),
    )
    _check(connection)
    if MailboxConnection.objects.filter(
        user=user, host=connection.host, username=connection.username, folder=connection.folder
    ).exists():
        raise ValidationError("You already read that folder of that mailbox.")
    connection.full_clean(validate_constraints=False)
    connection.save()
    return connection


# Changing any of these points the connection at another mailbox (or another folder): what
# was read so far says nothing about it, so reading starts again from the beginning (and the
# Message-ID check keeps anything from being stored twice).
_WHERE = ("host", "port", "username", "folder")


@sensitive_variables("password")
@transaction.atomic
def mailbox_connection_update(
    *,
    connection: MailboxConnection,
    host: str,
    username: str,
    port: int,
    use_tls: bool,
    starttls: bool,
    folder: str,
    enabled: bool = True,
    password: str = "",
) -> MailboxConnection:
    """Change a connection; a blank `password` keeps the stored one."""
    before = {f: getattr(connection, f) for f in _WHERE}
    connection.host, connection.username = host.strip(), username.strip()
    connection.port, connection.folder = port, folder.strip()
    connection.use_tls, connection.starttls, connection.enabled = use_tls, starttls, enabled
    if password:
        connection.password_encrypted = password_encrypt(password)
        connection.last_error = ""
    _check(connection)
    if {f: getattr(connection, f) for f in _WHERE} != before:
        connection.uidvalidity, connection.last_uid = None, 0
        connection.last_error = ""
        if (
            MailboxConnection.objects.filter(
                user=connection.user,
                host=connection.host,
                username=connection.username,
                folder=connection.folder,
            )
            .exclude(pk=connection.pk)
            .exists()
        ):
            raise ValidationError("You already read that folder of that mailbox.")
    connection.full_clean(validate_constraints=False)
    connection.save()
    return connection


@transaction.atomic
def mailbox_connection_delete(*, connection: MailboxConnection) -> None:
    """Forget a connection (and its password); the mail already read stays."""
    connection.delete()
