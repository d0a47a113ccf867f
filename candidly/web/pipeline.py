"""Pipeline actions posted from the candidate and requisition pages.

Each one validates its form, calls one service and goes back where it came from, saying what
happened (or, in a recruiter's words, why nothing did).
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from candidly.activity.lists import candidate_search
from candidly.pipeline.models import Offer, Requisition, Submission
from candidly.pipeline.services import (
    interview_schedule,
    offer_extend,
    offer_record_outcome,
    placement_record,
    submission_advance,
    submission_create,
)
from candidly.web.forms import (
    AddCandidateForm,
    InterviewForm,
    MoveForm,
    OfferForm,
    OfferOutcomeForm,
    PlacementForm,
)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = fallback
    return redirect(target)


def _perform(request: HttpRequest, form, action: Callable[[dict], str], fallback: str):
    """Run `action` with the form's data; its return value is the success message."""
    if form.is_valid():
        try:
            messages.success(request, action(form.cleaned_data))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        problems = [
            f"{form.fields[name].label or name.replace('_', ' ').capitalize()}: {' '.join(errs)}"
            if name in form.fields
            else " ".join(errs)
            for name, errs in form.errors.items()
        ]
        messages.error(request, " ".join(problems))
    return _back(request, fallback)


def _submission(pk: int) -> Submission:
    return get_object_or_404(
        Submission.objects.select_related("candidate", "requisition__company"), pk=pk
    )


@require_POST
def submission_move(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission(pk)

    def move(data):
        submission_advance(submission=submission, to_stage=data["to_stage"], by=request.user)
        stage = submission.get_stage_display().lower()
        return f"{submission.candidate.full_name} moved to {stage}."

    return _perform(
        request, MoveForm(request.POST), move, submission.requisition.get_absolute_url()
    )


@require_POST
def interview_new(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission(pk)

    def schedule(data):
        interview = interview_schedule(
            submission=submission,
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            time_zone=data["time_zone"],
            interviewers=data["interviewers"],
            location=data["location"],
            by=request.user,
        )
        return f"{interview.get_kind_display()} interview scheduled for {submission.candidate}."

    fallback = submission.candidate.get_absolute_url()
    return _perform(request, InterviewForm(request.POST), schedule, fallback)


@require_POST
def offer_new(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission(pk)

    def extend(data):
        offer_extend(submission=submission, salary=data["salary"], by=request.user)
        return f"Offer extended to {submission.candidate.full_name}."

    fallback = submission.candidate.get_absolute_url()
    return _perform(request, OfferForm(request.POST), extend, fallback)


@require_POST
def offer_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(Offer.objects.select_related("submission__candidate"), pk=pk)

    def record(data):
        offer_record_outcome(
            offer=offer,
            status=data["status"],
            decline_reason=data["decline_reason"],
            note=data["note"],
            by=request.user,
        )
        return f"Offer {offer.get_status_display().lower()}."

    fallback = offer.submission.candidate.get_absolute_url()
    return _perform(request, OfferOutcomeForm(request.POST), record, fallback)


@require_POST
def placement_new(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission(pk)

    def place(data):
        placement_record(submission=submission, start_date=data["start_date"], by=request.user)
        return f"{submission.candidate.full_name} placed, starting {data['start_date']:%d %b %Y}."

    fallback = submission.candidate.get_absolute_url()
    return _perform(request, PlacementForm(request.POST), place, fallback)


@require_POST
def requisition_add_candidate(request: HttpRequest, pk: int) -> HttpResponse:
    requisition = get_object_or_404(Requisition, pk=pk)

    def add(data):
        matches = list(candidate_search(query=data["candidate"])[:6])
        if not matches:
            raise ValidationError(f"No candidate matches “{data['candidate']}”.")
        if len(matches) > 1:
            names = ", ".join(c.full_name for c in matches[:5])
            raise ValidationError(
                f"“{data['candidate']}” matches several candidates ({names}…); "
                "use an email or phone number."
            )
        submission_create(candidate=matches[0], requisition=requisition, by=request.user)
        return f"{matches[0].full_name} added to {requisition.title}."

    return _perform(request, AddCandidateForm(request.POST), add, requisition.get_absolute_url())
