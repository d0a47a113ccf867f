"""Mail as Candidly keeps it: each message once (by Message-ID), its attachments, and the
mailbox connections it is read from.

Nothing here is ever rendered as HTML: bodies are stored as plain text, attachments as bytes
that are only ever offered for download.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.lib.constraints import choice_check
from candidly.people.models import Candidate, HiringManager

# Longest key a message is stored under; Activity.external_id holds the same key.
KEY_MAX = 300


class MailDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class MailState(models.TextChoices):
    # Recorded as an activity on a candidate or hiring manager.
    MATCHED = "matched", "Matched"
    # Matches nobody: waits in the unmatched list for a recruiter.
    UNMATCHED = "unmatched", "Unmatched"
    # A recruiter decided it concerns nobody.
    DISMISSED = "dismissed", "Dismissed"


class MailMessage(models.Model):
    Direction = MailDirection
    State = MailState

    # The Message-ID without angle brackets, or "sha256:<hex>" of the raw message when it has
    # none (or one too long to keep): what makes every import idempotent.
    message_id = models.CharField(max_length=KEY_MAX, unique=True)
    # The Message-ID of the first message of the conversation (this one's when it starts it).
    thread_root = models.CharField(max_length=KEY_MAX, blank=True)
    in_reply_to = models.CharField(max_length=KEY_MAX, blank=True)
    references = models.TextField(blank=True, help_text="Message-IDs, one per line.")
    from_address = models.CharField(max_length=300, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to_addresses = models.TextField(blank=True, help_text="Normalised addresses, one per line.")
    cc_addresses = models.TextField(blank=True, help_text="Normalised addresses, one per line.")
    subject = models.CharField(max_length=300, blank=True)
    # From the Date header; null when it is missing or unreadable.
    sent_at = models.DateTimeField(null=True, blank=True)
    body_text = models.TextField(blank=True)
    # Auto-reply, out-of-office or bulk mail: recorded, opens nothing.
    is_automated = models.BooleanField(default=False)
    direction = models.CharField(max_length=8, choices=MailDirection.choices)
    mailbox_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mail_messages",
        db_index=False,  # covered by mail_msg_owner_state
    )
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="mail_messages"
    )
    hiring_manager = models.ForeignKey(
        HiringManager,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mail_messages",
    )
    # The activity this message became (for an outbound message to several people: the
    # first of them; the others carry the same thread and an external id of
    # "<message_id>|<address>").
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="mail_messages"
    )
    state = models.CharField(max_length=10, choices=MailState.choices)
    # Where it came from ("import", "imap", "smtp", …) and its id there (e.g. folder/uid).
    source = models.CharField(max_length=30)
    external_id = models.CharField(max_length=300, blank=True)
    size = models.PositiveIntegerField(default=0, help_text="Size of the raw message in bytes.")
    # What the parser could not take (a broken part, an unknown charset…), for the record.
    parse_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            # Unmatched list: one recruiter's messages in one state, newest first.
            models.Index(
                fields=["mailbox_owner", "state", "-sent_at"], name="mail_msg_owner_state"
            ),
            # Threading: messages of one conversation.
            models.Index(fields=["thread_root"], name="mail_msg_thread"),
        ]
        constraints = [
            choice_check("direction", MailDirection.choices),
            choice_check("state", MailState.choices),
            models.CheckConstraint(
                condition=~models.Q(candidate__isnull=False, hiring_manager__isnull=False),
                name="%(app_label)s_%(class)s_at_most_one_person",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or "(no subject)"

    @property
    def person(self):
        return self.candidate or self.hiring_manager

    @property
    def to_list(self) -> list[str]:
        return [a for a in self.to_addresses.split("\n") if a]

    @property
    def cc_list(self) -> list[str]:
        return [a for a in self.cc_addresses.split("\n") if a]


class Attachment(models.Model):
    message = models.ForeignKey(MailMessage, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=127)
    size = models.PositiveIntegerField()
    # The bytes, when no larger than settings.MAIL_ATTACHMENT_MAX_BYTES; else stored=False.
    stored = models.BooleanField(default=False)
    content = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or "(unnamed)"


class MailIdentity(models.Model):
    """A further address a recruiter sends from (besides User.email): mail from it is theirs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_identities"
    )
    address = models.CharField(max_length=300, help_text="Lower-case.")

    class Meta:
        verbose_name_plural = "mail identities"
        ordering = ["address"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "address"], name="%(app_label)s_%(class)s_unique_user_address"
            ),
        ]

    def __str__(self) -> str:
        return self.address


class MailboxConnection(models.Model):
    """One recruiter's IMAP mailbox folder, and how far it has been read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailbox_connections"
    )
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    use_tls = models.BooleanField(default=True)
    # With use_tls: connect in plain text and upgrade with STARTTLS (port 143) rather than
    # over TLS from the start (IMAPS, port 993).
    starttls = models.BooleanField(default=False, db_default=False)
    username = models.CharField(max_length=255)
    # Encrypted by the code that stores it; never shown, logged or exported (not editable,
    # so no form, the admin's included, ever carries it).
    password_encrypted = models.TextField(blank=True, editable=False)
    folder = models.CharField(max_length=255, default="INBOX")
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    # A sync claims the connection until then (renewed after each batch): one at a time.
    sync_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    # When the periodic pass next queues a sync (null: at its next pass).
    next_sync_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "host", "folder"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "host", "username", "folder"],
                name="%(app_label)s_%(class)s_unique_folder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.host}/{self.folder}"
