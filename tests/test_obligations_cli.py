"""`candidly today`, `candidly litmus` and `candidly obligations rebuild` print what the pages
show, as text and as JSON."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from candidly.activity.services import activity_log
from candidly.obligations.models import Obligation


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def owed(recruiter, candidate):
    """A voicemail from three days ago, never returned, and an email answered at once."""
    now = timezone.now()
    activity_log(recruiter=recruiter, candidate=candidate, kind="voicemail", direction="inbound",
                 occurred_at=now - timedelta(days=3))  # fmt: skip
    activity_log(recruiter=recruiter, candidate=candidate, kind="email", direction="inbound",
                 subject="Pay", occurred_at=now - timedelta(days=3, hours=2))  # fmt: skip
    activity_log(recruiter=recruiter, candidate=candidate, kind="email", direction="outbound",
                 occurred_at=now - timedelta(days=3, hours=1))  # fmt: skip
    return recruiter


def test_today_lists_the_overdue_callback_by_name(owed):
    text = run("today", "--user", "alex")
    assert "1 overdue" in text and "Jordan Ellis" in text and "Call back" in text
    data = json.loads(run("today", "--user", "alex", "--json"))
    assert data["counts"] == {"overdue": 1, "due_today": 0, "coming": 0}
    [row] = data["overdue"]
    assert (row["person"], row["kind"], row["outcome"]) == ("Jordan Ellis", "callback", "missed")


def test_litmus_counts_what_was_due_in_the_period(owed):
    week = (timezone.localdate() - timedelta(days=7)).isoformat()
    data = json.loads(run("litmus", "--since", week, "--json"))
    [alex] = data["recruiters"]
    assert alex["name"] == "alex"
    assert alex["kinds"]["callback"] | {"on_time_rate": None} == {
        "due": 1, "on_time": 0, "late": 0, "missed": 1, "waived": 0, "not_yet_due": 0,
        "on_time_rate": None, "always": False,
    }  # fmt: skip
    assert alex["kinds"]["reply"]["on_time"] == 1
    assert alex["kinds"]["reply"]["always"] is True
    assert data["team"]["callback"]["missed"] == 1
    assert "Do I always call my candidates back?" in run("litmus", "--user", "alex")
    default = json.loads(run("litmus", "--json"))  # this month so far, as on the page
    assert default["since"] == timezone.localdate().replace(day=1).isoformat()
    empty = json.loads(run("litmus", "--since", "2020-01-01", "--until", "2020-01-31", "--json"))
    assert empty["recruiters"] == []


def test_bad_arguments_are_refused_plainly(db):
    with pytest.raises(CommandError, match="No user called"):
        run("today", "--user", "nobody")
    with pytest.raises(CommandError, match="not a date"):
        run("litmus", "--since", "last week")
    with pytest.raises(CommandError, match="must not be after"):
        run("litmus", "--since", "2026-02-01", "--until", "2026-01-01")


def test_rebuild_reports_what_it_wrote(owed):
    before = sorted(Obligation.objects.values_list("key", "state", "met_at"))
    data = json.loads(run("obligations", "rebuild", "--json"))
    assert (data["written"], data["open"], data["met"]) == (2, 1, 1)
    assert sorted(Obligation.objects.values_list("key", "state", "met_at")) == before
