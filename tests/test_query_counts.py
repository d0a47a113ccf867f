"""Each list page and the candidate page runs a fixed number of queries however much data
there is, so an N+1 query fails here."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from candidly.activity.services import activity_log
from candidly.people.models import Candidate
from candidly.people.services import candidate_create, hiring_manager_create
from candidly.pipeline.models import Offer
from candidly.pipeline.services import (
    interview_schedule,
    offer_extend,
    offer_record_outcome,
    requisition_open,
    submission_advance,
    submission_create,
)

# Session and user lookups come first on every logged-in page; then the top bar counts what
# the user has overdue and due today (one query; none on the Today page, which has them).
AUTH = 2
NAV = 1
PAGE = AUTH + NAV


def _grow(n, *, recruiter, company, requisition):
    """Add n candidates with contact points, activity and pipeline history."""
    now = timezone.now()
    start = Candidate.objects.count()
    for i in range(start, start + n):
        c = candidate_create(
            first_name=f"Cand{i}",
            last_name="Volume",
            owner=recruiter,
            emails=[f"volume{i}@example.com"],
            phones=[f"+16175551{i:03d}"],
        )
        activity_log(recruiter=recruiter, candidate=c, kind="call", direction="inbound")
        s = submission_create(candidate=c, requisition=requisition, at=now - timedelta(days=5))
        submission_advance(submission=s, to_stage="submitted", at=now - timedelta(days=4))
    manager = hiring_manager_create(company=company, first_name="Extra", last_name=f"M{n}")
    requisition_open(title=f"Opening {n}", hiring_manager=manager, recruiter=recruiter)


def _count(client, django_assert_num_queries, url, expected):
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "name, queries",
    [
        # recruiters and clients for the filters, count, page, contact points, last contacts
        ("candidate_list", PAGE + 6),
        ("company_list", PAGE + 1),
        ("manager_list", PAGE + 2),  # count, page
        ("requisition_list", PAGE + 2),
    ],
)
def test_list_pages_have_a_fixed_query_count(
    logged_in, django_assert_num_queries, recruiter, company, requisition, name, queries
):
    url = reverse(name)
    _grow(3, recruiter=recruiter, company=company, requisition=requisition)
    _count(logged_in, django_assert_num_queries, url, queries)
    _grow(12, recruiter=recruiter, company=company, requisition=requisition)
    _count(logged_in, django_assert_num_queries, url, queries)


def test_a_filtered_candidate_list_costs_no_more(
    logged_in, django_assert_num_queries, recruiter, company, requisition
):
    url = reverse("candidate_list") + f"?owner={recruiter.pk}&stage=submitted&company={company.pk}"
    _grow(4, recruiter=recruiter, company=company, requisition=requisition)
    _count(logged_in, django_assert_num_queries, url, PAGE + 6)
    _grow(10, recruiter=recruiter, company=company, requisition=requisition)
    _count(logged_in, django_assert_num_queries, url, PAGE + 6)


def test_the_candidate_page_has_a_fixed_query_count(
    logged_in, django_assert_num_queries, candidate, submission, recruiter, requisition, manager
):
    url = reverse("candidate_detail", args=[candidate.pk])
    # candidate and its contact points; submissions (with requisition, company, placement) and
    # their stage changes, interviews and offers; the activities
    expected = PAGE + 7
    _count(logged_in, django_assert_num_queries, url, expected)
    now = timezone.now()
    for _ in range(5):
        activity_log(recruiter=recruiter, candidate=candidate, kind="email", direction="inbound")
    _decline_offers(3, candidate=candidate, recruiter=recruiter, manager=manager, now=now)
    # With declined offers, one more: what the candidate was owed before each, all at once.
    _count(logged_in, django_assert_num_queries, url, expected + 1)
    _decline_offers(3, candidate=candidate, recruiter=recruiter, manager=manager, now=now)
    _count(logged_in, django_assert_num_queries, url, expected + 1)


def _decline_offers(n, *, candidate, recruiter, manager, now):
    start = Offer.objects.count()
    for i in range(start, start + n):
        other = requisition_open(title=f"Role {i}", hiring_manager=manager, recruiter=recruiter)
        s = submission_create(candidate=candidate, requisition=other, at=now - timedelta(days=9))
        interview_schedule(
            submission=s,
            kind="onsite",
            starts_at=now - timedelta(days=5),
            ends_at=now - timedelta(days=5, hours=-2),
            time_zone="UTC",
            at=now - timedelta(days=8),
        )
        offer = offer_extend(submission=s, at=now - timedelta(days=3))
        offer_record_outcome(
            offer=offer, status=Offer.Status.DECLINED, decline_reason="personal", at=now
        )


def test_detail_pages_of_clients_have_a_fixed_query_count(
    logged_in, django_assert_num_queries, company, manager, requisition, recruiter
):
    company_url = reverse("company_detail", args=[company.pk])
    manager_url = reverse("manager_detail", args=[manager.pk])
    req_url = reverse("requisition_detail", args=[requisition.pk])
    counts = {company_url: PAGE + 4, manager_url: PAGE + 4, req_url: PAGE + 2}
    for url, expected in counts.items():
        _count(logged_in, django_assert_num_queries, url, expected)
    _grow(6, recruiter=recruiter, company=company, requisition=requisition)
    for _ in range(4):
        activity_log(recruiter=recruiter, hiring_manager=manager, kind="call", direction="outbound")
    for url, expected in counts.items():
        _count(logged_in, django_assert_num_queries, url, expected)


def _owe(n, *, recruiter, company, requisition):
    """Add n candidates who are owed a callback, a reply and a phone interview's prep, each
    submitted to a manager who owes feedback (through _grow)."""
    now = timezone.now()
    start = Candidate.objects.count()
    _grow(n, recruiter=recruiter, company=company, requisition=requisition)
    for c in Candidate.objects.order_by("pk")[start:]:
        activity_log(recruiter=recruiter, candidate=c, kind="voicemail", direction="inbound",
                     occurred_at=now - timedelta(days=6))  # fmt: skip
        activity_log(recruiter=recruiter, candidate=c, kind="email", direction="inbound",
                     subject="A question", occurred_at=now - timedelta(days=1))  # fmt: skip
        starts = now + timedelta(days=2)
        interview_schedule(
            submission=c.submissions.get(),
            kind="video",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            time_zone="Europe/Berlin",
        )


def test_the_today_page_has_a_fixed_query_count(
    client, django_assert_num_queries, recruiter, other_recruiter, company, requisition
):
    from candidly.accounts.models import Team

    team = Team.objects.create(name="East", lead=other_recruiter)
    recruiter.team = team
    recruiter.save()
    own, member = reverse("home"), reverse("today", args=[recruiter.username])
    # The queue's counts (which the top bar shows too), its overdue rows, the week ahead's
    # rows, and the recruiters whose queues the viewer may choose.
    counts = {own: AUTH + 4}
    # A lead on a member's queue: the member, and the top bar counts the lead's own.
    lead_counts = {member: PAGE + 5}
    for n in (2, 6):
        _owe(n, recruiter=recruiter, company=company, requisition=requisition)
        client.force_login(recruiter)
        _count(client, django_assert_num_queries, own, counts[own])
        with django_assert_num_queries(AUTH + 3):  # htmx refresh: the queue alone
            client.get(own, headers={"HX-Request": "true"})
        client.force_login(other_recruiter)
        _count(client, django_assert_num_queries, member, lead_counts[member])
    assert "Phone interview prep" in client.get(member).content.decode()


def test_the_scorecard_and_its_drill_down_have_a_fixed_query_count(
    client, django_assert_num_queries, recruiter, lead, company, requisition
):
    client.force_login(lead)
    scorecard_url = reverse("litmus") + "?period=year"
    drill_url = reverse("litmus_obligations") + "?period=year&outcome=due"
    for n in (2, 6):
        _owe(n, recruiter=recruiter, company=company, requisition=requisition)
        # the recruiters shown, the scorecard, the trend
        _count(client, django_assert_num_queries, scorecard_url, PAGE + 3)
        # the recruiters, then the obligations: their count and one page
        _count(client, django_assert_num_queries, drill_url, PAGE + 3)
    assert "Left a voicemail" in client.get(drill_url).content.decode()
