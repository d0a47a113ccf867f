"""Moving a candidate through an opening from the pages: interviews, offers, placements."""

from datetime import UTC, date, datetime

from django.urls import reverse

from candidly.people.services import candidate_create
from candidly.pipeline.models import Interview, Offer, Placement, Submission


def _post(client, name, pk, data, candidate):
    data = {"next": candidate.get_absolute_url(), **data}
    return client.post(reverse(name, args=[pk]), data, follow=True).content.decode()


def test_an_interview_is_read_on_its_own_clock(logged_in, submission, candidate):
    page = _post(
        logged_in,
        "interview_new",
        submission.pk,
        {"kind": "onsite", "starts_at": "2031-03-10T09:30", "minutes": "120",
         "time_zone": "Europe/Berlin", "interviewers": "Morgan Reyes"},
        candidate,
    )  # fmt: skip
    assert "Onsite interview scheduled for Jordan Ellis." in page
    interview = Interview.objects.get()
    assert interview.starts_at == datetime(2031, 3, 10, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
    assert (interview.ends_at - interview.starts_at).total_seconds() == 2 * 3600
    assert "Onsite interview: Backend Engineer" in page  # on the timeline
    assert "Mon 10 Mar 2031, 09:30 Europe/Berlin" in page


def test_an_incomplete_interview_form_says_what_is_missing(logged_in, submission, candidate):
    page = _post(logged_in, "interview_new", submission.pk, {"kind": "phone"}, candidate)
    assert "Starts: This field is required." in page
    assert not Interview.objects.exists()


def test_offer_declined_then_the_reason_is_required(logged_in, submission, candidate):
    page = _post(logged_in, "offer_new", submission.pk, {"salary": "150000"}, candidate)
    assert "Offer extended to Jordan Ellis." in page
    offer = Offer.objects.get()
    page = _post(logged_in, "offer_outcome", offer.pk, {"status": "declined"}, candidate)
    assert "Say why the offer was declined" in page
    page = _post(
        logged_in,
        "offer_outcome",
        offer.pk,
        {"status": "declined", "decline_reason": "counter_offer", "note": "Matched"},
        candidate,
    )
    assert "Offer declined." in page
    assert "Offer declined: Backend Engineer" in page
    offer.refresh_from_db()
    assert (offer.status, offer.decline_reason) == ("declined", "counter_offer")


def test_accept_and_place(logged_in, submission, candidate, requisition):
    _post(logged_in, "offer_new", submission.pk, {"salary": "150000"}, candidate)
    offer = Offer.objects.get()
    _post(logged_in, "offer_outcome", offer.pk, {"status": "accepted"}, candidate)
    page = _post(logged_in, "placement_new", submission.pk, {"start_date": "2031-04-01"}, candidate)
    assert "Jordan Ellis placed, starting 01 Apr 2031." in page
    assert Placement.objects.get().start_date == date(2031, 4, 1)
    requisition.refresh_from_db()
    assert requisition.status == "filled"


def test_an_offer_on_a_rejected_submission_is_explained(logged_in, submission, candidate):
    _post(logged_in, "submission_move", submission.pk, {"to_stage": "rejected"}, candidate)
    page = _post(logged_in, "offer_new", submission.pk, {"salary": "1"}, candidate)
    assert "Can&#x27;t extend an offer: Jordan Ellis is rejected for Backend Engineer." in page
    assert not Offer.objects.exists()


def test_a_candidate_is_added_to_an_opening_by_email(logged_in, requisition, candidate):
    url = reverse("requisition_add_candidate", args=[requisition.pk])
    page = logged_in.post(url, {"candidate": "JORDAN.ELLIS@example.com"}, follow=True)
    assert "Jordan Ellis added to Backend Engineer." in page.content.decode()
    assert Submission.objects.get().candidate == candidate


def test_an_ambiguous_name_adds_nobody(logged_in, requisition, candidate):
    candidate_create(first_name="Jordan", last_name="Ellison")
    url = reverse("requisition_add_candidate", args=[requisition.pk])
    page = logged_in.post(url, {"candidate": "jordan"}, follow=True).content.decode()
    assert "matches several candidates (Jordan Ellis, Jordan Ellison…)" in page
    page = logged_in.post(url, {"candidate": "nobody"}, follow=True).content.decode()
    assert "No candidate matches “nobody”." in page
    assert not Submission.objects.exists()


def test_next_never_leaves_the_site(logged_in, submission):
    response = logged_in.post(
        reverse("offer_new", args=[submission.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == submission.candidate.get_absolute_url()


def test_an_interview_time_that_exists_only_abroad_is_taken(logged_in, submission, candidate):
    # 02:30 on 9 March 2031 never happens in New York (the site's zone), but does in London.
    page = _post(
        logged_in,
        "interview_new",
        submission.pk,
        {"kind": "video", "starts_at": "2031-03-09T02:30", "minutes": "30",
         "time_zone": "Europe/London"},
        candidate,
    )  # fmt: skip
    assert "Video interview scheduled" in page
    assert Interview.objects.get().starts_at == datetime(2031, 3, 9, 2, 30, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_explained(logged_in, submission, candidate):
    page = _post(
        logged_in,
        "interview_new",
        submission.pk,
        {"kind": "phone", "starts_at": "2031-03-30T02:30", "minutes": "30",
         "time_zone": "Europe/Berlin"},
        candidate,
    )  # fmt: skip
    assert "02:30 does not exist in Europe/Berlin that day" in page
    assert not Interview.objects.exists()
