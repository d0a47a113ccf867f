"""The upload page (the same import and report as `candidly import-candidates`), the review of
likely duplicates, and the JSON Resume download. Logged-in users only (the login middleware)."""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from candidly.candidate_import.forms import UploadForm
from candidly.candidate_import.importer import CandidateImportReport, import_candidates
from candidly.candidate_import.jsonresume import candidate_as_resume
from candidly.candidate_import.models import DuplicateSuggestion
from candidly.candidate_import.records import CandidateRecord
from candidly.candidate_import.services import (
    duplicate_suggestion_create,
    duplicate_suggestion_merge,
)
from candidly.people.models import Candidate

SUGGESTIONS_PER_PAGE = 25


def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, initial={"owner": request.user})
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = CandidateImportReport()
        readable = []
        for upload_file in data["files"]:
            if upload_file.size > settings.CANDIDATE_IMPORT_MAX_BYTES:
                limit = filesizeformat(settings.CANDIDATE_IMPORT_MAX_BYTES)
                report.refuse(upload_file.name, f"larger than {limit}: import it with the command")
                continue
            readable.append((upload_file.name, upload_file.read()))
        import_candidates(
            readable,
            owner=data["owner"],
            imported_by=request.user,
            format=data["format"],
            mapping=data["mapping"],
            source=data["source"],
            report=report,
        )
    context = {
        "form": form,
        "report": report,
        "pending": DuplicateSuggestion.objects.filter(
            state=DuplicateSuggestion.State.PENDING
        ).count(),
    }
    template = "candidate_import/upload.html"
    if request.htmx and not request.htmx.boosted and request.method == "POST":
        template += "#panel"
    return render(request, template, context)


def review(request: HttpRequest) -> HttpResponse:
    pending = (
        DuplicateSuggestion.objects.filter(state=DuplicateSuggestion.State.PENDING)
        .select_related("suspected", "owner", "imported_by")
        .prefetch_related("suspected__contact_points")
        .order_by("created_at", "id")
    )
    page = Paginator(pending, SUGGESTIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(s, CandidateRecord.from_dict(s.record)) for s in page.object_list]
    return render(request, "candidate_import/review.html", {"page": page, "rows": rows})


def _decided(request: HttpRequest, suggestion: DuplicateSuggestion, text: str, *, error=False):
    """Back to the review page: a redirect with a message, or for htmx the row's new state."""
    if not request.htmx:
        (messages.error if error else messages.success)(request, text)
        return redirect("candidate_import_review")
    return render(
        request,
        "candidate_import/review.html#decided",
        {"s": suggestion, "text": text, "error": error},
    )


@require_POST
def suggestion_merge(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_or_404(DuplicateSuggestion.objects.select_related("suspected"), pk=pk)
    name = suggestion.suspected.full_name
    try:
        added = duplicate_suggestion_merge(suggestion=suggestion, by=request.user)
    except ValidationError as exc:
        return _decided(request, suggestion, " ".join(exc.messages), error=True)
    what = f": added {', '.join(added)}" if added else " (nothing new)"
    return _decided(request, suggestion, f"Merged into {name}{what}.")


@require_POST
def suggestion_create(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_or_404(DuplicateSuggestion, pk=pk)
    try:
        candidate = duplicate_suggestion_create(suggestion=suggestion, by=request.user)
    except ValidationError as exc:
        return _decided(request, suggestion, " ".join(exc.messages), error=True)
    return _decided(request, suggestion, f"{candidate.full_name} created as a new candidate.")


def json_resume(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(Candidate.objects.prefetch_related("contact_points"), pk=pk)
    body = json.dumps(candidate_as_resume(candidate), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = slugify(candidate.full_name) or f"candidate-{candidate.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response
