"""Service levels are edited by an admin; obligations are shown there, never edited by hand."""

from datetime import date

from candidly.accounts.models import Team
from candidly.activity.services import activity_log
from candidly.obligations.models import ServiceLevel


def _form(team, **changes):
    values = {
        "team": team.pk, "time_zone": "Europe/Berlin", "workdays": "Mon,Tue,Wed,Thu",
        "work_starts": "08:00", "work_ends": "16:00", "holiday_country": "DE",
        "holiday_subdivision": "BE", "callback_business_minutes": 120,
        "reply_business_days": 1, "phone_prep_hours_before": 2, "onsite_prep_hours_before": 24,
        "close_loop_business_days": 2, "feedback_business_days": 2, "check_in_days": "7,30,90",
        "digest_hour": 8, "lead_alert_business_days": 1,
    }  # fmt: skip
    return values | changes


def test_an_admin_sets_a_teams_service_levels(client, lead, recruiter, candidate):
    client.force_login(lead)
    team = Team.objects.create(name="Berlin")
    response = client.post("/admin/obligations/servicelevel/add/", _form(team), follow=True)
    assert "candidly obligations rebuild" in response.content.decode()
    level = ServiceLevel.objects.get(team=team)
    assert level.time_zone == "Europe/Berlin"
    assert not level.calendar.is_workday(date(2026, 11, 6))  # a Friday, off for this team
    assert not level.calendar.is_workday(date(2025, 12, 25))  # Christmas, a Thursday
    assert level.calendar.is_workday(date(2025, 12, 18))  # the Thursday before
    recruiter.team = team
    recruiter.save()
    activity_log(recruiter=recruiter, candidate=candidate, kind="voicemail", direction="inbound")
    assert client.get("/admin/obligations/obligation/").status_code == 200
    assert client.get("/admin/obligations/obligation/add/").status_code == 403


def test_nonsense_service_levels_are_refused_with_a_reason(client, lead):
    client.force_login(lead)
    team = Team.objects.create(name="Nowhere")
    for changes, message in (
        ({"time_zone": "Mars/Olympus"}, "Not a time zone name"),
        ({"workdays": "Mon,Funday"}, "List working days as"),
        ({"work_ends": "07:00"}, "must end after it starts"),
        ({"holiday_country": "XX"}, "not a country code"),
        ({"check_in_days": "30,7"}, "increasing order"),
    ):
        response = client.post("/admin/obligations/servicelevel/add/", _form(team, **changes))
        assert message in response.content.decode(), changes
    assert not ServiceLevel.objects.exists()
