"""The Today queue: who sees whose, its three sections, the counts in the top bar, and the
one-click actions that log the activity and clear the row."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from candidly.accounts.models import Team
from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.obligations.models import Obligation
from candidly.obligations.selectors import OVERDUE_SHOWN, end_of_today
from candidly.pipeline.services import (
    interview_schedule,
    offer_extend,
    offer_record_outcome,
    placement_record,
    submission_advance,
)

HTMX = {"HX-Request": "true"}
BERLIN = ZoneInfo("Europe/Berlin")


def _interview(submission, kind, starts_at, zone="Europe/Berlin"):
    return interview_schedule(
        submission=submission,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        time_zone=zone,
    )


# How to come to owe each kind of obligation, long enough ago that it is overdue (preps are
# owed before interviews that are still to come).
def _owe_callback(recruiter, candidate, submission, manager):
    activity_log(recruiter=recruiter, candidate=candidate, kind="voicemail", direction="inbound",
                 occurred_at=timezone.now() - timedelta(days=10))  # fmt: skip


def _owe_reply(recruiter, candidate, submission, manager):
    activity_log(recruiter=recruiter, candidate=candidate, kind="email", direction="inbound",
                 subject="Question about the role", thread="<q1@example.com>",
                 occurred_at=timezone.now() - timedelta(days=10))  # fmt: skip


def _owe_phone_prep(recruiter, candidate, submission, manager):
    _interview(submission, "video", timezone.now() + timedelta(days=2))


def _owe_onsite_prep(recruiter, candidate, submission, manager):
    _interview(submission, "onsite", timezone.now() + timedelta(days=3))


def _owe_close_loop(recruiter, candidate, submission, manager):
    submission_advance(submission=submission, to_stage="rejected",
                       at=timezone.now() - timedelta(days=8))  # fmt: skip


def _owe_check_in(recruiter, candidate, submission, manager):
    offer = offer_extend(submission=submission, at=timezone.now() - timedelta(days=9))
    offer_record_outcome(offer=offer, status="accepted", at=timezone.now() - timedelta(days=9))
    placement_record(submission=submission, start_date=timezone.localdate() - timedelta(days=10))


def _owe_feedback(recruiter, candidate, submission, manager):
    submission_advance(submission=submission, to_stage="submitted",
                       at=timezone.now() - timedelta(days=9))  # fmt: skip


OWE = {
    "callback": _owe_callback,
    "reply": _owe_reply,
    "phone_prep": _owe_phone_prep,
    "onsite_prep": _owe_onsite_prep,
    "close_loop": _owe_close_loop,
    "check_in": _owe_check_in,
    "feedback": _owe_feedback,
}


@pytest.fixture
def owe(recruiter, candidate, submission, manager):
    def make(kind) -> Obligation:
        OWE[kind](recruiter, candidate, submission, manager)
        return Obligation.objects.filter(kind=kind, state="open").order_by("due_at").first()

    return make


@pytest.fixture
def team(recruiter, other_recruiter):
    """Alex works in a team that Blair leads."""
    team = Team.objects.create(name="East", lead=other_recruiter)
    recruiter.team = team
    recruiter.save()
    return team


@pytest.fixture
def sections(recruiter, candidate, submission):
    """One obligation in each section: an overdue callback, a phone interview's prep due
    later today, and an onsite's prep due in a few days."""
    now = timezone.now()
    _owe_callback(recruiter, candidate, submission, None)
    tonight = end_of_today(now)
    _interview(submission, "phone", now + (tonight - now) / 2 + timedelta(hours=2))
    _interview(submission, "onsite", tonight + timedelta(days=2, hours=10))
    return {o.kind: o for o in Obligation.objects.all()}


def _section(page: str, title: str) -> str:
    start = page.index(f"<h2>{title}")
    end = page.find("<h2>", start + 1)
    return page[start : end if end > 0 else None]


# --- who sees whose queue -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, recruiter, sections):
    o = sections["callback"]
    for method, url in [
        ("get", reverse("home")),
        ("get", reverse("today", args=["alex"])),
        ("post", reverse("obligation_act", args=[o.pk])),
        ("post", reverse("obligation_waive", args=[o.pk])),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert Obligation.objects.get(pk=o.pk).state == "open"


def test_a_recruiter_sees_their_own_queue_at_home(logged_in, sections, candidate):
    page = logged_in.get(reverse("home")).content.decode()
    assert "<h1>Today</h1>" in page
    assert f'id="ob-{sections["callback"].pk}"' in page
    assert candidate.get_absolute_url() in page
    assert 'aria-label="Whose queue"' not in page  # nobody else's to choose
    assert logged_in.get(reverse("today", args=["alex"])).status_code == 200


def test_a_recruiter_cannot_open_someone_elses_queue(client, other_recruiter, sections):
    client.force_login(other_recruiter)
    assert client.get(reverse("today", args=["alex"])).status_code == 404
    assert client.get(reverse("home"), {"recruiter": "alex"}).status_code == 404
    assert client.get(reverse("today", args=["nobody"])).status_code == 404
    page = client.get(reverse("home")).content.decode()
    assert f'id="ob-{sections["callback"].pk}"' not in page


def test_a_recruiter_cannot_act_on_someone_elses_obligation(client, other_recruiter, sections):
    client.force_login(other_recruiter)
    o = sections["callback"]
    assert client.post(reverse("obligation_act", args=[o.pk])).status_code == 404
    waive = reverse("obligation_waive", args=[o.pk])
    assert client.post(waive, {"reason": "Not mine"}).status_code == 404
    assert Obligation.objects.get(pk=o.pk).state == "open"
    assert not Activity.objects.filter(direction="outbound").exists()


def test_a_team_lead_chooses_any_members_queue(client, other_recruiter, team, sections):
    client.force_login(other_recruiter)
    for response in (
        client.get(reverse("today", args=["alex"])),
        client.get(reverse("home"), {"recruiter": "alex"}),
    ):
        page = response.content.decode()
        assert response.status_code == 200
        assert "Today for Alex Kim" in page
        assert f'id="ob-{sections["callback"].pk}"' in page
    page = client.get(reverse("home")).content.decode()
    assert 'aria-label="Whose queue"' in page and '<option value="alex">Alex Kim' in page


def test_an_admin_sees_every_queue(client, lead, sections):
    client.force_login(lead)
    assert client.get(reverse("today", args=["alex"])).status_code == 200


# --- what the queue shows -------------------------------------------------------------------


def test_the_queue_is_split_into_overdue_due_today_and_coming(logged_in, sections):
    page = logged_in.get(reverse("home")).content.decode()
    overdue, today, coming = (_section(page, t) for t in ("Overdue", "Due today", "Coming"))
    assert f'id="ob-{sections["callback"].pk}"' in overdue
    assert f'id="ob-{sections["phone_prep"].pk}"' in today
    assert f'id="ob-{sections["onsite_prep"].pk}"' in coming
    for section in (overdue, today, coming):
        assert '<span class="count"' in section and ">1</span>" in section
    assert re.search(r"overdue (6 days|1 week)", overdue)  # 4 business hours after a voicemail
    assert "opened 1 week ago" in overdue
    assert "Call back" in overdue and "Left a voicemail" in overdue
    assert "due in " in today and "Phone interview prep" in today


def test_prep_rows_show_the_interview_in_its_own_time_zone(logged_in, sections):
    interview = sections["onsite_prep"].interview
    local = timezone.localtime(interview.starts_at, BERLIN)
    page = logged_in.get(reverse("home")).content.decode()
    row = page[page.index(f'id="ob-{sections["onsite_prep"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert f"{local:%a} {local.day} {local:%b}" in row and f"{local:%H:%M} Europe/Berlin" in row
    assert "Onsite interview · Backend Engineer" in row


def test_overdue_shows_the_most_recent_first_and_says_how_many_more(
    logged_in, recruiter, candidate
):
    # A week back at least, so that each callback is overdue whatever today is (a holiday
    # puts yesterday's voicemail's due time after today); the voicemails of a weekend are due
    # at the same time, and the queue breaks the tie by the newer row first.
    now = timezone.now()
    for days in range(OVERDUE_SHOWN + 1, 0, -1):
        at = now - timedelta(days=7 + days, hours=1)
        activity_log(recruiter=recruiter, candidate=candidate, kind="voicemail",
                     direction="inbound", occurred_at=at)  # fmt: skip
    oldest, *shown = Obligation.objects.order_by("due_at", "pk")
    page = logged_in.get(reverse("home")).content.decode()
    overdue = _section(page, "Overdue")
    places = [overdue.index(f'id="ob-{o.pk}"') for o in reversed(shown)]
    assert places == sorted(places)  # the most recent first
    assert f'id="ob-{oldest.pk}"' not in overdue
    assert "and 1 more overdue" in overdue
    more = reverse("litmus_obligations") + "?period=all&amp;outcome=overdue&amp;recruiter=alex"
    assert more in overdue


def test_an_empty_queue_says_so(logged_in):
    page = logged_in.get(reverse("home")).content.decode()
    assert "Nothing overdue." in page and "Nothing due in the next 7 days." in page


def test_the_top_bar_counts_overdue_and_due_today_on_every_page(logged_in, sections, candidate):
    for url in (reverse("candidate_list"), candidate.get_absolute_url(), reverse("litmus")):
        page = logged_in.get(url).content.decode()
        assert '<span class="badge bad">1 overdue</span>' in page, url
        assert '<span class="badge due">1 due today</span>' in page, url


def test_the_top_bar_counts_the_viewers_own_queue(client, other_recruiter, team, sections):
    client.force_login(other_recruiter)
    page = client.get(reverse("today", args=["alex"])).content.decode()
    assert '<span class="badge">0 overdue</span>' in page


# --- one-click actions ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(OWE))
def test_each_action_logs_what_meets_the_row_and_clears_it(logged_in, owe, recruiter, kind):
    o = owe(kind)
    page = logged_in.get(reverse("home")).content.decode()
    assert f'id="ob-{o.pk}"' in page
    before = Activity.objects.count()
    response = logged_in.post(reverse("obligation_act", args=[o.pk]), headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="queue"')
    assert f'id="ob-{o.pk}"' not in page
    assert 'id="nav-counts" class="navcounts" hx-swap-oob="true"' in page
    assert 'role="status"' in page and "logged." in page
    o.refresh_from_db()
    assert o.state == "met"
    assert Activity.objects.count() == before + 1
    assert o.met_by.recruiter == recruiter
    assert o.met_by.person == o.person


def test_log_call_records_a_connected_outbound_call(logged_in, owe, candidate):
    o = owe("callback")
    logged_in.post(reverse("obligation_act", args=[o.pk]), headers=HTMX)
    call = Obligation.objects.get(pk=o.pk).met_by
    assert (call.kind, call.direction, call.outcome, call.candidate) == (
        "call", "outbound", "connected", candidate,
    )  # fmt: skip


def test_mark_replied_answers_in_the_thread(logged_in, owe):
    o = owe("reply")
    logged_in.post(reverse("obligation_act", args=[o.pk]), headers=HTMX)
    email = Obligation.objects.get(pk=o.pk).met_by
    assert (email.kind, email.direction) == ("email", "outbound")
    assert (email.subject, email.thread) == ("Re: Question about the role", "<q1@example.com>")


def test_log_prep_keeps_the_checklist_and_links_the_interview(logged_in, owe):
    o = owe("onsite_prep")
    logged_in.post(
        reverse("obligation_act", args=[o.pk]),
        {"covered": ["role", "logistics", "not-an-item"]},
        headers=HTMX,
    )
    prep = Obligation.objects.get(pk=o.pk).met_by
    assert (prep.kind, prep.interview) == ("prep", o.interview)
    assert prep.submission == o.interview.submission
    assert prep.body == "Covered: Role and team; Logistics: time, place or link."


def test_log_feedback_is_the_managers_word_on_the_submission(logged_in, owe, manager):
    o = owe("feedback")
    logged_in.post(
        reverse("obligation_act", args=[o.pk]),
        {"via": "call", "feedback": "Strong on systems design; wants a second round"},
        headers=HTMX,
    )
    feedback = Obligation.objects.get(pk=o.pk).met_by
    assert (feedback.kind, feedback.direction, feedback.hiring_manager) == (
        "call", "inbound", manager,
    )  # fmt: skip
    assert feedback.submission == o.submission
    assert feedback.body == "Strong on systems design; wants a second round"


def test_without_javascript_an_action_goes_back_to_the_queue_with_a_message(logged_in, owe):
    o = owe("callback")
    response = logged_in.post(reverse("obligation_act", args=[o.pk]), follow=True)
    page = response.content.decode()
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "Call with Jordan Ellis logged." in page
    assert f'id="ob-{o.pk}"' not in page


def test_acting_twice_logs_once(logged_in, owe):
    o = owe("callback")
    url = reverse("obligation_act", args=[o.pk])
    logged_in.post(url, headers=HTMX)
    page = logged_in.post(url, headers=HTMX).content.decode()
    assert "That was already met." in page
    assert Activity.objects.filter(direction="outbound").count() == 1


def test_actions_only_take_post(logged_in, owe):
    o = owe("callback")
    assert logged_in.get(reverse("obligation_act", args=[o.pk])).status_code == 405
    assert logged_in.get(reverse("obligation_waive", args=[o.pk])).status_code == 405


def test_a_lead_acting_on_a_members_row_logs_it_as_their_own_work(
    client, other_recruiter, team, owe, recruiter
):
    """The lead made the call, so the ledger credits the lead's time; the obligation stays
    the recruiter's and is met all the same."""
    o = owe("callback")
    client.force_login(other_recruiter)
    response = client.post(reverse("obligation_act", args=[o.pk]), headers=HTMX)
    page = response.content.decode()
    assert "Today for" not in page and f'id="ob-{o.pk}"' not in page
    o.refresh_from_db()
    assert (o.state, o.owner, o.met_by.recruiter) == ("met", recruiter, other_recruiter)
    # Without JavaScript the lead goes back to the member's queue.
    o2 = owe("reply")
    response = client.post(reverse("obligation_act", args=[o2.pk]))
    assert response.url == reverse("today", args=["alex"])


# --- waivers --------------------------------------------------------------------------------


def test_waive_needs_a_reason(logged_in, sections):
    o = sections["callback"]
    url = reverse("obligation_waive", args=[o.pk])
    page = logged_in.post(url, {"reason": "   "}, headers=HTMX).content.decode()
    assert "Say why it is waived" in page
    assert f'id="ob-{o.pk}"' in page
    assert Obligation.objects.get(pk=o.pk).state == "open"
    page = logged_in.post(url, {"reason": "Wrong number"}, headers=HTMX).content.decode()
    assert f'id="ob-{o.pk}"' not in page
    assert "Call back waived: Wrong number" in page
    o.refresh_from_db()
    assert (o.state, o.waive_reason) == ("waived", "Wrong number")
    assert not Activity.objects.filter(direction="outbound").exists()


def test_waive_without_javascript_reports_a_missing_reason(logged_in, sections):
    o = sections["callback"]
    response = logged_in.post(reverse("obligation_waive", args=[o.pk]), follow=True)
    assert "Say why it is waived" in response.content.decode()
    assert Obligation.objects.get(pk=o.pk).state == "open"


def test_a_lead_may_waive_a_members_row(client, other_recruiter, team, sections):
    o = sections["callback"]
    client.force_login(other_recruiter)
    client.post(reverse("obligation_waive", args=[o.pk]), {"reason": "Duplicate"}, headers=HTMX)
    o.refresh_from_db()
    assert (o.state, o.waived_by) == ("waived", other_recruiter)


def test_logging_in_lands_on_today(client, recruiter):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": "alex", "password": PASSWORD})
    assert response.url == reverse("home")
