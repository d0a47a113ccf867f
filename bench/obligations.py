"""The litmus engine: the Today queue, the scorecard, what upkeep adds to logging an activity,
and the rebuild of every obligation.

- Today queue: `today_queue()` for a typical recruiter and for the one with the largest
  backlog, beside the same rows (counts, the most recent overdue, the soonest ahead) fetched
  with hand-written SQL; also the Today page's server time when "/" serves one.
- Scorecard: `scorecard()` for every recruiter over the last 12 months, beside one
  hand-written GROUP BY that must return the same numbers.
- Upkeep: a mix of `activity_log` calls with obligation upkeep, beside the same calls with
  `upkeep.activity_upkeep` answering "nothing", so that the same code inserts the activity
  alone; each batch runs in a transaction that is rolled back, so every batch sees the same
  data.
- Rebuild: `obligations_rebuild()` over the whole data set (rows per second), beside
  `bulk_insert` of the rows it wrote into the emptied table, in a transaction rolled back.
"""

import contextlib
import statistics
import time
from collections.abc import Callable
from datetime import UTC, timedelta

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bench.timing import compare, queries
from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.lib.bulk import bulk_insert
from candidly.obligations import upkeep
from candidly.obligations.models import Obligation
from candidly.obligations.rebuild import CHUNK, COLUMNS, obligations_rebuild
from candidly.obligations.selectors import (
    AHEAD_SHOWN,
    COMING_DAYS,
    OVERDUE_SHOWN,
    ROW_FIELDS,
    end_of_today,
    scorecard,
    today_queue,
)
from candidly.people.models import Candidate, HiringManager
from candidly.pipeline.models import Interview

SCORECARD_DAYS = 365
UPKEEP_CANDIDATES = 8  # each gets 5 calls per batch; plus preps and manager activities
UPKEEP_INTERVIEWS = 4
UPKEEP_MANAGERS = 4
SOURCE = "bench-upkeep"  # nothing from this source outlives a batch

# --- the Today queue in hand-written SQL -----------------------------------------------------

# Each field the selector reads, as a column of the joins below.
QUEUE_COLUMNS = {
    "pk": "o.id", "kind": "o.kind", "state": "o.state", "opened_at": "o.opened_at",
    "due_at": "o.due_at", "met_at": "o.met_at", "waive_reason": "o.waive_reason",
    "waived_at": "o.waived_at", "closes_at": "o.closes_at", "step": "o.step",
    "owner_id": "o.owner_id", "owner__first_name": "u.first_name",
    "owner__last_name": "u.last_name", "owner__username": "u.username",
    "candidate_id": "o.candidate_id", "candidate__first_name": "c.first_name",
    "candidate__last_name": "c.last_name", "hiring_manager_id": "o.hiring_manager_id",
    "hiring_manager__first_name": "hm.first_name", "hiring_manager__last_name": "hm.last_name",
    "hiring_manager__company__name": "co.name", "activity__subject": "a.subject",
    "activity__kind": "a.kind", "interview_id": "o.interview_id", "interview__kind": "i.kind",
    "interview__starts_at": "i.starts_at", "interview__time_zone": "i.time_zone",
    "interview__submission__requisition__title": "ir.title", "submission_id": "o.submission_id",
    "submission__requisition__title": "sr.title", "submission__candidate__first_name":
    "sc.first_name", "submission__candidate__last_name": "sc.last_name",
    "placement__start_date": "p.start_date", "placement__submission__requisition__title":
    "pr.title",
}  # fmt: skip
QUEUE_FROM = """
FROM obligations_obligation o
JOIN accounts_user u ON u.id = o.owner_id
LEFT JOIN people_candidate c ON c.id = o.candidate_id
LEFT JOIN people_hiringmanager hm ON hm.id = o.hiring_manager_id
LEFT JOIN people_company co ON co.id = hm.company_id
LEFT JOIN activity_activity a ON a.id = o.activity_id
LEFT JOIN pipeline_interview i ON i.id = o.interview_id
LEFT JOIN pipeline_submission isub ON isub.id = i.submission_id
LEFT JOIN pipeline_requisition ir ON ir.id = isub.requisition_id
LEFT JOIN pipeline_submission s ON s.id = o.submission_id
LEFT JOIN pipeline_requisition sr ON sr.id = s.requisition_id
LEFT JOIN people_candidate sc ON sc.id = s.candidate_id
LEFT JOIN pipeline_placement p ON p.id = o.placement_id
LEFT JOIN pipeline_submission psub ON psub.id = p.submission_id
LEFT JOIN pipeline_requisition pr ON pr.id = psub.requisition_id
"""


def _moment(value):
    """A datetime as the driver wants it in a hand-written query."""
    return connection.ops.adapt_datetimefield_value(value)


def raw_queue(owner_id: int, now) -> dict:
    """The queue's three queries, by hand: counts, the most recent overdue, the soonest of the
    week ahead (open obligations that can still be met: a prep closes when its interview
    starts)."""
    select = "SELECT " + ", ".join(QUEUE_COLUMNS[name] for name in ROW_FIELDS)
    at, tonight = _moment(now), _moment(end_of_today(now))
    week = _moment(now + timedelta(days=COMING_DAYS))
    with connection.cursor() as cursor:
        doable = "(closes_at IS NULL OR closes_at > %s)"
        cursor.execute(
            f"SELECT COUNT(*) FILTER (WHERE {doable} AND due_at < %s), "
            f"COUNT(*) FILTER (WHERE {doable} AND due_at >= %s AND due_at < %s), "
            f"COUNT(*) FILTER (WHERE {doable} AND due_at >= %s) "
            "FROM obligations_obligation WHERE owner_id = %s AND state = 'open' AND due_at < %s",
            [at, at, at, at, tonight, at, tonight, owner_id, week],
        )
        counts = cursor.fetchone()
        cursor.execute(
            f"{select} {QUEUE_FROM} WHERE o.owner_id = %s AND o.state = 'open' "
            f"AND o.due_at < %s AND (o.closes_at IS NULL OR o.closes_at > %s) "
            f"ORDER BY o.due_at DESC, o.id DESC LIMIT {OVERDUE_SHOWN}",
            [owner_id, at, at],
        )
        overdue = cursor.fetchall()
        cursor.execute(
            f"{select} {QUEUE_FROM} WHERE o.owner_id = %s AND o.state = 'open' "
            f"AND o.due_at >= %s AND o.due_at < %s AND (o.closes_at IS NULL OR o.closes_at > %s) "
            f"ORDER BY o.due_at, o.id LIMIT {AHEAD_SHOWN}",
            [owner_id, at, week, at],
        )
        coming = cursor.fetchall()
    return {"counts": counts, "overdue": overdue, "coming": coming}


def _check_queue(owner_id: int, now) -> tuple[int, int, int]:
    """Both ways agree; returns (overdue, due today, coming) counts."""
    queue, raw = today_queue(owner_id, now), raw_queue(owner_id, now)
    counts = (queue.overdue_count, queue.today_count, queue.coming_count)
    assert counts == tuple(raw["counts"]), (counts, raw["counts"])
    assert [r.id for r in queue.overdue] == [row[0] for row in raw["overdue"]]
    assert [r.id for r in queue.today + queue.coming] == [row[0] for row in raw["coming"]]
    return counts


def _recruiters(now) -> tuple[int, int, list[int]]:
    """The recruiter with the median number of overdue obligations, the one with the most,
    and every owner of an obligation."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT owner_id, COUNT(*) FILTER (WHERE due_at < %s) FROM obligations_obligation "
            "WHERE state = 'open' GROUP BY owner_id ORDER BY 2, 1",
            [_moment(now)],
        )
        backlog = cursor.fetchall()
        cursor.execute("SELECT DISTINCT owner_id FROM obligations_obligation ORDER BY 1")
        owners = [pk for (pk,) in cursor.fetchall()]
    return backlog[len(backlog) // 2][0], backlog[-1][0], owners


# --- the scorecard in hand-written SQL -------------------------------------------------------


def raw_scorecard(owner_ids: list[int], since, until, now) -> dict[tuple[int, str], tuple]:
    marks = ", ".join(["%s"] * len(owner_ids))
    at = _moment(now)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT owner_id, kind, "
            "COUNT(*) FILTER (WHERE state = 'met' AND met_at <= due_at), "
            "COUNT(*) FILTER (WHERE state = 'met' AND met_at > due_at), "
            "COUNT(*) FILTER (WHERE state = 'open' AND due_at < %s), "
            "COUNT(*) FILTER (WHERE state = 'waived'), "
            "COUNT(*) FILTER (WHERE state = 'open' AND due_at >= %s) "
            "FROM obligations_obligation "
            f"WHERE due_at >= %s AND due_at < %s AND owner_id IN ({marks}) "
            "GROUP BY owner_id, kind",
            [at, at, _moment(since), _moment(until), *owner_ids],
        )
        return {(owner, kind): tuple(n) for owner, kind, *n in cursor.fetchall()}


def _scorecard_numbers(card) -> dict[tuple[int, str], tuple]:
    fields = ("on_time", "late", "missed", "waived", "pending")
    return {
        (owner, kind): numbers
        for owner, kinds in card.by_owner.items()
        for kind, tally in kinds.items()
        if any(numbers := tuple(getattr(tally, f) for f in fields))
    }


# --- activity_log with and without upkeep ----------------------------------------------------


def _upkeep_calls(now, batch: int = 0) -> list[dict]:
    """A recruiter's hour: inbound voicemails, calls and emails that open callbacks and
    replies, the calls and emails that answer them, interview prep, notes, and managers'
    feedback. The people chosen are owed something already, so the answers meet rows.

    Each `batch` (a pair of batches, in `_upkeep_figures`) has people of its own: a batch
    rolled back leaves its rows behind as dead entries in the indexes until a vacuum, and the
    same eight candidates logged for in batch after batch would be found among hundreds of
    them, which no recruiter's candidates are."""

    def part(size: int) -> slice:
        return slice(batch * size, (batch + 1) * size)

    owed = (
        Obligation.objects.filter(state="open", kind__in=["callback", "reply"])
        .order_by("candidate_id")
        .values_list("candidate_id", flat=True)
        .distinct()[part(UPKEEP_CANDIDATES)]
    )
    candidates = (
        Candidate.objects.filter(pk__in=list(owed), owner__isnull=False)
        .select_related("owner")
        .order_by("pk")
    )
    fallback = User.objects.filter(is_superuser=True).first()
    interviews = (
        Interview.objects.filter(obligation__state="open", starts_at__gt=now)
        .exclude(status=Interview.Status.CANCELLED)
        .select_related("submission__candidate__owner", "submission__requisition__recruiter")
        .order_by("starts_at", "pk")[part(UPKEEP_INTERVIEWS)]
    )
    waiting = (
        Obligation.objects.filter(state="open", kind="feedback")
        .order_by("-due_at")
        .values_list("hiring_manager_id", "owner_id")[part(UPKEEP_MANAGERS)]
    )
    managers = HiringManager.objects.in_bulk([m for m, _ in waiting])
    owners = User.objects.in_bulk([o for _, o in waiting])
    at = now - timedelta(hours=2)

    def moment():
        nonlocal at
        at += timedelta(seconds=30)
        return at

    calls = []
    for c in candidates:
        thread = f"<bench-{c.pk}@example.com>"
        mine = {"recruiter": c.owner, "candidate": c, "source": SOURCE}
        calls += [
            {**mine, "kind": "voicemail", "direction": "inbound", "occurred_at": moment()},
            {**mine, "kind": "email", "direction": "inbound", "thread": thread,
             "subject": "About the role", "occurred_at": moment()},
            {**mine, "kind": "call", "direction": "outbound", "outcome": "connected",
             "occurred_at": moment()},
            {**mine, "kind": "email", "direction": "outbound", "thread": thread,
             "subject": "Re: About the role", "occurred_at": moment()},
            {**mine, "kind": "note", "direction": "internal", "body": "Spoke about salary",
             "occurred_at": moment()},
        ]  # fmt: skip
    for i in interviews:
        s = i.submission
        calls.append(
            {"recruiter": s.requisition.recruiter or s.candidate.owner or fallback,
             "candidate": s.candidate, "interview": i, "submission": s, "kind": "prep",
             "direction": "outbound", "source": SOURCE, "occurred_at": moment()}
        )  # fmt: skip
    for manager_id, owner_id in waiting:
        mine = {"recruiter": owners[owner_id], "hiring_manager": managers[manager_id],
                "source": SOURCE}  # fmt: skip
        calls += [
            {**mine, "kind": "email", "direction": "inbound", "subject": "Feedback",
             "occurred_at": moment()},
            {**mine, "kind": "note", "direction": "internal", "body": "Manager liked them",
             "occurred_at": moment()},
        ]  # fmt: skip
    return calls


def _upkeep_figures(now, repeat: int, *, kept: bool = True) -> dict:
    """Milliseconds per call with and without upkeep, and SQL statements per call.

    Batches run in pairs, each batch in a transaction rolled back: both batches of a pair log
    for the same people (in turn first, so each side as often finds their rows in the cache),
    and each pair for people of its own. Medians over the pairs.

    `kept`: PostgreSQL's prepared statements outlive the rollbacks (see `_statements_kept`),
    as they outlive the app's commits; without it every batch starts with none."""

    def batch(calls: list[dict], with_upkeep: bool) -> tuple[float, float]:
        real = upkeep.activity_upkeep
        counted = []
        if not with_upkeep:
            upkeep.activity_upkeep = lambda activity: None
        try:
            with transaction.atomic():
                started = time.perf_counter()
                with connection.execute_wrapper(lambda ex, *a: counted.append(1) or ex(*a)):
                    for call in calls:
                        activity_log(**call)
                elapsed = (time.perf_counter() - started) * 1000
                transaction.set_rollback(True)
        finally:
            upkeep.activity_upkeep = real
        return elapsed / len(calls), len(counted) / len(calls)

    ours, reference = [], []
    with _statements_kept() if kept else contextlib.nullcontext():
        for pair in range(3 + repeat):
            calls = _upkeep_calls(now, pair)
            sides = (True, False) if pair % 2 else (False, True)
            timed = {side: batch(calls, side) for side in sides}
            if pair >= 3:  # the first three pairs warm up
                ours.append(timed[True])
                reference.append(timed[False])
    assert not Activity.objects.filter(source=SOURCE).exists(), "a batch was not rolled back"
    return {
        "ours": statistics.median(ms for ms, _ in ours),
        "reference": statistics.median(ms for ms, _ in reference),
        "ours_queries": statistics.mean(n for _, n in ours),
        "reference_queries": statistics.mean(n for _, n in reference),
        "calls": len(calls),
    }


@contextlib.contextmanager
def _statements_kept():
    """PostgreSQL's prepared statements kept across rollbacks, as they are across commits.

    After five runs of a statement the driver (psycopg) prepares it on the server, and after
    five more the server plans it once for all runs; the app keeps its connections for ten
    minutes, so its statements are past both. But at every ROLLBACK the driver deallocates
    them all, in case the transaction had created what they name; the batches here create
    nothing, and would otherwise each start colder than any request does. So for their
    duration the driver's `clear` does nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    prepared = connection.connection._prepared
    prepared.clear = lambda: False
    try:
        yield
    finally:
        del prepared.clear


# --- the rebuild -----------------------------------------------------------------------------


def _rebuild_figures() -> dict:
    """Seconds of `obligations_rebuild()` (and of each of its steps), then of `bulk_insert`
    of the rows it wrote, in chunks as the rebuild writes them, into the emptied table."""
    steps: list[tuple[str, float]] = []
    started = time.perf_counter()
    counts = obligations_rebuild(progress=lambda step: steps.append((step, time.perf_counter())))
    ended = time.perf_counter()
    marks = [("start", started), *steps, ("end", ended)]
    phases = {marks[i][0]: marks[i + 1][1] - marks[i][1] for i in range(len(marks) - 1)}

    meta = Obligation._meta
    columns = ", ".join(meta.get_field(name).column for name in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {meta.db_table} ORDER BY id")
        rows = [tuple(_naive(v) for v in row) for row in cursor.fetchall()]
    with transaction.atomic():
        Obligation.objects.all().delete()
        raw_started = time.perf_counter()
        for i in range(0, len(rows), CHUNK):
            bulk_insert(Obligation, COLUMNS, rows[i : i + CHUNK])
        raw_seconds = time.perf_counter() - raw_started
        transaction.set_rollback(True)
    if connection.vendor == "postgresql":  # the rolled-back rows leave dead tuples behind
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {meta.db_table}")
    return {
        "rows": counts["written"],
        "seconds": ended - started,
        "raw_rows": len(rows),
        "raw_seconds": raw_seconds,
        "phases": phases,
    }


def _naive(value):
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


# --- the run ---------------------------------------------------------------------------------


def run(
    repeat: int, report: Callable, report_rate: Callable, *, figures: bool, rebuild: bool
) -> None:
    if figures:
        _run_figures(repeat, report)
    if rebuild:
        _run_rebuild(report_rate)


def _run_figures(repeat: int, report: Callable) -> None:
    now = timezone.now()
    typical, largest, owners = _recruiters(now)

    # The Today queue.
    client = Client()
    for who, owner_id in (("typical recruiter", typical), ("largest backlog", largest)):
        counts = _check_queue(owner_id, now)
        label = f"Today queue, {who}"
        shown = f"{counts[0]:,} overdue, {counts[1]} today, {counts[2]} coming"
        report(
            f"{label}: data, ORM vs SQL",
            *compare(lambda o=owner_id: today_queue(o, now), lambda o=owner_id: raw_queue(o, now),
                     repeat),
            f"{queries(lambda o=owner_id: today_queue(o, now))} vs 3 queries; {shown}",
        )  # fmt: skip
        client.force_login(User.objects.get(pk=owner_id))
        response = client.get("/")
        if response.status_code != 200:
            print(f"{label + ': page':<62} {'skipped':>12}  / answers {response.status_code}")
            continue

        def page():
            assert client.get("/").status_code == 200

        report(
            f"{label}: server time vs SQL",
            *compare(page, lambda o=owner_id: raw_queue(o, now), repeat),
            f"{queries(page)} queries (2 are session and user)",
        )

    # The scorecard: every recruiter, twelve months.
    since, until = now - timedelta(days=SCORECARD_DAYS), now
    card = scorecard(owner_ids=owners, since=since, until=until, now=now)
    counted = raw_scorecard(owners, since, until, now)
    assert _scorecard_numbers(card) == counted, "scorecard and SQL disagree"
    due = sum(sum(numbers) for numbers in counted.values())
    report(
        f"scorecard, {len(owners)} recruiters × 12 months",
        *compare(
            lambda: scorecard(owner_ids=owners, since=since, until=until, now=now),
            lambda: raw_scorecard(owners, since, until, now),
            repeat,
        ),
        f"{queries(lambda: scorecard(owner_ids=owners, since=since, until=until, now=now))}"
        f" query; {due:,} obligations due in the period; numbers equal",
    )

    # activity_log with upkeep, and without; on PostgreSQL also with no prepared statements.
    for kept in (True, False) if connection.vendor == "postgresql" else (True,):
        figures = _upkeep_figures(now, repeat, kept=kept)
        overhead = figures["ours"] / figures["reference"] - 1
        report(
            f"activity_log ×{figures['calls']}, per call: with upkeep vs without"
            + ("" if kept else ", cold"),
            figures["ours"],
            figures["reference"],
            f"upkeep adds {overhead:+.0%}; {figures['ours_queries']:.1f} vs "
            f"{figures['reference_queries']:.1f} queries per call"
            + ("" if kept else "; every batch starts with no prepared statement"),
        )


def _run_rebuild(report_rate: Callable) -> None:
    result = _rebuild_figures()
    ours = result["rows"] / result["seconds"]
    raw = result["raw_rows"] / result["raw_seconds"]
    report_rate(
        f"obligations rebuild ({result['rows']:,} rows, {result['seconds']:,.0f} s)",
        ours,
        raw,
        f"rows per second: rebuild vs bulk_insert of the same rows "
        f"({result['raw_seconds']:,.1f} s)",
    )
    phases = ", ".join(f"{step} {seconds:,.1f} s" for step, seconds in result["phases"].items())
    print(f"  rebuild steps: {phases}")
