"""The demo agency: the size the product promises, valid for the database, the same every
time for a seed and a day, and with recruiters whose habits differ plainly."""

import hashlib
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.demo.builder import DemoBuilder
from candidly.people.models import Candidate, Company, HiringManager
from candidly.pipeline.models import Interview, Offer, Placement, Requisition

END = datetime(2026, 6, 1, 17, tzinfo=UTC)


def _digest() -> str:
    # Compared by content, not by ids the database hands out.
    rows = Activity.objects.order_by("id").values_list(
        "kind", "direction", "candidate__last_name", "hiring_manager__last_name", "occurred_at",
        "minutes", "recruiter__username",
    )  # fmt: skip
    names = Candidate.objects.order_by("id").values_list(
        "first_name", "last_name", "owner__username"
    )
    return hashlib.sha256(repr((list(rows), list(names))).encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_the_same_seed_builds_the_same_agency():
    DemoBuilder(candidates=150, seed=3, end=END).build()
    first = _digest()
    call_command("flush", interactive=False, verbosity=0)
    DemoBuilder(candidates=150, seed=3, end=END).build()
    assert _digest() == first
    call_command("flush", interactive=False, verbosity=0)
    DemoBuilder(candidates=150, seed=4, end=END).build()
    assert _digest() != first


@pytest.mark.django_db
def test_the_demo_agency_has_the_promised_size_and_shape(capsys):
    call_command("demo", verbosity=0)
    assert User.objects.count() == 9
    assert Company.objects.count() == 40
    assert HiringManager.objects.count() == 120
    assert Requisition.objects.count() == 250
    assert Candidate.objects.count() == 4000
    assert Activity.objects.count() >= 60_000
    assert Interview.objects.count() > 1000
    assert Offer.objects.filter(status="accepted").count() > 100
    assert Offer.objects.filter(status="declined").exclude(decline_reason="").count() > 20
    assert Placement.objects.count() > 100
    assert Candidate.objects.filter(referred_by_candidate__isnull=False).count() > 100
    first, last = Activity.objects.order_by("occurred_at").values_list("occurred_at", flat=True)[
        :: Activity.objects.count() - 1
    ]
    assert (last - first).days > 2 * 365
    assert "Log in as sofia" in capsys.readouterr().out

    # Habits show: the careful recruiter preps almost every interview, the careless one rarely.
    prep = Interview.objects.filter(status="completed").aggregate(
        **{
            f"{u}_{k}": Count("pk", filter=Q(submission__requisition__recruiter__username=u)
                              & (Q(activities__kind="prep") if k == "prepped" else Q()))
            for u in ("maya", "ryan")
            for k in ("all", "prepped")
        }
    )  # fmt: skip
    assert prep["maya_prepped"] / prep["maya_all"] > 0.9
    assert prep["ryan_prepped"] / prep["ryan_all"] < 0.45

    # New candidates get fresh ids after the bulk load, on every database.
    extra = Candidate.objects.create(first_name="After", last_name="Demo")
    assert extra.pk > 4000


@pytest.mark.django_db
def test_the_demo_never_loads_over_existing_candidates(candidate, capsys):
    with pytest.raises(CommandError, match="already has 1 candidates"):
        call_command("demo", candidates=10, verbosity=0)
    call_command("demo", candidates=10, if_empty=True, verbosity=0)
    assert Candidate.objects.count() == 1
    assert "no demo loaded" in capsys.readouterr().out
