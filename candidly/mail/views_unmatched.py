"""Mail that matched nobody: the recruiter's list, one message, and what to do with it.

Every page shows a message's words as text (autoescaped); an attachment is only ever offered
as a download, never shown inline.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from candidly.activity.lists import candidate_search
from candidly.mail.models import Attachment, MailMessage
from candidly.mail.services import (
    counterpart_address,
    message_attach,
    message_create_candidate,
    message_dismiss,
    unmatched_rematch,
)
from candidly.people.models import Candidate, HiringManager

PER_PAGE = 25
PREVIEW_CHARS = 280
PEOPLE_SHOWN = 10

LIST_FIELDS = (
    "pk", "from_address", "from_name", "to_addresses", "subject", "sent_at", "created_at",
    "direction", "is_automated", "preview",
)  # fmt: skip


def _own_message(request: HttpRequest, pk: int) -> MailMessage:
    """A message of the recruiter's own mailbox; anybody else's is not found."""
    return get_object_or_404(MailMessage, pk=pk, mailbox_owner=request.user)


def unmatched_list(request: HttpRequest) -> HttpResponse:
    automated = request.GET.get("automated") == "1"
    waiting = MailMessage.objects.filter(
        mailbox_owner=request.user, state=MailMessage.State.UNMATCHED
    )
    automated_count = waiting.filter(is_automated=True).count()
    if not automated:
        waiting = waiting.filter(is_automated=False)
    rows = (
        waiting.annotate(preview=Substr("body_text", 1, PREVIEW_CHARS))
        .order_by("-sent_at", "-id")
        .values(*LIST_FIELDS)
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row["counterpart"] = (
            row["from_address"]
            if row["direction"] == MailMessage.Direction.INBOUND
            else row["to_addresses"].split("\n", 1)[0]
        )
        row["preview"] = " ".join(row["preview"].split())
    return render(
        request,
        "mail/unmatched.html",
        {
            "page": page,
            "automated": automated,
            "automated_count": automated_count,
            "querystring": "automated=1" if automated else "",
        },
    )


def _people(query: str) -> list[dict]:
    """Candidates and hiring managers matching a name or an address, for "attach to"."""
    query = query.strip()
    if not query:
        return []
    found = [
        {"key": f"c-{c.pk}", "name": c.full_name, "what": c.headline or "Candidate"}
        for c in candidate_search(query=query)[:PEOPLE_SHOWN]
    ]
    managers = HiringManager.objects.select_related("company")
    for word in query.split():
        managers = managers.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(contact_points__value__icontains=word)
        )
    found += [
        {"key": f"m-{m.pk}", "name": m.full_name, "what": f"Hiring manager, {m.company}"}
        for m in managers.distinct().order_by("last_name", "first_name")[:PEOPLE_SHOWN]
    ]
    return found


def unmatched_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = _own_message(request, pk)
    query = request.GET.get("q", "")[:100]
    context = {
        "message": message,
        "attachments": message.attachments.defer("content"),
        "counterpart": counterpart_address(message),
        "q": query,
        "people": _people(query),
        "searched": bool(query.strip()),
        "attachment_limit": settings.MAIL_ATTACHMENT_MAX_BYTES,
    }
    template = "mail/unmatched_detail.html"
    if request.htmx and not request.htmx.boosted:
        template += "#people"
    return render(request, template, context)


def _person(key: str) -> Candidate | HiringManager:
    found = re.fullmatch(r"([cm])-(\d{1,18})", key or "")
    if not found:
        raise Http404("No such person.")
    model = Candidate if found.group(1) == "c" else HiringManager
    return get_object_or_404(model, pk=int(found.group(2)))


def _done(request: HttpRequest, message: MailMessage) -> HttpResponse:
    return redirect(reverse("mail_unmatched") + ("?automated=1" if message.is_automated else ""))


@require_POST
def unmatched_attach(request: HttpRequest, pk: int) -> HttpResponse:
    message = _own_message(request, pk)
    person = _person(request.POST.get("person", ""))
    try:
        message_attach(
            message=message,
            person=person,
            by=request.user,
            remember_address=request.POST.get("remember") == "1",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("mail_unmatched_detail", pk=message.pk)
    messages.success(request, f"Recorded as an email with {person.full_name}.")
    return _done(request, message)


@require_POST
def unmatched_create_candidate(request: HttpRequest, pk: int) -> HttpResponse:
    message = _own_message(request, pk)
    try:
        candidate = message_create_candidate(message=message, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("mail_unmatched_detail", pk=message.pk)
    messages.success(
        request, f"{candidate.full_name} added as a candidate, with this email on their record."
    )
    return _done(request, message)


@require_POST
def unmatched_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    message = _own_message(request, pk)
    try:
        message_dismiss(message=message, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("mail_unmatched_detail", pk=message.pk)
    messages.success(request, "Set aside.")
    return _done(request, message)


@require_POST
def unmatched_match_again(request: HttpRequest) -> HttpResponse:
    """After people or addresses were added elsewhere (a candidate import, say)."""
    recorded = unmatched_rematch(owner=request.user)
    messages.success(
        request,
        f"{recorded} message{'s' if recorded != 1 else ''} found their person."
        if recorded
        else "No waiting message matches anybody yet.",
    )
    return redirect("mail_unmatched")


def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A stored attachment, as a download only: never rendered by the browser."""
    attachment = get_object_or_404(
        Attachment, pk=pk, message__mailbox_owner=request.user, stored=True
    )
    name = re.sub(r"[^\w.\- ]", "_", attachment.name)[:100] or "attachment"
    response = HttpResponse(
        bytes(attachment.content or b""), content_type="application/octet-stream"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
