"""Thin views: read through selectors, write through services, render."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from candidly.activity.lists import candidate_search, filter_choices, list_rows
from candidly.activity.selectors import (
    activity_entries,
    candidate_submissions,
    candidate_timeline,
    manager_timeline,
)
from candidly.activity.services import activity_log
from candidly.lib.compiled import Compiled
from candidly.obligations.selectors import misses_before_decisions
from candidly.people.models import Candidate, Company, ContactPoint, HiringManager
from candidly.people.services import candidate_create
from candidly.pipeline.models import OPEN_STAGES, Interview, Offer, Requisition, Stage
from candidly.web.forms import (
    TIME_ZONES,
    ActivityForm,
    CandidateForm,
    CandidateSearchForm,
    MoveForm,
)


def _apply_errors(form, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form, on the field it names when there is one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = (field_map or {}).get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def candidate_list(request: HttpRequest) -> HttpResponse:
    form = CandidateSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    candidates = candidate_search(
        query=filters.get("q", ""),
        owner_id=filters.get("owner"),
        stage=filters.get("stage", ""),
        company_id=filters.get("company"),
    )
    page = Paginator(candidates, settings.CANDIDATES_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    template = "web/candidate_list.html"
    context = {
        "form": form,
        "page": page,
        "rows": list_rows(page.object_list),
        "querystring": params.urlencode(),
    }
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    else:
        # Plain (value, label) pairs for the filter selects.
        context["recruiters"], context["companies"] = filter_choices()
        context["stages"] = Stage.choices
    return render(request, template, context)


def candidate_new(request: HttpRequest) -> HttpResponse:
    form = CandidateForm(request.POST or None, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            candidate = candidate_create(
                first_name=data["first_name"],
                last_name=data["last_name"],
                owner=data["owner"],
                emails=[data["email"]],
                phones=[data["phone"]],
                urls=[data["profile_url"]],
                headline=data["headline"],
                current_company=data["current_company"],
                location=data["location"],
                skills=data["skills"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc, CandidateForm.SERVICE_FIELDS)
        else:
            messages.success(request, f"{candidate.full_name} added.")
            return redirect(candidate)
    return render(request, "web/candidate_new.html", {"form": form})


_DECLINE_REASONS = dict(Offer.DeclineReason.choices)


def _declined_offers(submissions) -> None:
    """Each declined offer's `misses`: what the candidate was owed and did not get on time
    before saying no. One query for all of them; none without a declined offer."""
    declined = [
        (o, s) for s in submissions for o in s.offer_rows if o["status"] == Offer.Status.DECLINED
    ]
    misses = misses_before_decisions([(o["pk"], s, o["decided_at"]) for o, s in declined])
    for o, _ in declined:
        o["misses"] = misses[o["pk"]]
        o["decline_label"] = _DECLINE_REASONS.get(o["decline_reason"], "")


def _candidate_context(
    candidate: Candidate, form: ActivityForm | None = None, submissions=None, *, panel=True
) -> dict:
    """The candidate page; `panel=False` leaves out what only the pipeline panel shows."""
    if submissions is None:
        submissions = candidate_submissions(candidate)
    for s in submissions:  # what the pipeline panel offers next, from the fetched offers
        offers = s.offer_rows
        s.open_offer = next((o for o in offers if o["status"] == Offer.Status.EXTENDED), None)
        s.can_place = s.stage == Stage.OFFER and any(
            o["status"] == Offer.Status.ACCEPTED for o in offers
        )
    if panel:
        _declined_offers(submissions)
    return {
        "candidate": candidate,
        "submissions": submissions,
        "timeline": candidate_timeline(candidate, submissions=submissions),
        "form": form or ActivityForm(submissions=submissions),
        "log_url": candidate.get_absolute_url() + "log/",
        "interview_kinds": Interview.Kind.choices,
        "time_zones": TIME_ZONES,
        "outcomes": [c for c in Offer.Status.choices if c[0] != Offer.Status.EXTENDED],
        "decline_reasons": Offer.DeclineReason.choices,
        "stages": [c for c in Stage.choices if c[0] != Stage.HIRED],
    }


def _candidate(pk: int) -> Candidate:
    """The candidate with their recruiter, referrer and `contacts`; 404 when there is none."""
    found = _CANDIDATE.objects(pk=pk)
    if not found:
        raise Http404("No such candidate.")
    candidate = found[0]
    candidate.contacts = _CONTACTS.objects(candidate=pk)
    return candidate


# Compiled once a connection (`lib.compiled`): every candidate page and quick log reads them.
_CANDIDATE = Compiled(
    lambda pk: Candidate.objects.filter(pk=pk).select_related(
        "owner", "referred_by_candidate", "referred_by_manager"
    )
)
_CONTACTS = Compiled(lambda candidate: ContactPoint.objects.filter(candidate_id=candidate))


def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate(pk)
    return render(request, "web/candidate_detail.html", _candidate_context(candidate))


def _log_from_form(request, form: ActivityForm, submissions=(), **person) -> bool:
    """Log the quick-log form's activity for `person`; on refusal, put the reasons on the form."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        activity_log(
            recruiter=request.user,
            kind=data["kind"],
            direction=data["direction"],
            outcome=data["outcome"],
            occurred_at=data["occurred_at"],
            minutes=data["minutes"],
            subject=data["subject"],
            body=data["body"],
            submission=next((s for s in submissions if s.pk == data.get("submission")), None),
            **person,
        )
    except ValidationError as exc:
        _apply_errors(form, exc)
        return False
    return True


@require_POST
def candidate_log_activity(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate(pk)
    # Read once: the form checks "About" against them and the page shows them again.
    submissions = candidate_submissions(candidate)
    form = ActivityForm(request.POST, submissions=submissions)
    if _log_from_form(request, form, candidate=candidate, submissions=submissions):
        if not request.htmx:
            messages.success(request, "Logged.")
            return redirect(candidate)
        form = None
    context = _candidate_context(candidate, form, submissions, panel=not request.htmx)
    context["saved"] = "Logged." if form is None else ""
    if request.htmx:
        return render(request, "web/candidate_detail.html#activity", context)
    return render(request, "web/candidate_detail.html", context, status=400)


# A client's page shows its latest work; each manager's page has the whole history.
COMPANY_TIMELINE = 50


def company_list(request: HttpRequest) -> HttpResponse:
    companies = Company.objects.annotate(
        open_requisitions=Count(
            "requisitions", filter=Q(requisitions__status="open"), distinct=True
        ),
        managers=Count("hiring_managers", distinct=True),
    ).order_by("name")
    return render(request, "web/company_list.html", {"companies": companies})


def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(Company, pk=pk)
    return render(
        request,
        "web/company_detail.html",
        {
            "company": company,
            "managers": company.hiring_managers.select_related("department"),
            "requisitions": _requisitions(Requisition.objects.filter(company=company)),
            "timeline": activity_entries(
                COMPANY_TIMELINE, name_manager=True, hiring_manager__company_id=company.pk
            ),
            "timeline_limit": COMPANY_TIMELINE,
        },
    )


def manager_list(request: HttpRequest) -> HttpResponse:
    managers = (
        HiringManager.objects.select_related("company", "department")
        .annotate(open_requisitions=Count("requisitions", filter=Q(requisitions__status="open")))
        .order_by("company__name", "last_name", "first_name")
    )
    page = Paginator(managers, 50).get_page(request.GET.get("page"))
    return render(request, "web/manager_list.html", {"page": page})


def _manager(pk: int) -> HiringManager:
    return get_object_or_404(
        HiringManager.objects.select_related("company", "department").prefetch_related(
            "contact_points"
        ),
        pk=pk,
    )


def manager_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _manager_page(request, _manager(pk))


def _manager_page(
    request: HttpRequest, manager: HiringManager, form: ActivityForm | None = None, saved=""
) -> HttpResponse:
    context = {
        "manager": manager,
        "requisitions": _requisitions(manager.requisitions.all()),
        "timeline": manager_timeline(manager),
        "form": form or ActivityForm(),
        "log_url": manager.get_absolute_url() + "log/",
        "saved": saved,
    }
    template = "web/manager_detail.html"
    if request.htmx and request.method == "POST":
        template += "#activity"
    return render(
        request, template, context, status=400 if form and form.errors and not request.htmx else 200
    )


@require_POST
def manager_log_activity(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _manager(pk)
    form = ActivityForm(request.POST)
    if _log_from_form(request, form, hiring_manager=manager):
        if not request.htmx:
            messages.success(request, "Logged.")
            return redirect(manager)
        return _manager_page(request, manager, saved="Logged.")
    return _manager_page(request, manager, form)


def _requisitions(queryset):
    return (
        queryset.select_related("company", "hiring_manager", "recruiter")
        .annotate(active=Count("submissions", filter=Q(submissions__stage__in=OPEN_STAGES)))
        .order_by("-opened_at")
    )


def requisition_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    requisitions = Requisition.objects.all()
    if status in Requisition.Status.values:
        requisitions = requisitions.filter(status=status)
    page = Paginator(_requisitions(requisitions), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/requisition_list.html",
        {"page": page, "status": status, "statuses": Requisition.Status.choices},
    )


def requisition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    requisition = get_object_or_404(
        Requisition.objects.select_related("company", "hiring_manager", "recruiter", "department"),
        pk=pk,
    )
    submissions = requisition.submissions.select_related("candidate").order_by("-stage_changed_at")
    by_stage = {value: [] for value in Stage.values}
    for submission in submissions:
        by_stage[submission.stage].append(submission)
    columns = [(value, label, by_stage[value]) for value, label in Stage.choices]
    return render(
        request,
        "web/requisition_detail.html",
        {"requisition": requisition, "columns": columns, "move_form": MoveForm()},
    )
