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

# Session and user lookups come first on every logged-in page.
AUTH = 2


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
        ("candidate_list", AUTH + 6),
        ("company_list", AUTH + 1),
        ("manager_list", AUTH + 2),  # count, page
        ("requisition_list", AUTH + 2),
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
    _count(logged_in, django_assert_num_queries, url, AUTH + 6)
    _grow(10, recruiter=recruiter, company=company, requisition=requisition)
    _count(logged_in, django_assert_num_queries, url, AUTH + 6)


def test_the_candidate_page_has_a_fixed_query_count(
    logged_in, django_assert_num_queries, candidate, submission, recruiter, requisition, manager
):
    url = reverse("candidate_detail", args=[candidate.pk])
    # candidate and its contact points; submissions (with requisition, company, placement) and
    # their stage changes, interviews and offers; the activities
    expected = AUTH + 7
    _count(logged_in, django_assert_num_queries, url, expected)
    now = timezone.now()
    for _ in range(5):
        activity_log(recruiter=recruiter, candidate=candidate, kind="email", direction="inbound")
    for i in range(3):
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
    _count(logged_in, django_assert_num_queries, url, expected)


def test_detail_pages_of_clients_have_a_fixed_query_count(
    logged_in, django_assert_num_queries, company, manager, requisition, recruiter
):
    company_url = reverse("company_detail", args=[company.pk])
    manager_url = reverse("manager_detail", args=[manager.pk])
    req_url = reverse("requisition_detail", args=[requisition.pk])
    counts = {company_url: AUTH + 4, manager_url: AUTH + 4, req_url: AUTH + 2}
    for url, expected in counts.items():
        _count(logged_in, django_assert_num_queries, url, expected)
    _grow(6, recruiter=recruiter, company=company, requisition=requisition)
    for _ in range(4):
        activity_log(recruiter=recruiter, hiring_manager=manager, kind="call", direction="outbound")
    for url, expected in counts.items():
        _count(logged_in, django_assert_num_queries, url, expected)
