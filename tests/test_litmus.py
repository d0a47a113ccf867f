"""The litmus scorecard: who sees whose numbers, the numbers themselves, the drill-down behind
every number, the periods, the trend, and what preceded a declined offer."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from candidly.activity.services import activity_log
from candidly.obligations.models import Obligation
from candidly.obligations.selectors import misses_before_decision
from candidly.obligations.services import obligation_waive
from candidly.people.services import candidate_create
from candidly.pipeline.services import offer_extend, offer_record_outcome
from candidly.web.forms import PeriodForm

NY = ZoneInfo("America/New_York")


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NY)


WED = ny(2026, 11, 4, 10, 0)  # in the first half of November 2026
NOVEMBER = {"period": "custom", "since": "2026-11-02", "until": "2026-11-13"}


def _voicemail(recruiter, who, at):
    activity_log(recruiter=recruiter, candidate=who, kind="voicemail", direction="inbound",
                 occurred_at=at)  # fmt: skip


def _call(recruiter, who, at):
    activity_log(recruiter=recruiter, candidate=who, kind="call", direction="outbound",
                 outcome="connected", occurred_at=at)  # fmt: skip


@pytest.fixture
def record(recruiter, other_recruiter):
    """Alex's callbacks in early November: one on time, one late, one missed, one waived, and
    a reply on time; Blair missed one callback."""
    people = {
        name: candidate_create(first_name=name, last_name="Caller", owner=recruiter)
        for name in ("Ontime", "Late", "Missed", "Waived", "Writer", "Blairs")
    }
    _voicemail(recruiter, people["Ontime"], WED)
    _call(recruiter, people["Ontime"], WED + timedelta(hours=1))
    _voicemail(recruiter, people["Late"], WED)
    _call(recruiter, people["Late"], WED + timedelta(days=2))
    _voicemail(recruiter, people["Missed"], WED + timedelta(days=1))
    _voicemail(recruiter, people["Waived"], WED + timedelta(days=2))
    obligation_waive(
        obligation=Obligation.objects.get(candidate=people["Waived"]),
        by=recruiter,
        reason="Butt dial",
        at=WED + timedelta(days=2, hours=1),
    )
    activity_log(recruiter=recruiter, candidate=people["Writer"], kind="email",
                 direction="inbound", subject="Hello", occurred_at=WED)  # fmt: skip
    activity_log(recruiter=recruiter, candidate=people["Writer"], kind="email",
                 direction="outbound", subject="Re: Hello",
                 occurred_at=WED + timedelta(hours=3))  # fmt: skip
    _voicemail(other_recruiter, people["Blairs"], WED)
    # Outside the period: not counted.
    _voicemail(recruiter, people["Missed"], ny(2026, 10, 1, 10, 0))
    return people


def _tallies(response) -> dict:
    """{(kind, username or "team"): tally} from the scorecard page's context."""
    found = {}
    for q in response.context["questions"]:
        for r, tally, _ in q.lines:
            found[q.kind, r.username] = tally
        found[q.kind, "team"] = q.team
    return found


# --- access ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, record):
    for url in (reverse("litmus"), reverse("litmus_obligations")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_recruiter_sees_only_their_own_numbers(logged_in, record):
    response = logged_in.get(reverse("litmus"), NOVEMBER)
    assert [r.username for r in response.context["shown"]] == ["alex"]
    page = response.content.decode()
    assert "Blair" not in page
    assert '<tr class="team">' not in page  # a team of one needs no total
    assert logged_in.get(reverse("litmus"), {"recruiter": "blair"}).status_code == 404
    drill = reverse("litmus_obligations")
    assert logged_in.get(drill, {"recruiter": "blair"}).status_code == 404
    everything = logged_in.get(drill, {"period": "all"}).content.decode()
    assert "Missed Caller" in everything and "Blairs Caller" not in everything


def test_a_lead_sees_everyone_and_the_team(client, lead, record):
    client.force_login(lead)
    response = client.get(reverse("litmus"), NOVEMBER)
    # The lead owed nothing in the period: the team's table leaves them out.
    assert {r.username for r in response.context["shown"]} == {"alex", "blair"}
    tallies = _tallies(response)
    assert tallies["callback", "team"].missed == 2
    page = response.content.decode()
    assert '<tr class="team">' in page and "Blair" in page
    focused = client.get(reverse("litmus"), {**NOVEMBER, "recruiter": "blair"})
    assert [r.username for r in focused.context["shown"]] == ["blair"]


# --- the numbers ----------------------------------------------------------------------------


def test_the_numbers_answer_the_litmus_questions(logged_in, record):
    response = logged_in.get(reverse("litmus"), NOVEMBER)
    tallies = _tallies(response)
    callback = tallies["callback", "alex"]
    assert (callback.due, callback.on_time, callback.late, callback.missed, callback.waived) == (
        4, 1, 1, 1, 1,
    )  # fmt: skip
    assert callback.always is False
    reply = tallies["reply", "alex"]
    assert (reply.due, reply.on_time, reply.always) == (1, 1, True)
    assert tallies["phone_prep", "alex"].always is None
    page = response.content.decode()
    callbacks = page[page.index("Do I always call my candidates back?") :]
    callbacks = callbacks[: callbacks.index("</tbody>")]
    assert ">33%</a>" in callbacks and ">No</a>" in callbacks
    replies = page[page.index("Do I always respond to my candidates") :]
    replies = replies[: replies.index("</tbody>")]
    assert ">100%</a>" in replies and '<span class="answer yes">Yes</span>' in replies
    prep = page[page.index("Do I prep candidates for phone interviews?") :]
    prep = prep[: prep.index("</tbody>")]
    assert prep.count('<span class="muted">—</span>') == 2  # no rate, no answer


def test_every_number_opens_the_obligations_behind_it(client, lead, record):
    client.force_login(lead)
    response = client.get(reverse("litmus"), NOVEMBER)
    page = response.content.decode()
    checked = 0
    for q in response.context["questions"]:
        for link, tally in [(link, t) for _, t, link in q.lines] + [(q.team_link, q.team)]:
            for outcome in ("due", "on_time", "late", "missed", "waived"):
                number = getattr(tally, outcome)
                href = f"{link}&outcome={outcome}"
                assert f'href="{href.replace("&", "&amp;")}">{number}</a>' in page
                listed = client.get(href)
                assert listed.context["page"].paginator.count == number, (q.kind, href)
                checked += 1
    assert checked == 7 * 3 * 5  # two recruiters and the team, for each of seven kinds


def test_the_drill_down_names_each_obligation(logged_in, record):
    drill = reverse("litmus_obligations")
    page = logged_in.get(drill, {**NOVEMBER, "kind": "callback", "outcome": "missed"})
    text = page.content.decode()
    assert "Missed Caller" in text and "Late Caller" not in text
    assert "Call back · Missed" in text and "Alex Kim · due 2 Nov 2026 – 13 Nov 2026" in text
    waived = logged_in.get(drill, {**NOVEMBER, "kind": "callback", "outcome": "waived"})
    text = waived.content.decode()
    assert "Waived Caller" in text and "Butt dial" in text and "Waived Fri 6 Nov" in text
    late = logged_in.get(drill, {**NOVEMBER, "kind": "callback", "outcome": "late"})
    assert "Late by 1 day" in late.content.decode()
    misses = logged_in.get(drill, {**NOVEMBER, "kind": "callback", "outcome": "not_on_time"})
    names = [r.person for r in misses.context["rows"]]
    assert sorted(names) == ["Late Caller", "Missed Caller"]


def test_the_drill_down_is_paginated(logged_in, recruiter, candidate, monkeypatch):
    monkeypatch.setattr("candidly.web.litmus.OBLIGATIONS_PER_PAGE", 2)
    for hours in range(5):
        _voicemail(recruiter, candidate, WED + timedelta(hours=hours))
    drill = reverse("litmus_obligations")
    first = logged_in.get(drill, {**NOVEMBER, "outcome": "missed"})
    assert len(first.context["rows"]) == 2 and "Page 1 of 3" in first.content.decode()
    assert "outcome=missed&amp;page=2" in first.content.decode()
    last = logged_in.get(drill, {**NOVEMBER, "outcome": "missed", "page": 3})
    assert len(last.context["rows"]) == 1


def test_nonsense_filters_are_ignored(logged_in, record):
    drill = reverse("litmus_obligations")
    response = logged_in.get(drill, {**NOVEMBER, "kind": "bogus", "outcome": "nope"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 5  # every one of Alex's


# --- periods --------------------------------------------------------------------------------

NOW = ny(2026, 11, 26, 15, 0)  # a Thursday


@pytest.mark.parametrize(
    "data, since, until",
    [
        ({"period": "week"}, ny(2026, 11, 23), ny(2026, 11, 30)),
        ({"period": "month"}, ny(2026, 11, 1), ny(2026, 12, 1)),
        ({}, ny(2026, 11, 1), ny(2026, 12, 1)),  # this month unless told otherwise
        ({"period": "quarter"}, ny(2026, 10, 1), ny(2027, 1, 1)),
        ({"period": "year"}, ny(2025, 11, 27), ny(2026, 11, 27)),
        # A custom period's last day is included: up to the midnight after it.
        ({"since": "2026-03-01", "until": "2026-03-31"}, ny(2026, 3, 1), ny(2026, 4, 1)),
        ({"period": "all"}, ny(1900, 1, 1), ny(2026, 11, 27)),
    ],
)
def test_periods_are_read_in_the_sites_time_zone(settings, data, since, until):
    settings.TIME_ZONE = "America/New_York"
    assert PeriodForm(data).bounds(NOW) == (since, until)


def test_a_custom_period_needs_both_days_in_order(logged_in, settings):
    assert not PeriodForm({"period": "custom", "since": "2026-03-01"}).is_valid()
    form = PeriodForm({"period": "custom", "since": "2026-03-31", "until": "2026-03-01"})
    assert not form.is_valid()
    page = logged_in.get(reverse("litmus"), form.data).content.decode()
    assert "The last day comes before the first." in page
    assert 'aria-current="page">This month</a>' in page


def test_the_period_is_kept_in_every_link(logged_in, record):
    page = logged_in.get(reverse("litmus"), NOVEMBER).content.decode()
    links = re.findall(r'href="(/litmus/obligations/\?[^"]+)"', page)
    assert links and all("since=2026-11-02&amp;until=2026-11-13" in link for link in links)


# --- the trend ------------------------------------------------------------------------------


def test_the_trend_shows_twelve_weeks_of_on_time_rates(logged_in, recruiter):
    now = timezone.now()
    on_time = candidate_create(first_name="Quick", last_name="Answer", owner=recruiter)
    missed = candidate_create(first_name="Never", last_name="Answered", owner=recruiter)
    _voicemail(recruiter, on_time, now - timedelta(days=8))
    _call(recruiter, on_time, now - timedelta(days=8) + timedelta(hours=1))
    _voicemail(recruiter, missed, now - timedelta(days=8))
    response = logged_in.get(reverse("litmus"))
    assert len(response.context["weeks"]) == 12
    label, cells = response.context["trend_rows"][0]
    assert label == "Call back"
    assert sum(c["counted"] for c in cells) == 2 and sum(c["on_time"] for c in cells) == 1
    page = response.content.decode()
    assert 'title="1 of 2 on time">50%</span>' in page  # both were due the same week


# --- declined offers ------------------------------------------------------------------------


@pytest.fixture
def declined(recruiter, candidate, submission):
    """While Jordan was in process: a voicemail never returned, an email answered late and a
    call returned on time; then Jordan turned the offer down."""
    start = submission.created_at
    _voicemail(recruiter, candidate, start + timedelta(days=1))
    activity_log(recruiter=recruiter, candidate=candidate, kind="email", direction="inbound",
                 subject="Salary range?", occurred_at=start + timedelta(days=2))  # fmt: skip
    activity_log(recruiter=recruiter, candidate=candidate, kind="email", direction="outbound",
                 subject="Re: Salary range?", occurred_at=start + timedelta(days=6))  # fmt: skip
    offer = offer_extend(submission=submission, at=start + timedelta(days=7))
    return offer_record_outcome(offer=offer, status="declined", decline_reason="counter_offer",
                                at=start + timedelta(days=8))  # fmt: skip


def test_the_candidate_page_lists_what_preceded_a_declined_offer(logged_in, candidate, declined):
    misses = misses_before_decision(declined)
    assert [(m.kind, m.outcome) for m in misses] == [("callback", "missed"), ("reply", "late")]
    page = logged_in.get(candidate.get_absolute_url()).content.decode()
    panel = page[page.index('<div class="declined">') :]
    panel = panel[: panel.index("</div>")]
    decided = timezone.localtime(declined.decided_at)
    assert f"Offer declined {decided.day} {decided:%b %Y}: counter-offer." in panel
    assert '<span class="miss-missed">Missed</span> call back' in panel
    assert '<span class="miss-late">Late</span> reply to email' in panel
    assert "“Salary range?”" in panel


def test_a_declined_offer_with_nothing_missed_says_so(logged_in, candidate, submission):
    offer = offer_extend(submission=submission)
    offer_record_outcome(offer=offer, status="declined", decline_reason="personal")
    page = logged_in.get(candidate.get_absolute_url()).content.decode()
    assert "Everything owed before it was met on time." in page
