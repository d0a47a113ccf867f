"""The Today queue: what a recruiter owes right now, and one click to do it and log it.

Each action logs the activity that meets the obligation through `activity_log`, exactly as
logging it from the person's page would, so the queue, the timeline and the scorecard agree.
The activity is recorded as the work of whoever clicked: a team lead covering a recruiter's
queue invested that time, and the recruiter's obligation is met all the same (obligations are
met by what happened with the person, whoever did it).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from candidly.accounts.access import may_act_for, visible_recruiter_rows
from candidly.accounts.models import User, display_name
from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.obligations.models import Obligation
from candidly.obligations.selectors import today_queue
from candidly.obligations.services import obligation_waive
from candidly.web.forms import FeedbackForm, PrepForm, WaiveForm

K = Obligation.Kind
A = Activity.Kind

# The button each kind of obligation offers.
ACTIONS = {
    K.CALLBACK: "Log call",
    K.REPLY: "Mark replied",
    K.PHONE_PREP: "Log prep",
    K.ONSITE_PREP: "Log prep",
    K.CLOSE_LOOP: "Log call",
    K.CHECK_IN: "Log check-in",
    K.FEEDBACK: "Log feedback",
}


def access_queue_owner(viewer: User, username: str | None) -> User:
    """The recruiter whose queue `viewer` asked for: their own, or one they may act for;
    404 for anyone else."""
    if not username or username == viewer.get_username():
        return viewer
    owner = User.objects.select_related("team").filter(username=username).first()
    if owner is None or not may_act_for(viewer, owner):
        raise Http404("No such queue.")
    return owner


def access_obligation(viewer: User, pk: int) -> Obligation:
    """An obligation `viewer` may act on (its owner's, or their lead's); 404 otherwise."""
    obligation = get_object_or_404(
        Obligation.objects.select_related(
            "owner__team",
            "candidate",
            "hiring_manager",
            "activity",
            "interview__submission",
            "submission__requisition",
            "placement__submission",
        ),
        pk=pk,
    )
    if not may_act_for(viewer, obligation.owner):
        raise Http404("No such obligation.")
    return obligation


def queue_url(viewer: User, owner: User) -> str:
    if owner.pk == viewer.pk:
        return reverse("home")
    return reverse("today", args=[owner.get_username()])


def _queue_context(viewer: User, owner: User) -> dict:
    queue = today_queue(owner.pk, timezone.now())
    for row in (*queue.overdue, *queue.today, *queue.coming):
        row.action = ACTIONS[row.kind]
    context = {
        "queue": queue,
        "owner": owner,
        "mine": owner.pk == viewer.pk,
        "queue_url": queue_url(viewer, owner),
    }
    if owner.pk == viewer.pk:  # the top bar shows the same counts: no second query
        context["my_counts"] = {
            "overdue": queue.overdue_count,
            "today": queue.today_count,
            "coming": queue.coming_count,
        }
    return context


def today(request: HttpRequest, username: str | None = None) -> HttpResponse:
    """A recruiter's queue: their own at `/`, a team member's at `/today/<username>/` or
    `/?recruiter=<username>` for a lead."""
    owner = access_queue_owner(request.user, username or request.GET.get("recruiter"))
    context = _queue_context(request.user, owner)
    if request.htmx and not request.htmx.boosted:
        return render(request, "web/today.html#queue", context)
    recruiters = [
        (name, display_name(first, last, name))
        for _, name, first, last in visible_recruiter_rows(request.user)
    ]
    context["recruiters"] = recruiters if len(recruiters) > 1 else []
    return render(request, "web/today.html", context)


def _done(request: HttpRequest, obligation: Obligation, text: str, *, error=False):
    """Back to the owner's queue: the fresh queue for htmx (the top bar's counts swapped
    out of band), a redirect with a message otherwise."""
    owner = obligation.owner
    if not request.htmx:
        (messages.error if error else messages.success)(request, text)
        return redirect(queue_url(request.user, owner))
    context = _queue_context(request.user, owner)
    context.update(flash=text, flash_error=error, oob=True)
    return render(request, "web/today.html#queue", context)


def _log(obligation: Obligation, by: User, post) -> str:
    """Log the activity that meets `obligation`; say what was logged."""
    o = obligation
    person = o.person.full_name
    if o.kind in (K.CALLBACK, K.CLOSE_LOOP):
        activity_log(
            recruiter=by,
            candidate=o.candidate,
            kind=A.CALL,
            direction=Activity.Direction.OUTBOUND,
            outcome=Activity.Outcome.CONNECTED,
            submission=o.submission if o.kind == K.CLOSE_LOOP else None,
        )
        return f"Call with {person} logged."
    if o.kind == K.REPLY:
        asked = o.activity.subject if o.activity else ""
        subject = asked if asked.lower().startswith("re:") else f"Re: {asked or '(no subject)'}"
        activity_log(
            recruiter=by,
            candidate=o.candidate,
            kind=A.EMAIL,
            direction=Activity.Direction.OUTBOUND,
            subject=subject,
            thread=o.thread,
        )
        return f"Reply to {person} logged."
    if o.kind in (K.PHONE_PREP, K.ONSITE_PREP):
        form = PrepForm(post)
        form.is_valid()  # always: nothing is required and unknown items are dropped
        activity_log(
            recruiter=by,
            candidate=o.candidate,
            kind=A.PREP,
            direction=Activity.Direction.OUTBOUND,
            interview=o.interview,
            subject=f"Prep for the {o.interview.get_kind_display().lower()} interview",
            body=form.body(),
        )
        return f"Prep with {person} logged."
    if o.kind == K.CHECK_IN:
        activity_log(
            recruiter=by,
            candidate=o.candidate,
            kind=A.CHECK_IN,
            direction=Activity.Direction.OUTBOUND,
            submission=o.placement.submission if o.placement else None,
        )
        return f"Check-in with {person} logged."
    if o.kind == K.FEEDBACK:
        form = FeedbackForm(post)
        data = form.cleaned_data if form.is_valid() else {}
        via = data.get("via") or A.NOTE
        activity_log(
            recruiter=by,
            hiring_manager=o.hiring_manager,
            kind=via,
            direction=Activity.Direction.INBOUND,
            outcome=Activity.Outcome.CONNECTED if via == A.CALL else "",
            submission=o.submission,
            subject="Feedback",
            body=data.get("feedback", ""),
        )
        return f"Feedback from {person} logged."
    raise ValueError(o.kind)


@require_POST
def obligation_act(request: HttpRequest, pk: int) -> HttpResponse:
    """The one-click action of a queue row: log what meets it."""
    obligation = access_obligation(request.user, pk)
    if obligation.state != Obligation.State.OPEN:
        state = obligation.get_state_display().lower()
        return _done(request, obligation, f"That was already {state}.", error=True)
    try:
        text = _log(obligation, request.user, request.POST)
    except ValidationError as exc:
        return _done(request, obligation, " ".join(exc.messages), error=True)
    return _done(request, obligation, text)


@require_POST
def obligation_waive_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Excuse a queue row, with the reason the scorecard will show."""
    obligation = access_obligation(request.user, pk)
    form = WaiveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        obligation_waive(obligation=obligation, by=request.user, reason=reason)
    except ValidationError as exc:
        return _done(request, obligation, " ".join(exc.messages), error=True)
    return _done(request, obligation, f"{obligation.get_kind_display()} waived: {reason.strip()}")
