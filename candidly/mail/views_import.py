"""Importing mail from the web app: the same importer and report as `candidly import-mail`."""

import re
import tempfile
from pathlib import Path

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from candidly.lib.importreport import ImportReport
from candidly.mail.importers import mail_import

REPORT_LINES_SHOWN = 500


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data:
                return [single(None, initial)]  # "This field is required."
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Messages (.eml) or mailbox files (mbox)",
        help_text="Choose several at once. For a Maildir folder or a whole export, use "
        "`candidly import-mail PATH` on the server.",
    )


def mail_upload(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    report = None
    if posted and form.is_valid():
        report = ImportReport()
        with tempfile.TemporaryDirectory(prefix="candidly-mail-") as folder:
            paths = []
            for n, upload in enumerate(form.cleaned_data["files"], start=1):
                name = re.sub(r"[^\w.\-]", "_", Path(upload.name or "").name)[:80] or "message"
                path = Path(folder) / f"{n:03d}-{name}"
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                paths.append(path)
            mail_import(paths=paths, owner=request.user, report=report)
            for line in report.lines + report.refused:  # the upload's names, not the folder's
                line.item = line.item.removeprefix(folder + "/")
    context = {
        "form": form,
        "report": report,
        "report_lines": report.lines[:REPORT_LINES_SHOWN] if report else [],
        "report_counts": [(k.replace("_", " "), n) for k, n in report.counts.items()]
        if report
        else [],
    }
    template = "mail/import.html"
    if report is not None and request.htmx and not request.htmx.boosted:
        template += "#report"
    return render(request, template, context)
