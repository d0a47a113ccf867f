"""The Calls page: upload a call log and read its report, keep your phone lines."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from candidly.accounts.access import may_act_for, visible_recruiters
from candidly.accounts.models import User
from candidly.calls import columns
from candidly.calls.forms import LineForm, UploadForm
from candidly.calls.models import RecruiterLine
from candidly.calls.services import calls_import, recruiter_line_add, recruiter_line_remove
from candidly.people.contacts import format_phone

REPORT_LINES_SHOWN = 500


def access_line(viewer: User, pk: int) -> RecruiterLine:
    """A line `viewer` may change (their own, or a team member's as lead); 404 otherwise."""
    line = get_object_or_404(RecruiterLine.objects.select_related("user__team"), pk=pk)
    if not may_act_for(viewer, line.user):
        raise Http404("No such line.")
    return line


def _page(request: HttpRequest, *, upload=None, line_form=None, report=None, failed=""):
    recruiters = visible_recruiters(request.user)
    lines = [
        (line.pk, format_phone(line.number), line.label, line.user)
        for line in RecruiterLine.objects.filter(user__in=recruiters).select_related("user")
    ]
    context = {
        "upload": upload or UploadForm(recruiters=recruiters),
        "line_form": line_form or LineForm(),
        "lines": lines,
        "report": report,
        "report_lines": report.lines[:REPORT_LINES_SHOWN] if report else [],
        "report_refused": report.refused[:REPORT_LINES_SHOWN] if report else [],
        "report_counts": [(k.replace("_", " "), n) for k, n in report.counts.items()]
        if report
        else [],
        "failed": failed,
        "fields": columns.FIELDS,
        "webhook_url": settings.SITE_URL + reverse("calls_webhook"),
        "webhook_ready": bool(settings.CALLS_WEBHOOK_SECRET),
    }
    template = "calls/calls.html"
    if report is not None and request.htmx and not request.htmx.boosted:
        template += "#report"
    return render(request, template, context)


def calls_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def calls_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES, recruiters=visible_recruiters(request.user))
    if not form.is_valid():
        return _page(request, upload=form)
    data = form.cleaned_data
    upload = data["file"]
    try:
        report, importer = calls_import(
            stream=upload.file if hasattr(upload, "file") else upload,
            name=upload.name,
            recruiter=data["recruiter"],
            time_zone=data["time_zone"],
            mapping=data["map"],
        )
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _page(request, upload=form)
    return _page(request, upload=form, report=report, failed=importer.failed)


@require_POST
def line_add(request: HttpRequest) -> HttpResponse:
    form = LineForm(request.POST)
    if form.is_valid():
        try:
            line = recruiter_line_add(
                user=request.user,
                number=form.cleaned_data["number"],
                label=form.cleaned_data["label"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("number", message)
        else:
            messages.success(request, f"{format_phone(line.number)} is now one of your lines.")
            return redirect("calls")
    return _page(request, line_form=form)


@require_POST
def line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    line = access_line(request.user, pk)
    recruiter_line_remove(line=line)
    messages.success(request, f"{format_phone(line.number)} removed.")
    return redirect("calls")
