"""Mailbox connections: the password kept encrypted and never shown (pages, admin, errors),
a blank password field keeping the stored one, each recruiter seeing only their own."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from candidly.mail.connections import (
    PasswordUnreadable,
    mailbox_connection_create,
    mailbox_connection_update,
    password_decrypt,
    password_encrypt,
)
from candidly.mail.models import MailboxConnection

SECRET = "app-password-9f3c2e71"


@pytest.fixture
def connection(recruiter):
    return mailbox_connection_create(
        user=recruiter, host="imap.agency.example", username="alex", password=SECRET
    )


def test_the_password_is_stored_encrypted(connection):
    stored = MailboxConnection.objects.values_list("password_encrypted", flat=True).get()
    assert SECRET not in stored
    assert password_decrypt(stored) == SECRET
    # Each encryption is different (a fresh IV): equal passwords do not look equal.
    assert password_encrypt(SECRET) != password_encrypt(SECRET)


def test_an_old_secret_key_still_decrypts_after_rotation(settings):
    token = password_encrypt(SECRET)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert password_decrypt(token) == SECRET

    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(PasswordUnreadable, match="enter it again") as unreadable:
        password_decrypt(token)
    assert SECRET not in str(unreadable.value)


def test_a_password_is_needed_and_tls_unless_allowed(recruiter, settings):
    with pytest.raises(ValidationError) as refused:
        mailbox_connection_create(user=recruiter, host="imap.x", username="a", password="")
    assert "password" in refused.value.message_dict

    settings.MAIL_IMAP_ALLOW_PLAIN = False
    with pytest.raises(ValidationError) as refused:
        mailbox_connection_create(
            user=recruiter, host="imap.x", username="a", password="p", use_tls=False
        )
    assert "use_tls" in refused.value.message_dict


def test_pointing_elsewhere_starts_reading_afresh(connection):
    MailboxConnection.objects.filter(pk=connection.pk).update(uidvalidity=7, last_uid=120)
    connection.refresh_from_db()
    fields = {
        "connection": connection,
        "host": connection.host,
        "username": connection.username,
        "port": 993,
        "use_tls": True,
        "starttls": False,
    }

    mailbox_connection_update(**fields, folder="INBOX", enabled=False)
    connection.refresh_from_db()
    assert (connection.uidvalidity, connection.last_uid, connection.enabled) == (7, 120, False)
    assert password_decrypt(connection.password_encrypted) == SECRET  # blank keeps it

    mailbox_connection_update(**fields, folder="Archive", password="new-one")
    connection.refresh_from_db()
    assert (connection.uidvalidity, connection.last_uid) == (None, 0)
    assert password_decrypt(connection.password_encrypted) == "new-one"


def test_the_pages_never_show_the_password(logged_in, connection):
    for url in (reverse("mailbox_list"), reverse("mailbox_edit", args=[connection.pk])):
        html = logged_in.get(url).content.decode()
        assert SECRET not in html
        assert connection.password_encrypted not in html
    html = logged_in.get(reverse("mailbox_edit", args=[connection.pk])).content.decode()
    assert 'type="password"' in html and "Leave blank to keep" in html


def test_adding_and_editing_from_the_pages(logged_in, recruiter):
    response = logged_in.post(
        reverse("mailbox_new"),
        {
            "host": "imap.agency.example",
            "security": "starttls",
            "port": "143",
            "username": "alex",
            "password": SECRET,
            "folder": "INBOX",
        },
    )
    assert response.status_code == 302
    connection = MailboxConnection.objects.get(user=recruiter)
    assert (connection.use_tls, connection.starttls, connection.port) == (True, True, 143)

    # Saved with the password left blank: the stored one stays.
    response = logged_in.post(
        reverse("mailbox_edit", args=[connection.pk]),
        {
            "host": "imap.agency.example",
            "security": "tls",
            "port": "993",
            "username": "alex",
            "password": "",
            "folder": "INBOX",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert (connection.starttls, connection.port) == (False, 993)
    assert password_decrypt(connection.password_encrypted) == SECRET


def test_a_plain_connection_is_not_offered_unless_allowed(logged_in, settings):
    settings.MAIL_IMAP_ALLOW_PLAIN = False
    html = logged_in.get(reverse("mailbox_new")).content.decode()
    assert 'value="plain"' not in html
    response = logged_in.post(
        reverse("mailbox_new"),
        {"host": "h", "security": "plain", "port": "143", "username": "u", "password": "p",
         "folder": "INBOX"},
    )  # fmt: skip
    assert response.status_code == 200 and not MailboxConnection.objects.exists()


def test_reading_now_queues_a_sync(logged_in, connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(reverse("mailbox_sync", args=[connection.pk]))
    assert response.status_code == 302
    assert DBTaskResult.objects.get().args_kwargs["args"] == [connection.pk]


def test_removing_a_connection(logged_in, connection):
    response = logged_in.post(reverse("mailbox_delete", args=[connection.pk]))
    assert response.status_code == 302 and not MailboxConnection.objects.exists()


def test_another_recruiters_connection_is_not_found(client, other_recruiter, connection):
    client.force_login(other_recruiter)
    for name in ("mailbox_edit", "mailbox_delete", "mailbox_sync"):
        method = client.get if name == "mailbox_edit" else client.post
        assert method(reverse(name, args=[connection.pk])).status_code == 404, name
    assert "imap.agency.example" not in client.get(reverse("mailbox_list")).content.decode()
    assert MailboxConnection.objects.filter(pk=connection.pk).exists()


def test_no_form_carries_the_password_not_even_the_admins(client, lead, connection):
    from django.contrib import admin
    from django.forms import modelform_factory

    # Every field a model form (the admin's included) may show: the password is not one.
    fields = modelform_factory(MailboxConnection, fields="__all__").base_fields
    assert "host" in fields and "password_encrypted" not in fields
    if admin.site.is_registered(MailboxConnection):
        client.force_login(lead)
        url = reverse("admin:mail_mailboxconnection_change", args=[connection.pk])
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert connection.username in html and SECRET not in html
        assert connection.password_encrypted not in html


def test_a_failed_password_never_reaches_an_error_page(logged_in, connection, settings):
    """The debug error page hides POSTed passwords (sensitive_post_parameters)."""
    from django.views.debug import SafeExceptionReporterFilter

    request = logged_in.post(
        reverse("mailbox_edit", args=[connection.pk]),
        {"host": "", "password": SECRET, "security": "tls", "port": "993"},
    ).wsgi_request
    cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["password"] != SECRET


def test_sync_mail_with_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user called"):
        call_command("sync_mail", "--user", "nobody-here")
