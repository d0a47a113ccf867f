"""The Calls page: uploading a call log shows the same report as the command; recruiters keep
their lines; every page is for logged-in users only (the webhook aside)."""

from datetime import UTC, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from candidly.accounts.models import Team
from candidly.activity.models import Activity
from candidly.calls.models import RecruiterLine
from candidly.calls.services import recruiter_line_add
from candidly.obligations.models import Obligation


def csv_file(text: str, name="calls.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def ago(**delta) -> str:
    return (timezone.now() - timedelta(**delta)).astimezone(UTC).isoformat()


@pytest.fixture
def line(recruiter):
    return recruiter_line_add(user=recruiter, number="+16175550100")


def upload(client, text, htmx=False, **fields):
    data = {"file": csv_file(text), "recruiter": "", "map": "", "time_zone": "America/New_York"}
    data.update(fields)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("calls_upload"), data, headers=headers)


LOG = (
    "call_id,direction,from,to,start,duration,disposition\n"
    "c1,inbound,+14155550199,+16175550100,{t1},0,missed\n"
    "c2,inbound,+14155550199,+16175550100,{t2},0,<script>alert(1)</script>\n"
)


def test_anonymous_visitors_are_sent_to_log_in(client, line):
    for method, url in [
        ("get", reverse("calls")),
        ("post", reverse("calls_upload")),
        ("post", reverse("calls_line_add")),
        ("post", reverse("calls_line_remove", args=[line.pk])),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login") + "?next="), url
    assert RecruiterLine.objects.exists()


def test_the_page_is_in_the_navigation(logged_in):
    page = logged_in.get(reverse("home"), follow=True).content.decode()
    assert f'href="{reverse("calls")}"' in page
    response = logged_in.get(reverse("calls"))
    assert response.status_code == 200
    assert "Import a call log" in response.content.decode()


def test_write_pages_only_take_post(logged_in, line):
    for url in (
        reverse("calls_upload"),
        reverse("calls_line_add"),
        reverse("calls_line_remove", args=[line.pk]),
    ):
        assert logged_in.get(url).status_code == 405, url


def test_an_upload_shows_the_report_and_records_the_calls(logged_in, candidate, line):
    response = upload(logged_in, LOG.format(t1=ago(hours=2), t2=ago(hours=1)))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>1</strong> imported" in page and "<strong>1</strong> refused" in page
    assert "0 unmatched, 1 callbacks opened" in page
    assert "inbound call from Jordan Ellis, missed (callback owed)" in page
    # Nothing from the file is ever rendered as HTML.
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert Activity.objects.get().external_id == "c1"
    assert Obligation.objects.get().kind == "callback"
    # The same file again: already present, nothing added.
    again = upload(logged_in, LOG.format(t1=ago(hours=2), t2=ago(hours=1))).content.decode()
    assert "<strong>0</strong> imported" in again
    assert "<strong>1</strong> already present" in again
    assert Activity.objects.count() == 1


def test_htmx_uploads_get_the_report_alone(logged_in, candidate, line):
    response = upload(logged_in, LOG.format(t1=ago(hours=2), t2=ago(hours=1)), htmx=True)
    page = response.content.decode().strip()
    assert page.startswith('<section id="report"') and "<header" not in page


def test_a_file_without_the_needed_columns_says_so(logged_in, candidate):
    page = upload(logged_in, "Caller,When\n+14155550199,yesterday\n").content.decode()
    assert "Nothing was imported" in page and "missing columns" in page
    assert not Activity.objects.exists()


def test_a_mapping_and_a_recruiter_for_the_file(logged_in, candidate, recruiter):
    text = f"Who,Number,When,Result\n+14155550199,+16175550999,{ago(hours=1)},Answered\n"
    upload(
        logged_in,
        text,
        map="Who=from, Number=to, When=start, Result=disposition",
        recruiter=str(recruiter.pk),
    )
    call = Activity.objects.get()
    assert (call.direction, call.recruiter) == ("inbound", recruiter)


def test_bad_form_input_is_shown_on_the_form(logged_in, candidate):
    page = upload(
        logged_in, "from,to,start,disposition\n", map="Who=nothing", time_zone="Mars/Olympus"
    ).content.decode()
    assert "is not one of our fields" in page
    assert "“Mars/Olympus” is not a time zone" in page


def test_a_recruiter_cannot_file_calls_as_someone_outside_their_team(
    logged_in, candidate, other_recruiter
):
    page = upload(
        logged_in,
        f"from,to,start,disposition\n+14155550199,+16175550999,{ago(hours=1)},missed\n",
        recruiter=str(other_recruiter.pk),
    ).content.decode()
    assert "Select a valid choice" in page
    assert not Activity.objects.exists()


def test_a_lead_may_file_calls_for_a_team_member(client, lead, candidate, other_recruiter):
    team = Team.objects.create(name="East", lead=lead)
    other_recruiter.team = team
    other_recruiter.save()
    lead.is_superuser = False
    lead.save()
    client.force_login(lead)
    upload(
        client,
        f"from,to,start,disposition\n+14155550199,+16175550999,{ago(hours=1)},missed\n",
        recruiter=str(other_recruiter.pk),
    )
    assert Activity.objects.get().recruiter == other_recruiter


class TestLines:
    def test_a_recruiter_adds_a_line_in_any_form(self, logged_in, recruiter):
        response = logged_in.post(
            reverse("calls_line_add"), {"number": "(617) 555-0100", "label": "desk"}
        )
        assert response.status_code == 302
        assert RecruiterLine.objects.get().number == "+16175550100"
        page = logged_in.get(reverse("calls")).content.decode()
        assert "(617) 555-0100" in page and "desk" in page

    def test_a_number_already_taken_or_not_a_number(self, logged_in, other_recruiter, candidate):
        recruiter_line_add(user=other_recruiter, number="+16175550111")
        for number, error in [
            ("617 555 0111", "is already Blair"),
            ("+1 415 555 0199", "is the number of Jordan Ellis"),
            ("call me", "is not a phone number"),
        ]:
            page = logged_in.post(reverse("calls_line_add"), {"number": number}).content.decode()
            assert error in page.replace("&#x27;", "'"), number
        assert RecruiterLine.objects.count() == 1

    def test_a_recruiter_removes_their_own_line_but_not_anothers(
        self, logged_in, line, other_recruiter
    ):
        theirs = recruiter_line_add(user=other_recruiter, number="+16175550111")
        assert logged_in.post(reverse("calls_line_remove", args=[theirs.pk])).status_code == 404
        response = logged_in.post(reverse("calls_line_remove", args=[line.pk]))
        assert response.status_code == 302
        assert list(RecruiterLine.objects.all()) == [theirs]
        assert logged_in.post(reverse("calls_line_remove", args=[999999])).status_code == 404
