"""A query compiled once answers every later run exactly as the queryset it was built from."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.lookups import Exact
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.lib.compiled import Compiled, Literal
from candidly.people.services import candidate_create


def _between(person, since, until):
    return (
        Activity.objects.filter(candidate_id=person, occurred_at__gte=since, occurred_at__lt=until)
        .order_by("occurred_at", "pk")
        .values_list("pk", "occurred_at", "kind")
    )


@pytest.fixture
def calls(recruiter, candidate, other_recruiter):
    other = candidate_create(first_name="Noor", last_name="Haddad", owner=other_recruiter)
    now = timezone.now().replace(microsecond=0)
    for who in (candidate, other):
        for hours in (1, 30, 80, 200):
            activity_log(recruiter=recruiter, candidate=who, kind="call", direction="outbound",
                         occurred_at=now - timedelta(hours=hours))  # fmt: skip
    return now, candidate, other


def test_each_run_gives_the_rows_of_its_own_values(calls):
    now, one, other = calls
    compiled = Compiled(_between)
    for person in (one.pk, other.pk):
        for since, until in ((now - timedelta(days=2), now), (now - timedelta(days=9), now)):
            expected = list(_between(person, since, until))
            got = compiled.rows(person=person, since=since, until=until)
            assert [tuple(row) for row in got] == expected
            assert all(timezone.is_aware(at) for _, at, _ in got)
    assert len(compiled.rows(person=one.pk, since=now - timedelta(days=2), until=now)) == 2
    assert compiled.rows(person=one.pk, since=now, until=now + timedelta(days=1)) == []


def test_the_shape_picks_the_statement_and_unused_values_are_ignored(calls):
    now, one, _ = calls
    kinds = Compiled(
        lambda kind, person, since: (
            Activity.objects.filter(candidate_id=person, kind=kind).order_by("pk").values_list("pk")
        )
    )
    calls_only = kinds.rows("call", person=one.pk, since=now)
    assert calls_only == list(
        Activity.objects.filter(candidate=one).order_by("pk").values_list("pk")
    )
    assert kinds.rows("email", person=one.pk, since=now) == []


def test_a_value_that_would_change_the_statement_or_is_written_into_it_is_refused(db):
    by_thread = Compiled(lambda thread: Activity.objects.filter(thread=thread).values_list("pk"))
    assert by_thread.rows(thread="<a@b>") == []
    with pytest.raises(ValueError, match="shape"):
        by_thread.rows(thread="")
    with pytest.raises(ValueError, match="shape"):
        by_thread.rows(thread=None)
    written_in = Compiled(lambda person: Activity.objects.extra(where=[f"candidate_id = {person}"]))
    with pytest.raises(ValueError, match="person"):
        written_in.rows(person=1)


def test_a_literal_is_written_into_the_statement_and_finds_the_same_rows(calls):
    _, one, _ = calls
    by_value = Activity.objects.filter(candidate=one, kind="call")
    by_literal = Activity.objects.filter(Exact(F("kind"), Literal("call")), candidate=one)
    sql, params = by_literal.query.sql_with_params()
    assert "'call'" in sql and "call" not in params
    assert list(by_literal.order_by("pk")) == list(by_value.order_by("pk")) != []
    with pytest.raises(ValueError, match="plain word"):
        Literal("call' OR '1'='1")


def test_constants_are_written_into_the_statement_and_find_the_same_rows(calls):
    now, one, _ = calls

    def outbound_calls(person, since):
        return (
            Activity.objects.filter(
                candidate_id=person, occurred_at__gte=since, kind__in=["call", "meeting"]
            )
            .filter(direction="outbound")
            .exclude(outcome="no_answer")
            .order_by("occurred_at", "pk")
            .values_list("pk", "occurred_at")
        )

    since = now - timedelta(days=4)
    compiled = Compiled(outbound_calls, constants=True)
    sql, params = compiled.statement(person=one.pk, since=since)
    assert all(f"'{word}'" in sql for word in ("call", "meeting", "outbound", "no_answer"))
    assert len(params) == 2  # the person and the moment, sent as parameters
    rows = compiled.rows(person=one.pk, since=since)
    assert rows == list(outbound_calls(one.pk, since)) and len(rows) == 3


def test_a_statement_runs_inside_another_with_its_parameters(calls):
    now, one, _ = calls
    compiled = Compiled(_between)
    since, until = now - timedelta(days=2), now
    sql, params = compiled.statement(person=one.pk, since=since, until=until)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS inner_rows", params)
        assert cursor.fetchone()[0] == len(compiled.rows(person=one.pk, since=since, until=until))
        assert cursor.fetchone() is None
    assert len(compiled.rows(person=one.pk, since=since, until=until)) == 2


def test_objects_are_the_instances_the_queryset_gives_with_what_it_selects_related(calls):
    now, one, other = calls
    found = Activity.objects.select_related("recruiter", "candidate__owner").order_by("pk")
    compiled = Compiled(
        lambda person, since: found.filter(candidate_id=person, occurred_at__gte=since)
    )
    for person in (one, other):
        got = compiled.objects(person=person.pk, since=now - timedelta(days=2))
        expected = list(found.filter(candidate=person, occurred_at__gte=now - timedelta(days=2)))
        assert got == expected and len(got) == 2
        for mine, theirs in zip(got, expected, strict=True):
            assert (mine.occurred_at, mine.kind, mine.recruiter_id) == (
                theirs.occurred_at,
                theirs.kind,
                theirs.recruiter_id,
            )
        with CaptureQueriesContext(connection) as captured:
            assert {a.candidate.owner.username for a in got} == {person.owner.username}
            assert {a.recruiter.pk for a in got} == {got[0].recruiter_id}
        assert not captured.captured_queries  # all of it came with the one statement
    assert compiled.objects(person=one.pk, since=now) == []
