"""A real IMAP server for the mail tests: Debian's Dovecot, started once per test session on
loopback from a temporary folder, with a throwaway certificate for IMAPS and STARTTLS, and a
fresh account (its own Maildir) for every test.

Without Dovecot the tests that need it skip and say why; with CANDIDLY_REQUIRE_IMAP=1 (as in
.ci/run) they fail instead.

The tests at the end check how a mailbox connection reaches the server: over TLS with the
certificate checked, with STARTTLS, refusing an untrusted certificate, and never letting the
password into an error.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import ipaddress
import itertools
import os
import pwd
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRED = os.environ.get("CANDIDLY_REQUIRE_IMAP") == "1"
DOVECOT = os.environ.get("CANDIDLY_DOVECOT", shutil.which("dovecot") or "/usr/sbin/dovecot")
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
NOBODY = 65534  # Dovecot will not touch mail as root: the Maildirs belong to nobody


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def throwaway_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert_file, key_file


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
# A refused password is answered at once: the tests try wrong ones on purpose.
auth_failure_delay = 0
mail_location = maildir:~/Maildir
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
# Any user name logs in with the session's password, into a Maildir of its own: each test
# takes a new name, so no test sees another's mail.
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Account:
    """One user of the test server, with an empty INBOX."""

    server: Dovecot
    username: str
    password: str

    def client(self) -> imaplib.IMAP4:
        """A plain connection logged in as this user, for the test to fill the mailbox."""
        imap = imaplib.IMAP4("127.0.0.1", self.server.plain_port, timeout=10)
        imap.login(self.username, self.password)
        return imap

    def append(self, *messages: bytes, folder: str = "INBOX") -> list[int]:
        """Deliver messages (as APPEND does: a mail client or a delivery agent); their UIDs."""
        uids = []
        imap = self.client()
        try:
            for raw in messages:
                typ, data = imap.append(folder, None, None, raw)
                assert typ == "OK", data
                # [APPENDUID <uidvalidity> <uid>]
                uids.append(int(data[0].split(b"APPENDUID ")[1].split()[1].rstrip(b"]")))
        finally:
            imap.logout()
        return uids

    def recreate(self, folder: str, *messages: bytes) -> int:
        """Delete and create `folder` again with these messages: the server gives it a new
        UIDVALIDITY and numbers the messages afresh. Returns the new UIDVALIDITY."""
        before = self.uidvalidity(folder)
        imap = self.client()
        try:
            imap.delete(folder)
            imap.create(folder)
        finally:
            imap.logout()
        after = self.uidvalidity(folder)
        if after == before:  # recreated within the same second: make the change explicit
            self.server.doveadm(
                "mailbox", "update", "-u", self.username, "--uid-validity", str(before + 1), folder
            )
            after = before + 1
        self.append(*messages, folder=folder)
        return after

    def uidvalidity(self, folder: str = "INBOX") -> int:
        imap = self.client()
        try:
            typ, data = imap.status(folder, "(UIDVALIDITY)")
            assert typ == "OK", data
            return int(data[0].split(b"UIDVALIDITY ")[1].rstrip(b")"))
        finally:
            imap.logout()

    def kick(self) -> None:
        """Drop this user's open connections from the server side."""
        self.server.doveadm("kick", self.username)


class Dovecot:
    def __init__(self, folder: Path):
        self.dir = folder
        self.plain_port = free_port()
        self.tls_port = free_port()
        self.cert_file: Path | None = None
        self.process: subprocess.Popen | None = None
        self.password = secrets.token_urlsafe(12)
        self._numbers = itertools.count(1)

    @property
    def config(self) -> Path:
        return self.dir / "dovecot.conf"

    def start(self) -> None:
        d = self.dir
        d.chmod(0o755)
        (d / "mail").mkdir()
        self.cert_file, _ = throwaway_certificate(d)
        if os.geteuid() == 0:
            internal_user, internal_group, login_user = "dovecot", "dovecot", "dovenull"
            os.chown(d / "mail", NOBODY, NOBODY)
        else:  # a developer's own account: every part of the server runs as them
            me = pwd.getpwuid(os.geteuid())
            internal_user = login_user = me.pw_name
            internal_group = me.pw_name
        self.config.write_text(
            CONFIG.format(
                d=d,
                plain_port=self.plain_port,
                tls_port=self.tls_port,
                internal_user=internal_user,
                internal_group=internal_group,
                login_user=login_user,
                password=self.password,
                uid=NOBODY if os.geteuid() == 0 else os.geteuid(),
                gid=NOBODY if os.geteuid() == 0 else os.getegid(),
            )
        )
        # -F: in the foreground, so the fixture owns the process and stops it by its pid.
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Dovecot exited: {self.process.stderr.read().decode()}")
            if self._answers():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Dovecot did not start: {self.log()}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.plain_port), timeout=1) as s:
                return s.recv(100).startswith(b"* OK")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def crash(self) -> None:
        """Kill the server and every process it started (the sessions with them) at once:
        what a client sees when the server machine or the network goes away."""
        if self.process is None or self.process.poll() is not None:
            return
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # the parent pid
                children.append(int(stat.parent.name))
        self.process.kill()
        for pid in children:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while not self._answers():
            assert time.monotonic() < deadline, self.log()
            time.sleep(0.05)

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(
            [DOVEADM, "-c", str(self.config), *args], capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def new_account(self) -> Account:
        """A user of their own, with an empty mailbox."""
        return Account(self, f"rec{next(self._numbers)}", self.password)


def _dovecot_or_skip() -> None:
    why = None
    if not os.path.exists(DOVECOT):
        why = "Dovecot is not installed (apt-get install dovecot-imapd)"
    else:
        try:
            import cryptography  # noqa: F401
        except ImportError:
            why = "the cryptography package is not installed"
    if why:
        if REQUIRED:
            pytest.fail(f"IMAP tests required (CANDIDLY_REQUIRE_IMAP=1) but {why}.")
        pytest.skip(f"IMAP test skipped: {why}; set CANDIDLY_REQUIRE_IMAP=1 to require it.")


_SERVER = pytest.StashKey[Dovecot]()


def dovecot_server(request) -> Dovecot:
    """The session's Dovecot, started on first use and stopped when the session ends; test
    modules share it through this function rather than a fixture of their own."""
    _dovecot_or_skip()
    config = request.config
    server = config.stash.get(_SERVER, None)
    if server is None or server.process.poll() is not None and not server.dir.exists():
        folder = Path(tempfile.mkdtemp(prefix="candidly-dovecot-"))
        server = Dovecot(folder)
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        config.add_cleanup(server.stop)
        server.start()
        config.stash[_SERVER] = server
    elif server.process.poll() is not None:  # a test stopped it and failed before restarting
        server.restart()
    return server


@pytest.fixture
def dovecot(request) -> Dovecot:
    return dovecot_server(request)


@pytest.fixture
def imap_account(dovecot, settings) -> Account:
    """A fresh account; the sync code trusts the throwaway certificate, as a deployment
    trusts its CA."""
    settings.MAIL_IMAP_CA_FILE = str(dovecot.cert_file)
    return dovecot.new_account()


# --- how a connection reaches the server ----------------------------------------------------


def test_server_serves_imaps_with_the_throwaway_certificate(imap_account):
    context = ssl.create_default_context(cafile=str(imap_account.server.cert_file))
    with imaplib.IMAP4_SSL(
        "127.0.0.1", imap_account.server.tls_port, ssl_context=context, timeout=10
    ) as imap:
        assert imap.login(imap_account.username, imap_account.password)[0] == "OK"


@pytest.fixture
def recruiter_connection(imap_account, recruiter):
    from candidly.mail.connections import mailbox_connection_create

    def make(**kwargs):
        fields = {
            "user": recruiter,
            "host": "127.0.0.1",
            "port": imap_account.server.tls_port,
            "username": imap_account.username,
            "password": imap_account.password,
            **kwargs,
        }
        return mailbox_connection_create(**fields)

    return make


def _sync(connection):
    from candidly.lib.importreport import ImportReport
    from candidly.mail.imap import mailbox_sync

    report = ImportReport()
    return mailbox_sync(connection=connection, report=report), report


def test_a_connection_over_imaps_checks_the_certificate(recruiter_connection):
    result, _ = _sync(recruiter_connection())
    assert result.ok, result.error


def test_a_connection_with_starttls(recruiter_connection, imap_account):
    connection = recruiter_connection(port=imap_account.server.plain_port, starttls=True)

    result, _ = _sync(connection)

    assert result.ok, result.error
    assert "TLS" in imap_account.server.log().rsplit("Login: ", 1)[1].split("\n")[0]


def test_an_untrusted_certificate_is_refused(recruiter_connection, settings):
    connection = recruiter_connection()
    settings.MAIL_IMAP_CA_FILE = ""  # the throwaway certificate is trusted no more

    result, report = _sync(connection)

    assert "certificate is not trusted" in result.error
    assert "self-signed" in result.error or "verify" in result.error
    connection.refresh_from_db()
    assert connection.last_error == result.error
    assert report.refused[0].note == result.error


def test_a_wrong_password_is_refused_and_never_repeated(recruiter_connection, imap_account):
    connection = recruiter_connection(password="wrong-" + imap_account.password)

    result, report = _sync(connection)

    assert result.error.startswith("The server refused the user name or password")
    connection.refresh_from_db()
    for text in (result.error, connection.last_error, repr(connection), str(report.as_json())):
        assert imap_account.password not in text
    assert imap_account.password not in connection.password_encrypted


def test_a_plain_connection_only_where_allowed(recruiter_connection, imap_account, settings):
    from django.core.exceptions import ValidationError

    from candidly.mail.models import MailboxConnection

    with pytest.raises(ValidationError, match="unencrypted"):
        recruiter_connection(port=imap_account.server.plain_port, use_tls=False)

    settings.MAIL_IMAP_ALLOW_PLAIN = True
    connection = recruiter_connection(port=imap_account.server.plain_port, use_tls=False)
    result, _ = _sync(connection)
    assert result.ok, result.error

    # Allowed no more (say the setting was for a test machine): the sync refuses to send it.
    settings.MAIL_IMAP_ALLOW_PLAIN = False
    connection = MailboxConnection.objects.get(pk=connection.pk)
    result, _ = _sync(connection)
    assert "unencrypted" in result.error
