"""Pages for writing to a candidate (a new email, a reply, an interview prep packet) and for
a recruiter's own mailbox connections. Thin: forms parse, the services in sending.py and
connections.py write."""

from __future__ import annotations

from functools import partial

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from candidly.mail.connections import (
    mailbox_connection_create,
    mailbox_connection_delete,
    mailbox_connection_update,
)
from candidly.mail.models import MailboxConnection, MailMessage
from candidly.mail.sending import (
    EXPECT,
    SendFailed,
    candidate_addresses,
    interview_local,
    mail_send,
    new_message_id,
    prep_packet,
    reply_subject,
)
from candidly.mail.tasks import sync_mailbox
from candidly.people.models import Candidate
from candidly.pipeline.models import Interview

RECENT_MESSAGES = 10


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- writing to a candidate -------------------------------------------------------------------


class ComposeForm(forms.Form):
    to = forms.ChoiceField(label="To")
    subject = forms.CharField(max_length=300)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), required=False)
    expect = forms.CharField(
        label="What to expect", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    notes = forms.CharField(
        label="Your notes for them",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="Anything particular to this interview: who to ask for, what to bring, "
        "what the team cares about.",
    )
    message_id = forms.CharField(widget=forms.HiddenInput, max_length=300)

    def __init__(self, *args, addresses: list[str], prep: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(a, a) for a in addresses]
        if prep:
            del self.fields["body"]
        else:
            del self.fields["expect"], self.fields["notes"]


def _reply_to(candidate: Candidate, value: str | None) -> MailMessage | None:
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return get_object_or_404(MailMessage, pk=int(value), candidate=candidate)


def _interview(candidate: Candidate, value: str | None) -> Interview | None:
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return get_object_or_404(
        Interview.objects.select_related("submission__requisition__hiring_manager__company"),
        pk=int(value),
        submission__candidate=candidate,
        status=Interview.Status.SCHEDULED,
    )


def _upcoming_interviews(candidate: Candidate) -> list[tuple[Interview, str]]:
    interviews = Interview.objects.filter(
        submission__candidate=candidate,
        status=Interview.Status.SCHEDULED,
        starts_at__gte=timezone.now(),
    ).select_related("submission__requisition__hiring_manager__company")
    rows = []
    for interview in interviews.order_by("starts_at"):
        start, zone = interview_local(interview, candidate)
        rows.append((interview, f"{start:%a} {start.day} {start:%b}, {start:%H:%M} ({zone})"))
    return rows


def compose(request: HttpRequest, pk: int) -> HttpResponse:
    """Write to a candidate: a new email, a reply (?reply=<message>), or an interview prep
    packet (?interview=<id>)."""
    candidate = get_object_or_404(Candidate, pk=pk)
    params = request.POST if request.method == "POST" else request.GET
    reply_to = _reply_to(candidate, params.get("reply"))
    interview = _interview(candidate, params.get("interview"))
    addresses = candidate_addresses(candidate)
    preview = ""
    if request.method == "POST":
        form = ComposeForm(request.POST, addresses=addresses, prep=interview is not None)
        if form.is_valid():
            data = form.cleaned_data
            body = data.get("body", "")
            if interview is not None:
                body = prep_packet(
                    interview=interview,
                    candidate=candidate,
                    recruiter=request.user,
                    expect=data["expect"],
                    notes=data["notes"],
                )[1]
            if "preview" in request.POST:
                preview = body
            else:
                try:
                    sent = mail_send(
                        recruiter=request.user,
                        candidate=candidate,
                        to=data["to"],
                        subject=data["subject"],
                        body=body,
                        message_id=data["message_id"],
                        reply_to=reply_to,
                    )
                except ValidationError as exc:
                    _apply_errors(form, exc)
                except SendFailed as exc:
                    form.add_error(None, f"{exc}. Nothing was sent or recorded; try again.")
                else:
                    if sent.already:
                        messages.info(request, "That email had been sent already.")
                    else:
                        messages.success(request, f"Sent to {data['to']}.")
                    return redirect(candidate)
    else:
        initial = {"message_id": new_message_id(request.user)}
        if addresses:
            initial["to"] = addresses[0]
        if reply_to is not None:
            initial["subject"] = reply_subject(reply_to.subject)
            if reply_to.from_address in addresses:
                initial["to"] = reply_to.from_address
        elif interview is not None:
            initial["subject"], _ = prep_packet(
                interview=interview,
                candidate=candidate,
                recruiter=request.user,
                expect="",
                notes="",
            )
            initial["expect"] = EXPECT[interview.kind]
        form = ComposeForm(initial=initial, addresses=addresses, prep=interview is not None)
    recent = (
        MailMessage.objects.filter(candidate=candidate, direction=MailMessage.Direction.INBOUND)
        .exclude(pk=reply_to.pk if reply_to else None)
        .order_by("-sent_at", "-id")[:RECENT_MESSAGES]
    )
    context = {
        "candidate": candidate,
        "form": form,
        "addresses": addresses,
        "reply_to": reply_to,
        "interview": interview,
        "preview": preview,
        "recent": recent,
        "interviews": _upcoming_interviews(candidate) if interview is None else [],
        "from_address": request.user.email,
        "has_mailbox": MailboxConnection.objects.filter(user=request.user).exists(),
    }
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "mail/compose.html", context, status=status)


# --- mailbox connections -----------------------------------------------------------------------

SECURITY = [
    ("tls", "TLS (IMAPS, usually port 993)"),
    ("starttls", "STARTTLS (usually port 143)"),
]


class ConnectionForm(forms.Form):
    host = forms.CharField(label="IMAP server", max_length=255)
    security = forms.ChoiceField(choices=SECURITY, initial="tls")
    port = forms.IntegerField(min_value=1, max_value=65535, initial=993)
    username = forms.CharField(label="User name", max_length=255)
    password = forms.CharField(
        label="Password or app password",
        widget=forms.PasswordInput(render_value=False),
        required=False,
        strip=False,
        max_length=1000,
    )
    folder = forms.CharField(max_length=255, initial="INBOX")
    enabled = forms.BooleanField(label="Read this mailbox", required=False, initial=True)

    def __init__(self, *args, new: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(SECURITY)
        if settings.MAIL_IMAP_ALLOW_PLAIN:
            choices.append(("plain", "None (the password crosses the network unencrypted)"))
        self.fields["security"].choices = choices
        if new:
            self.fields["password"].required = True
            del self.fields["enabled"]
        else:
            self.fields["password"].help_text = "Leave blank to keep the stored password."

    @staticmethod
    def initial_for(connection: MailboxConnection) -> dict:
        security = (
            "plain" if not connection.use_tls else "starttls" if connection.starttls else "tls"
        )
        return {
            "host": connection.host,
            "security": security,
            "port": connection.port,
            "username": connection.username,
            "folder": connection.folder,
            "enabled": connection.enabled,
        }

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "host": data["host"],
            "port": data["port"],
            "use_tls": data["security"] != "plain",
            "starttls": data["security"] == "starttls",
            "username": data["username"],
            "folder": data["folder"],
        }


def _own_connection(request: HttpRequest, pk: int) -> MailboxConnection:
    """A connection of the logged-in recruiter; anyone else's is not found."""
    return get_object_or_404(MailboxConnection, pk=pk, user=request.user)


def mailbox_list(request: HttpRequest) -> HttpResponse:
    connections = MailboxConnection.objects.filter(user=request.user).order_by("host", "folder")
    return render(request, "mail/connection_list.html", {"connections": connections})


@sensitive_post_parameters("password")
@sensitive_variables("form")
def mailbox_new(request: HttpRequest) -> HttpResponse:
    form = ConnectionForm(request.POST or None, new=True)
    if request.method == "POST" and form.is_valid():
        try:
            mailbox_connection_create(
                user=request.user, password=form.cleaned_data["password"], **form.service_fields()
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Mailbox added: its mail is read within a few minutes.")
            return redirect("mailbox_list")
    return render(request, "mail/connection_form.html", {"form": form, "connection": None})


@sensitive_post_parameters("password")
@sensitive_variables("form")
def mailbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    form = ConnectionForm(
        request.POST or None, initial=ConnectionForm.initial_for(connection), new=False
    )
    if request.method == "POST" and form.is_valid():
        try:
            mailbox_connection_update(
                connection=connection,
                password=form.cleaned_data["password"],
                enabled=form.cleaned_data["enabled"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Mailbox saved.")
            return redirect("mailbox_list")
    return render(request, "mail/connection_form.html", {"form": form, "connection": connection})


@require_POST
def mailbox_delete(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    mailbox_connection_delete(connection=connection)
    messages.success(request, f"{connection} removed; the mail already read stays.")
    return redirect("mailbox_list")


@require_POST
def mailbox_sync_now(request: HttpRequest, pk: int) -> HttpResponse:
    connection = _own_connection(request, pk)
    transaction.on_commit(partial(sync_mailbox.enqueue, connection.pk))
    messages.success(request, f"Reading {connection} now; new mail appears shortly.")
    return redirect("mailbox_list")
