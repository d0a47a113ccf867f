"""The candidate page and a filtered candidate list.

Three figures for each page:
- server time: the whole request through Django's test client (middleware, session, view,
  template), beside the page's rows fetched with hand-written SQL;
- the view: our view function beside the same page built from hand-written SQL and rendered
  with the same template and form (what the ORM and selectors cost, everything else equal);
- data: our selectors' fetch alone beside the hand-written SQL alone.
"""

from datetime import UTC, datetime
from types import SimpleNamespace

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.shortcuts import render
from django.test import Client, RequestFactory

from bench.timing import compare, queries
from candidly.accounts.models import User
from candidly.activity.lists import candidate_search, filter_choices, list_rows
from candidly.activity.models import Activity
from candidly.activity.selectors import TimelineEntry, candidate_submissions, candidate_timeline
from candidly.activity.services import activity_log
from candidly.people.models import Candidate, ContactPoint
from candidly.pipeline.models import Interview, Offer, Stage
from candidly.web import views
from candidly.web.forms import ActivityForm

TIMELINE_ACTIVITIES = 50
KIND, DIRECTION = dict(Activity.Kind.choices), dict(Activity.Direction.choices)
OUTCOME, STAGE = dict(Activity.Outcome.choices), dict(Stage.choices)
CONTACT = dict(ContactPoint.Kind.choices)


def candidate_with_timeline() -> Candidate:
    """A candidate with at least TIMELINE_ACTIVITIES activities (topped up through the service)."""
    candidate = Candidate.objects.filter(submissions__isnull=False).order_by("pk").first()
    have = Activity.objects.filter(candidate=candidate).count()
    recruiter = candidate.owner or User.objects.first()
    for i in range(have, TIMELINE_ACTIVITIES):
        activity_log(
            recruiter=recruiter,
            candidate=candidate,
            kind="note",
            direction="internal",
            body=f"Benchmark note {i}",
            source="bench",
            external_id=f"timeline-{candidate.pk}-{i}",
        )
    return candidate


def _rows(cursor, sql, params):
    cursor.execute(sql, params)
    return cursor.fetchall()


# --- the candidate page in hand-written SQL ------------------------------------------------


def _candidate_rows(pk: int) -> dict:
    with connection.cursor() as cursor:
        sub_ids = "SELECT id FROM pipeline_submission WHERE candidate_id = %s"
        join_req = (
            "JOIN pipeline_submission s ON s.id = x.submission_id "
            "JOIN pipeline_requisition r ON r.id = s.requisition_id "
            "JOIN people_company co ON co.id = r.company_id"
        )
        return {
            "candidate": _rows(
                cursor,
                "SELECT c.id, c.first_name, c.last_name, c.headline, c.current_company, "
                "c.location, c.skills, c.source, c.time_zone, u.first_name, u.last_name "
                "FROM people_candidate c LEFT JOIN accounts_user u ON u.id = c.owner_id "
                "WHERE c.id = %s",
                [pk],
            )[0],
            "contacts": _rows(
                cursor,
                "SELECT kind, value FROM people_contactpoint WHERE candidate_id = %s ORDER BY "
                "kind, id",
                [pk],
            ),
            "submissions": _rows(
                cursor,
                "SELECT s.id, s.stage, r.id, r.title, co.name FROM pipeline_submission s "
                "JOIN pipeline_requisition r ON r.id = s.requisition_id "
                "JOIN people_company co ON co.id = r.company_id WHERE s.candidate_id = %s "
                "ORDER BY s.created_at DESC",
                [pk],
            ),
            "activities": _rows(
                cursor,
                "SELECT a.occurred_at, a.kind, a.direction, a.outcome, a.subject, a.body, "
                "a.minutes, u.first_name, u.last_name FROM activity_activity a "
                "JOIN accounts_user u ON u.id = a.recruiter_id WHERE a.candidate_id = %s "
                "ORDER BY a.occurred_at DESC, a.id DESC LIMIT 200",
                [pk],
            ),
            "stages": _rows(
                cursor,
                f"SELECT x.changed_at, x.from_stage, x.to_stage, r.title, co.name "
                f"FROM pipeline_stagechange x {join_req} WHERE x.submission_id IN ({sub_ids})",
                [pk],
            ),
            "interviews": _rows(
                cursor,
                f"SELECT x.starts_at, x.kind, x.time_zone, x.status, r.title, co.name "
                f"FROM pipeline_interview x {join_req} WHERE s.candidate_id = %s",
                [pk],
            ),
            "offers": _rows(
                cursor,
                f"SELECT x.extended_at, x.decided_at, x.status, x.decline_reason, r.title, "
                f"co.name FROM pipeline_offer x {join_req} WHERE s.candidate_id = %s",
                [pk],
            ),
            "placements": _rows(
                cursor,
                f"SELECT x.created_at, x.start_date, r.title, co.name "
                f"FROM pipeline_placement x {join_req} WHERE s.candidate_id = %s",
                [pk],
            ),
        }


def _aware(value):
    # SQLite hands back naive UTC datetimes (or text), PostgreSQL aware ones.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _raw_candidate_context(pk: int) -> dict:
    """The candidate page's context built from hand-written SQL rows."""
    rows = _candidate_rows(pk)
    cid, first, last, headline, company, location, skills, source, tz, o_first, o_last = rows[
        "candidate"
    ]
    candidate = SimpleNamespace(
        pk=cid, full_name=f"{first} {last}", headline=headline, current_company=company,
        location=location, skills=skills, skill_list=[s.strip() for s in skills.split(",")],
        source=source, time_zone=tz, owner=f"{o_first} {o_last}",
        contact_points=SimpleNamespace(all=[
            SimpleNamespace(kind=k, value=v, get_kind_display=CONTACT[k])
            for k, v in rows["contacts"]
        ]),
    )  # fmt: skip
    submissions = [
        SimpleNamespace(
            pk=sid, stage=stage, get_stage_display=lambda stage=stage: STAGE[stage],
            requisition=SimpleNamespace(title=title, get_absolute_url=f"/requisitions/{rid}/",
                                        company=SimpleNamespace(name=company)),
        )
        for sid, stage, rid, title, company in rows["submissions"]
    ]  # fmt: skip
    timeline = []
    for at, kind, direction, outcome, subject, body, minutes, r_first, r_last in rows["activities"]:
        title = f"{DIRECTION[direction]} {KIND[kind].lower()}"
        if outcome:
            title += f" · {OUTCOME[outcome].lower()}"
        detail = " — ".join(p for p in (subject, body) if p)
        timeline.append(
            TimelineEntry(
                _aware(at), "activity", title, detail, f"{r_first} {r_last}", minutes, kind
            )
        )
    for at, _, to_stage, title, company in rows["stages"]:
        timeline.append(TimelineEntry(_aware(at), "stage", f"{STAGE[to_stage]}: {title}", company))
    for at, kind, tz, _, title, _company in rows["interviews"]:
        label = dict(Interview.Kind.choices)[kind]
        timeline.append(TimelineEntry(_aware(at), "interview", f"{label} interview: {title}", tz))
    for extended, decided, status, _, title, _company in rows["offers"]:
        timeline.append(TimelineEntry(_aware(extended), "offer", f"Offer extended: {title}"))
        if decided:
            label = dict(Offer.Status.choices)[status].lower()
            timeline.append(TimelineEntry(_aware(decided), "offer", f"Offer {label}: {title}"))
    for at, _start, title, company in rows["placements"]:
        timeline.append(TimelineEntry(_aware(at), "placement", f"Placed: {title}", company))
    timeline.sort(key=lambda e: e.at, reverse=True)
    return {
        "candidate": candidate,
        "submissions": submissions,
        "timeline": timeline,
        "form": ActivityForm(submissions=submissions),
        "log_url": f"/candidates/{pk}/log/",
    }


# --- the candidate list in hand-written SQL ------------------------------------------------


def _list_rows(owner_id: int, page: int, per_page: int) -> dict:
    with connection.cursor() as cursor:
        count = _rows(
            cursor, "SELECT COUNT(*) FROM people_candidate WHERE owner_id = %s", [owner_id]
        )
        candidates = _rows(
            cursor,
            "SELECT c.id, c.first_name, c.last_name, c.headline, c.current_company, c.skills, "
            "u.first_name, u.last_name "
            "FROM people_candidate c LEFT JOIN accounts_user u ON u.id = c.owner_id "
            "WHERE c.owner_id = %s ORDER BY c.last_name, c.first_name, c.id LIMIT %s OFFSET %s",
            [owner_id, per_page, (page - 1) * per_page],
        )
        ids = [row[0] for row in candidates]
        marks = ", ".join(["%s"] * len(ids))
        last = dict(
            _rows(
                cursor,
                f"SELECT candidate_id, MAX(occurred_at) FROM activity_activity "
                f"WHERE candidate_id IN ({marks}) GROUP BY candidate_id",
                ids,
            )
        )
        contacts = _rows(
            cursor,
            f"SELECT candidate_id, kind, value FROM people_contactpoint "
            f"WHERE candidate_id IN ({marks}) ORDER BY kind, id",
            ids,
        )
        users = _rows(
            cursor,
            "SELECT id, first_name, last_name, username FROM accounts_user WHERE is_active",
            [],
        )
        companies = _rows(cursor, "SELECT id, name FROM people_company ORDER BY name", [])
    return {"count": count[0][0], "candidates": candidates, "contacts": contacts,
            "last": last, "users": users, "companies": companies}  # fmt: skip


def _raw_list_context(request, owner_id: int, page_number: int, per_page: int) -> dict:
    rows = _list_rows(owner_id, page_number, per_page)
    by_candidate: dict[int, list] = {}
    for cid, kind, value in rows["contacts"]:
        by_candidate.setdefault(cid, []).append((kind, value))
    page_rows = [
        {"pk": cid, "first_name": first, "last_name": last, "headline": headline,
         "current_company": company, "skills": skills, "owner": f"{o_first} {o_last}",
         "last_activity_at": _aware(rows["last"].get(cid)),
         "emails": [v for k, v in by_candidate.get(cid, []) if k == "email"],
         "phones": [v for k, v in by_candidate.get(cid, []) if k == "phone"]}
        for cid, first, last, headline, company, skills, o_first, o_last in rows["candidates"]
    ]  # fmt: skip
    paginator = Paginator(range(rows["count"]), per_page)
    return {
        "form": views.CandidateSearchForm(request.GET),
        "page": paginator.get_page(page_number),
        "rows": page_rows,
        "querystring": f"owner={owner_id}",
        "recruiters": [(pk, f"{f} {la}".strip() or u) for pk, f, la, u in rows["users"]],
        "companies": rows["companies"],
        "stages": Stage.choices,
    }


# --- the run -------------------------------------------------------------------------------


def run(repeat: int, report) -> None:
    client = Client()
    lead = User.objects.filter(is_superuser=True).first()
    client.force_login(lead)
    factory = RequestFactory()

    def request(url):
        req = factory.get(url)
        req.user = lead
        req.htmx = False
        req._messages = []
        return req

    # The candidate page.
    candidate = candidate_with_timeline()
    pk = candidate.pk
    url = f"/candidates/{pk}/"

    def page():
        assert client.get(url).status_code == 200

    def view():
        views.candidate_detail(request(url), pk)

    def raw_view():
        render(request(url), "web/candidate_detail.html", _raw_candidate_context(pk))

    def data():
        found = views._candidate(pk)
        candidate_timeline(found, submissions=candidate_submissions(found))

    def raw_data():
        _candidate_rows(pk)

    label = f"candidate page ({TIMELINE_ACTIVITIES} activities)"
    report(f"{label}: server time vs SQL", *compare(page, raw_data, repeat),
           f"{queries(page)} queries (2 are session and user)")  # fmt: skip
    report(f"{label}: view vs view on SQL", *compare(view, raw_view, repeat),
           "same template and form")  # fmt: skip
    report(f"{label}: data, ORM vs SQL", *compare(data, raw_data, repeat),
           f"{queries(data)} vs {queries(raw_data)} queries")  # fmt: skip

    # A filtered candidate list.
    owner = User.objects.filter(candidates__isnull=False).order_by("pk").first()
    per_page = settings.CANDIDATES_PER_PAGE
    list_url = f"/candidates/?owner={owner.pk}&page=3"

    def list_page():
        assert client.get(list_url).status_code == 200

    def list_view():
        views.candidate_list(request(list_url))

    def raw_list_view():
        req = request(list_url)
        render(req, "web/candidate_list.html", _raw_list_context(req, owner.pk, 3, per_page))

    def list_data():
        list_rows(Paginator(candidate_search(owner_id=owner.pk), per_page).get_page(3).object_list)
        filter_choices()

    def raw_list_data():
        _list_rows(owner.pk, 3, per_page)

    label = "candidate list, one recruiter, page 3"
    report(f"{label}: server time vs SQL", *compare(list_page, raw_list_data, repeat),
           f"{queries(list_page)} queries (2 are session and user)")  # fmt: skip
    report(f"{label}: view vs view on SQL", *compare(list_view, raw_list_view, repeat),
           "same template")  # fmt: skip
    report(f"{label}: data, ORM vs SQL", *compare(list_data, raw_list_data, repeat),
           f"{queries(list_data)} vs {queries(raw_list_data)} queries")  # fmt: skip
