"""The litmus engine: the Today queue, the scorecard, what upkeep adds to logging an activity,
and the rebuild of every obligation.

- Today queue: `today_queue()` for a typical recruiter and for the one with the largest
  backlog, beside the same rows (counts, the most recent overdue, the soonest ahead) fetched
  with hand-written SQL; also the Today page's server time when "/" serves one.
- Scorecard: `scorecard()` for every recruiter over the last 12 months, beside one
  hand-written GROUP BY that must return the same numbers.
- Upkeep: a mix of `activity_log` calls with obligation upkeep, beside the same calls with
  `upkeep.activity_upkeep` answering "nothing", so that the same code inserts the activity
  alone; each person's calls run both ways side by side, each run rolled back, so both see
  the same data.
- Rebuild: `obligations_rebuild()` over the whole data set (rows per second), beside
  `bulk_insert` of the rows it wrote into the emptied table, in a transaction rolled back.
"""

import contextlib
import itertools
import math
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
UPKEEP_WARM_UP = 3  # batches before those timed
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


def _upkeep_batches(now, count: int) -> list[list[list[dict]]]:
    """Up to `count` batches of a recruiter's hour, each a list of units: the calls about one
    person. Inbound voicemails, calls and emails that open callbacks and replies, the calls
    and emails that answer them, and a note, for a candidate; a prep for an interview; an
    email and a note for a manager. The people chosen are owed something already, so the
    answers meet rows, and each person appears in one batch only (see `_upkeep_figures`).
    Fewer batches when the data set has fewer such people."""
    owed = list(
        Obligation.objects.filter(state="open", kind__in=["callback", "reply"])
        .order_by("candidate_id")
        .values_list("candidate_id", flat=True)
        .distinct()[: count * UPKEEP_CANDIDATES * 2]
    )
    candidates = list(
        Candidate.objects.filter(pk__in=owed, owner__isnull=False)
        .select_related("owner")
        .order_by("pk")[: count * UPKEEP_CANDIDATES]
    )
    interviews = list(
        Interview.objects.filter(obligation__state="open", starts_at__gt=now)
        .exclude(status=Interview.Status.CANCELLED)
        .select_related("submission__candidate__owner", "submission__requisition__recruiter")
        .order_by("starts_at", "pk")[: count * UPKEEP_INTERVIEWS]
    )
    waiting = list(
        Obligation.objects.filter(state="open", kind="feedback")
        .order_by("-due_at", "pk")
        .values_list("hiring_manager_id", "owner_id")[: count * UPKEEP_MANAGERS]
    )
    managers = HiringManager.objects.in_bulk([m for m, _ in waiting])
    owners = User.objects.in_bulk([o for _, o in waiting])
    fallback = User.objects.filter(is_superuser=True).first()
    count = min(
        count,
        len(candidates) // UPKEEP_CANDIDATES,
        len(interviews) // UPKEEP_INTERVIEWS,
        len(waiting) // UPKEEP_MANAGERS,
    )

    def moment():  # each batch's calls 30 seconds apart, over the two hours before now
        nonlocal at
        at += timedelta(seconds=30)
        return at

    def candidate_unit(c: Candidate) -> list[dict]:
        thread = f"<bench-{c.pk}@example.com>"
        mine = {"recruiter": c.owner, "candidate": c, "source": SOURCE}
        return [
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

    def prep_unit(i: Interview) -> list[dict]:
        s = i.submission
        return [
            {"recruiter": s.requisition.recruiter or s.candidate.owner or fallback,
             "candidate": s.candidate, "interview": i, "submission": s, "kind": "prep",
             "direction": "outbound", "source": SOURCE, "occurred_at": moment()}
        ]  # fmt: skip

    def manager_unit(manager_id: int, owner_id: int) -> list[dict]:
        mine = {"recruiter": owners[owner_id], "hiring_manager": managers[manager_id],
                "source": SOURCE}  # fmt: skip
        return [
            {**mine, "kind": "email", "direction": "inbound", "subject": "Feedback",
             "occurred_at": moment()},
            {**mine, "kind": "note", "direction": "internal", "body": "Manager liked them",
             "occurred_at": moment()},
        ]  # fmt: skip

    def part(items: list, size: int, n: int) -> list:
        return items[n * size : (n + 1) * size]

    batches = []
    for n in range(count):
        at = now - timedelta(hours=2)
        batches.append(
            [candidate_unit(c) for c in part(candidates, UPKEEP_CANDIDATES, n)]
            + [prep_unit(i) for i in part(interviews, UPKEEP_INTERVIEWS, n)]
            + [manager_unit(*w) for w in part(waiting, UPKEEP_MANAGERS, n)]
        )
    return batches


def _upkeep_figures(
    batches: list[list[list[dict]]], *, kept: bool = True, control: bool = False
) -> dict:
    """Milliseconds per call with and without upkeep, the overhead with its 95% interval, and
    SQL statements per call, over `batches` (from `_upkeep_batches`; the first
    UPKEEP_WARM_UP warm up).

    This machine's speed drifts from one second to the next, so the two sides are measured
    side by side at the finest grain that keeps their work the same: each unit (the calls
    about one person) runs with upkeep and without, in turn first, each run undone by
    rolling back to a savepoint before the other. A batch's overhead is its units' time with
    upkeep over their time without; the figure is the median over the batches. Each batch
    has people of its own: a rolled-back run leaves dead index entries behind until a
    vacuum, which the same people logged for batch after batch would wade through.

    `kept`: PostgreSQL's prepared statements outlive the rollbacks (see `_statements_kept`),
    as they outlive the app's commits; without it, none is ever prepared.
    `control`: upkeep off on both sides, so the overhead found is the method's own error."""
    counted = {True: 0, False: 0}
    counting: list[bool | None] = [None]

    def tally(execute, *args):
        if counting[0] is not None:
            counted[counting[0]] += 1
        return execute(*args)

    def unit_ms(calls: list[dict], with_upkeep: bool) -> float:
        real = upkeep.activity_upkeep
        point = transaction.savepoint()
        if control or not with_upkeep:
            upkeep.activity_upkeep = lambda activity: None
        try:
            counting[0] = with_upkeep
            started = time.perf_counter()
            for call in calls:
                activity_log(**call)
            elapsed = (time.perf_counter() - started) * 1000
        finally:
            counting[0] = None
            upkeep.activity_upkeep = real
            transaction.savepoint_rollback(point)
        return elapsed

    ours, reference, ratios, measured = [], [], [], 0
    by_turn: dict[bool, list[float]] = {True: [], False: []}  # run first, run second
    with (
        _statements_kept() if kept else contextlib.nullcontext(),
        connection.execute_wrapper(tally),
    ):
        for n, units in enumerate(batches):
            timed = dict.fromkeys(itertools.product((True, False), repeat=2), 0.0)
            with transaction.atomic():
                for u, calls in enumerate(units):
                    first = (n + u) % 2 == 0  # whether upkeep's run comes first
                    for side in (True, False) if first else (False, True):
                        timed[side, side == first] += unit_ms(calls, side)
                transaction.set_rollback(True)
            if n == UPKEEP_WARM_UP - 1:
                counted.update({True: 0, False: 0})
            if n >= UPKEEP_WARM_UP:
                calls = sum(len(calls) for calls in units)
                measured += calls
                with_ms = timed[True, True] + timed[True, False]
                without_ms = timed[False, True] + timed[False, False]
                ours.append(with_ms / calls)
                reference.append(without_ms / calls)
                ratios.append(with_ms / without_ms)
                for turn in (True, False):
                    by_turn[turn].append(timed[True, turn] / timed[False, turn])
    assert not Activity.objects.filter(source=SOURCE).exists(), "a batch was not rolled back"
    _vacuum(Activity, Obligation)
    return {
        "ours": statistics.median(ours),
        "reference": statistics.median(reference),
        "overhead": statistics.median(ratios) - 1,
        "interval": tuple(r - 1 for r in _median_interval(ratios)),
        "first": statistics.median(by_turn[True]) - 1,
        "second": statistics.median(by_turn[False]) - 1,
        "ours_queries": counted[True] / measured,
        "reference_queries": counted[False] / measured,
        "calls": sum(len(calls) for calls in batches[0]),
        "batches": len(ratios),
    }


def _median_interval(values: list[float]) -> tuple[float, float]:
    """A 95% confidence interval for the median of `values`, from their order alone (the
    ranks n/2 ± 0.98·√n), which assumes nothing of how they are spread."""
    ordered = sorted(values)
    n = len(ordered)
    low = max(0, math.floor(n / 2 - 0.98 * math.sqrt(n)) - 1)
    high = min(n - 1, math.ceil(n / 2 + 0.98 * math.sqrt(n)))
    return ordered[low], ordered[high]


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
    _vacuum(Obligation)
    return {
        "rows": counts["written"],
        "seconds": ended - started,
        "raw_rows": len(rows),
        "raw_seconds": raw_seconds,
        "phases": phases,
    }


def _vacuum(*models) -> None:
    """On PostgreSQL, clear away the dead tuples that rolled-back rows leave behind, so the
    next run (which chooses the same people) does not find this run's in its indexes."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(m._meta.db_table for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {tables}")


def _naive(value):
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


# --- the run ---------------------------------------------------------------------------------


def run(
    repeat: int,
    report: Callable,
    report_rate: Callable,
    *,
    figures: bool,
    rebuild: bool,
    upkeep_batches: int,
) -> None:
    if figures:
        _run_figures(repeat, report, upkeep_batches)
    if rebuild:
        _run_rebuild(report_rate)


def _run_figures(repeat: int, report: Callable, upkeep_batches: int) -> None:
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

    # activity_log with upkeep, and without; on PostgreSQL also with no prepared statements;
    # then without upkeep on both sides, which gives the method's own error.
    runs = [("with upkeep vs without", {})]
    if connection.vendor == "postgresql":
        runs.append(("with upkeep vs without, cold", {"kept": False}))
    runs.append(("control, no upkeep on either side", {"control": True}))
    batches = _upkeep_batches(now, UPKEEP_WARM_UP + upkeep_batches)  # the same for every run
    for label, options in runs:
        figures = _upkeep_figures(batches, **options)
        low, high = figures["interval"]
        control = options.get("control", False)
        places = 1 if control else 0
        found = (
            f"{figures['overhead']:+.{places}%} (95% interval {low:+.{places}%} to "
            f"{high:+.{places}%}, {figures['batches']} batches)"
        )
        if control:
            note = f"the method's own error: {found}"
        else:
            note = (
                f"upkeep adds {found}; {figures['ours_queries']:.1f} vs "
                f"{figures['reference_queries']:.1f} queries per call"
                + ("" if options.get("kept", True) else "; no statement ever prepared")
            )
        report(
            f"activity_log ×{figures['calls']}, per call: {label}",
            figures["ours"],
            figures["reference"],
            note,
        )
        if not control:
            print(
                f"  upkeep adds {figures['first']:+.0%} to the run of a person's calls that "
                f"comes first (cold pages), {figures['second']:+.0%} to the one that comes "
                "second"
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
