"""The candidate page and a filtered candidate list: server time and queries, beside the same
data fetched with hand-written SQL."""

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.people.models import Candidate

TIMELINE_ACTIVITIES = 50


def _median_ms(fn, repeat: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def candidate_with_timeline() -> Candidate:
    """A candidate with exactly TIMELINE_ACTIVITIES activities (topped up through the service)."""
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


def _raw(sql_and_params):
    def run():
        with connection.cursor() as cursor:
            for sql, params in sql_and_params():
                cursor.execute(sql, params)
                cursor.fetchall()

    return run


def _candidate_sql(pk: int):
    def queries():
        subs = "SELECT id FROM pipeline_submission WHERE candidate_id = %s"
        yield (
            "SELECT c.*, u.username, u.first_name, u.last_name FROM people_candidate c "
            "LEFT JOIN accounts_user u ON u.id = c.owner_id WHERE c.id = %s",
            [pk],
        )
        yield "SELECT * FROM people_contactpoint WHERE candidate_id = %s", [pk]
        yield (
            "SELECT s.*, r.title, r.status, co.name, m.first_name, m.last_name "
            "FROM pipeline_submission s JOIN pipeline_requisition r ON r.id = s.requisition_id "
            "JOIN people_company co ON co.id = r.company_id "
            "JOIN people_hiringmanager m ON m.id = r.hiring_manager_id "
            "WHERE s.candidate_id = %s",
            [pk],
        )
        yield (
            "SELECT a.*, u.first_name, u.last_name FROM activity_activity a "
            "JOIN accounts_user u ON u.id = a.recruiter_id WHERE a.candidate_id = %s "
            "ORDER BY a.occurred_at DESC, a.id DESC LIMIT 200",
            [pk],
        )
        yield (
            "SELECT sc.*, r.title, co.name FROM pipeline_stagechange sc "
            "JOIN pipeline_submission s ON s.id = sc.submission_id "
            "JOIN pipeline_requisition r ON r.id = s.requisition_id "
            "JOIN people_company co ON co.id = r.company_id "
            f"WHERE sc.submission_id IN ({subs}) ORDER BY sc.changed_at DESC LIMIT 200",
            [pk],
        )
        for table in ("pipeline_interview", "pipeline_offer", "pipeline_placement"):
            yield (
                f"SELECT x.*, r.title, co.name FROM {table} x "
                "JOIN pipeline_submission s ON s.id = x.submission_id "
                "JOIN pipeline_requisition r ON r.id = s.requisition_id "
                "JOIN people_company co ON co.id = r.company_id WHERE s.candidate_id = %s",
                [pk],
            )

    return queries


def _list_sql(owner_id: int, page: int, per_page: int):
    def queries():
        yield "SELECT * FROM accounts_user WHERE is_active ORDER BY first_name, last_name", []
        yield "SELECT * FROM people_company ORDER BY name", []
        yield "SELECT COUNT(*) FROM people_candidate WHERE owner_id = %s", [owner_id]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.*, u.username, (SELECT a.occurred_at FROM activity_activity a "
                "WHERE a.candidate_id = c.id ORDER BY a.occurred_at DESC LIMIT 1) "
                "FROM people_candidate c LEFT JOIN accounts_user u ON u.id = c.owner_id "
                "WHERE c.owner_id = %s ORDER BY c.last_name, c.first_name, c.id "
                "LIMIT %s OFFSET %s",
                [owner_id, per_page, (page - 1) * per_page],
            )
            ids = [row[0] for row in cursor.fetchall()]
        marks = ", ".join(["%s"] * len(ids))
        yield f"SELECT * FROM people_contactpoint WHERE candidate_id IN ({marks})", ids

    return queries


def run(repeat: int, report) -> None:
    from django.conf import settings

    client = Client()
    lead = User.objects.filter(is_superuser=True).first()
    client.force_login(lead)

    candidate = candidate_with_timeline()
    url = f"/candidates/{candidate.pk}/"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    page_ms = _median_ms(lambda: client.get(url), repeat)
    raw_ms = _median_ms(_raw(_candidate_sql(candidate.pk)), repeat)
    report(
        f"candidate page ({TIMELINE_ACTIVITIES} activities)",
        page_ms,
        raw_ms,
        f"{len(queries)} queries",
    )

    owner = User.objects.filter(candidates__isnull=False).order_by("pk").first()
    per_page = settings.CANDIDATES_PER_PAGE
    url = f"/candidates/?owner={owner.pk}&page=3"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    page_ms = _median_ms(lambda: client.get(url), repeat)
    raw_ms = _median_ms(_raw(_list_sql(owner.pk, 3, per_page)), repeat)
    report("candidate list, one recruiter, page 3", page_ms, raw_ms, f"{len(queries)} queries")
