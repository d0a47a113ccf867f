"""The litmus scorecard: for each question, how often each recruiter met what they owed on
time, with every number opening the obligations behind it, by name."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from candidly.accounts.access import visible_recruiter_rows
from candidly.accounts.models import User, display_name
from candidly.obligations.selectors import (
    LABELS,
    QUESTIONS,
    Tally,
    drill_down,
    rows,
    scorecard,
    weekly_trend,
)
from candidly.web.forms import PERIODS, PeriodForm

OBLIGATIONS_PER_PAGE = 50

# What a drill-down can list: the scorecard's columns, plus the misses behind a "No".
OUTCOMES = {
    "due": "Due",
    "on_time": "On time",
    "late": "Late",
    "missed": "Missed",
    "waived": "Waived",
    "not_on_time": "Late or missed",
    "pending": "Not yet due",
    "overdue": "Overdue (still doable)",
}


@dataclass(frozen=True)
class Recruiter:
    pk: int
    username: str
    name: str


@dataclass
class Question:
    kind: str
    label: str
    text: str
    lines: list  # (Recruiter, Tally, drill-down link) for each recruiter shown
    team: Tally
    team_link: str


def _recruiters(viewer: User) -> list[Recruiter]:
    """Everyone whose scorecard `viewer` may read: themselves, and their team if they lead one."""
    return [
        Recruiter(pk, username, display_name(first, last, username))
        for pk, username, first, last in visible_recruiter_rows(viewer)
    ]


def _shown(recruiters: list[Recruiter], username: str | None) -> list[Recruiter]:
    """All of them, or the one asked for (404 when it is not one of them)."""
    if not username:
        return recruiters
    found = [r for r in recruiters if r.username == username]
    if not found:
        raise Http404("No such recruiter.")
    return found


@dataclass
class Period:
    """The period a page counts, as the form chose it."""

    form: PeriodForm
    now: datetime
    since: datetime
    until: datetime

    @classmethod
    def of(cls, request: HttpRequest) -> "Period":
        now = timezone.now()
        form = PeriodForm(request.GET)
        return cls(form, now, *form.bounds(now))

    @property
    def first(self) -> date:
        return timezone.localtime(self.since).date()

    @property
    def last(self) -> date:
        return timezone.localtime(self.until).date() - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.form.chosen == "all":
            return f"up to {self.last:%-d %b %Y}"
        return f"{self.first:%-d %b %Y} – {self.last:%-d %b %Y}"

    def querystring(self, **more) -> str:
        extra = urlencode({k: v for k, v in more.items() if v})
        return self.form.querystring() + (f"&{extra}" if extra else "")


def scorecard_page(request: HttpRequest) -> HttpResponse:
    period = Period.of(request)
    recruiters = _recruiters(request.user)
    focus = request.GET.get("recruiter", "")
    shown = _shown(recruiters, focus)
    owner_ids = [r.pk for r in shown]
    card = scorecard(owner_ids=owner_ids, since=period.since, until=period.until, now=period.now)
    if not focus:  # the team: leave out whoever owed nothing in the period (a lead, an admin)
        owing = [r for r in shown if any(t.due or t.pending for t in card.by_owner[r.pk].values())]
        shown = owing or shown
    drill = reverse("litmus_obligations")
    questions = [
        Question(
            kind=kind,
            label=LABELS[kind],
            text=text,
            lines=[
                (
                    r,
                    card.by_owner[r.pk][kind],
                    f"{drill}?{period.querystring(kind=kind, recruiter=r.username)}",
                )
                for r in shown
            ],
            team=card.team[kind],
            team_link=f"{drill}?{period.querystring(kind=kind)}",
        )
        for kind, text in QUESTIONS
    ]
    trend = weekly_trend(owner_ids=owner_ids, now=period.now)
    trend_rows = [
        (
            LABELS[kind],
            [
                {
                    "counted": w["kinds"][kind]["counted"],
                    "on_time": w["kinds"][kind]["on_time"],
                    "pct": None
                    if w["kinds"][kind]["rate"] is None
                    else round(100 * w["kinds"][kind]["rate"]),
                }
                for w in trend
            ],
        )
        for kind, _ in QUESTIONS
    ]
    return render(
        request,
        "web/litmus.html",
        {
            "period": period,
            "periods": PERIODS,
            "recruiters": recruiters,
            "shown": shown,
            "focus": shown[0] if focus else None,
            "questions": questions,
            "weeks": [w["week_of"] for w in trend],
            "trend_rows": trend_rows,
        },
    )


def obligation_list(request: HttpRequest) -> HttpResponse:
    """The obligations behind one number of the scorecard, by name, a page at a time."""
    period = Period.of(request)
    recruiters = _recruiters(request.user)
    focus = request.GET.get("recruiter", "")
    shown = _shown(recruiters, focus)
    kind = request.GET.get("kind", "")
    kind = kind if kind in LABELS else ""
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in OUTCOMES else ""
    found = drill_down(
        owner_ids=[r.pk for r in shown],
        kind=kind or None,
        outcome=outcome or None,
        since=period.since,
        until=period.until,
        now=period.now,
    )
    page = Paginator(found, OBLIGATIONS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    listed = rows(page.object_list, period.now)
    return render(
        request,
        "web/litmus_obligations.html",
        {
            "page": page,
            "rows": listed,
            "period": period,
            "several": len(shown) > 1,
            "who": shown[0].name if len(shown) == 1 else "Team",
            "kind_label": LABELS.get(kind, "Every kind"),
            "outcome_label": OUTCOMES.get(outcome, "All"),
            "back": f"{reverse('litmus')}?{period.querystring(recruiter=focus)}",
            "querystring": params.urlencode(),
        },
    )
