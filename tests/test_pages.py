"""What a recruiter sees and does on the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.people.models import Candidate
from candidly.people.services import candidate_create


def _log(client, candidate, htmx=False, **data):
    form = {
        "kind": "call",
        "direction": "outbound",
        "outcome": "connected",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "minutes": "",
        "subject": "",
        "body": "Talked about the Backend Engineer panel",
    }
    form.update(data)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("candidate_log", args=[candidate.pk]), form, headers=headers)


class TestCandidateList:
    def test_search_finds_by_phone(self, logged_in, candidate):
        candidate_create(first_name="Riley", last_name="Park")
        response = logged_in.get(reverse("candidate_list"), {"q": "415-555-0199"})
        page = response.content.decode()
        assert "Jordan Ellis" in page and "Riley Park" not in page
        assert "1 candidate" in page

    def test_htmx_search_returns_only_the_results(self, logged_in, candidate):
        response = logged_in.get(
            reverse("candidate_list"), {"q": "ellis"}, headers={"HX-Request": "true"}
        )
        page = response.content.decode()
        assert page.strip().startswith('<section id="results">')
        assert "Jordan Ellis" in page and "<header" not in page

    def test_pages_keep_the_filters(self, logged_in, recruiter, settings):
        settings.CANDIDATES_PER_PAGE = 2
        for i in range(5):
            candidate_create(first_name=f"Person{i}", last_name="Zed", owner=recruiter)
        response = logged_in.get(reverse("candidate_list"), {"q": "zed", "page": 2})
        page = response.content.decode()
        assert "Person2 Zed" in page and "Person0 Zed" not in page
        assert "q=zed&amp;page=3" in page and "Page 2 of 3" in page

    def test_each_row_says_when_we_last_spoke(self, logged_in, candidate, recruiter):
        from candidly.activity.services import activity_log

        candidate_create(first_name="Riley", last_name="Ellis")
        activity_log(
            recruiter=recruiter,
            candidate=candidate,
            kind="call",
            direction="outbound",
            occurred_at=timezone.now() - timedelta(days=3, hours=2),
        )
        page = logged_in.get(reverse("candidate_list"), {"q": "ellis"}).content.decode()
        jordan = page[page.index("Jordan Ellis") :]
        riley = page[page.index("Riley Ellis") :]
        assert "3 days ago" in jordan[: jordan.index("</tr>")]
        assert "never" in riley[: riley.index("</tr>")]

    def test_a_row_shows_the_candidate_as_typed_never_as_html(
        self, logged_in, candidate, recruiter
    ):
        candidate_create(
            first_name="<i>Riley</i>",
            last_name="O'Hara",
            owner=recruiter,
            emails=["riley@example.com"],
            headline="Lead <b>engineer</b>",
            current_company="Smith & Sons",
            skills="Go, <script>x</script>",
        )
        page = logged_in.get(reverse("candidate_list"), {"owner": recruiter.pk}).content.decode()
        riley = page[page.index("&lt;i&gt;Riley") :]
        row = riley[: riley.index("</tr>")]
        assert "O&#x27;Hara</a>" in row and "Lead &lt;b&gt;engineer&lt;/b&gt;" in row
        assert '<span class="muted">at Smith &amp; Sons</span>' in row
        assert '<div class="skills">Go, &lt;script&gt;x&lt;/script&gt;</div>' in row
        assert "riley@example.com" in row and "Alex Kim" in row
        jordan = page[page.index("Jordan Ellis") :]
        assert "(415) 555-0199" in jordan[: jordan.index("</tr>")]

    def test_a_nonsense_filter_is_ignored_not_a_crash(self, logged_in, candidate):
        response = logged_in.get(reverse("candidate_list"), {"owner": "9" * 25, "company": "-3"})
        assert response.status_code == 200
        assert "Jordan Ellis" in response.content.decode()

    def test_a_filter_that_matches_nothing_says_so(self, logged_in, candidate):
        response = logged_in.get(reverse("candidate_list"), {"stage": "hired"})
        assert "No candidate matches." in response.content.decode()


class TestQuickLog:
    def test_a_call_appears_on_the_timeline(self, logged_in, candidate, recruiter):
        response = _log(logged_in, candidate)
        assert response.status_code == 302
        activity = Activity.objects.get()
        assert (activity.kind, activity.recruiter, activity.minutes) == ("call", recruiter, 10)
        page = logged_in.get(response.url).content.decode()
        assert "Outbound call · connected" in page
        assert "Talked about the Backend Engineer panel" in page

    def test_htmx_returns_the_updated_timeline_and_a_fresh_form(self, logged_in, candidate):
        response = _log(logged_in, candidate, htmx=True, kind="voicemail", outcome="",
                        direction="inbound", minutes="3")  # fmt: skip
        page = response.content.decode()
        assert page.strip().startswith('<section id="activity">')
        assert "Inbound voicemail" in page and "3 min" in page
        assert "Talked about the Backend Engineer panel</textarea>" not in page

    def test_a_mistake_is_explained_and_nothing_is_logged(self, logged_in, candidate):
        future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = _log(logged_in, candidate, htmx=True, occurred_at=future)
        assert "in the future" in response.content.decode()
        response = _log(logged_in, candidate, kind="email", outcome="connected")
        assert response.status_code == 400
        assert "Only a call has an outcome." in response.content.decode()
        assert not Activity.objects.exists()

    def test_a_call_can_be_about_one_opening(self, logged_in, candidate, submission):
        _log(logged_in, candidate, submission=str(submission.pk))
        assert Activity.objects.get().submission == submission

    def test_hiring_managers_have_the_same_quick_log(self, logged_in, manager):
        response = logged_in.post(
            reverse("manager_log", args=[manager.pk]),
            {"kind": "meeting", "direction": "outbound", "outcome": "",
             "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
             "subject": "Intake", "body": "New opening"},
            headers={"HX-Request": "true"},
        )  # fmt: skip
        page = response.content.decode()
        assert "Outbound meeting" in page and "45 min" in page
        assert Activity.objects.get().side == "hiring_manager"


class TestNewCandidate:
    def test_it_adds_a_candidate(self, logged_in, recruiter):
        response = logged_in.post(
            reverse("candidate_new"),
            {"first_name": "Ana", "last_name": "Lima", "email": "ANA@example.com",
             "phone": "617 555 0100", "owner": recruiter.pk},
        )  # fmt: skip
        ana = Candidate.objects.get(last_name="Lima")
        assert response.url == ana.get_absolute_url()
        assert sorted(ana.contact_points.values_list("value", flat=True)) == [
            "+16175550100",
            "ana@example.com",
        ]

    def test_a_duplicate_email_names_who_has_it(self, logged_in, candidate):
        response = logged_in.post(
            reverse("candidate_new"),
            {"first_name": "Sam", "last_name": "Other", "email": "jordan.ellis@example.com"},
        )
        assert response.status_code == 200
        assert "jordan.ellis@example.com already belongs to Jordan Ellis." in (
            response.content.decode()
        )
        assert Candidate.objects.count() == 1


class TestRequisition:
    def test_submissions_are_shown_by_stage_and_can_move(self, logged_in, submission, requisition):
        page = logged_in.get(reverse("requisition_detail", args=[requisition.pk]))
        assert "Jordan Ellis" in page.content.decode()
        response = logged_in.post(
            reverse("submission_move", args=[submission.pk]), {"to_stage": "submitted"}, follow=True
        )
        assert "Jordan Ellis moved to submitted to manager." in response.content.decode()
        submission.refresh_from_db()
        assert submission.stage == "submitted"

    def test_a_refused_move_says_why(self, logged_in, submission):
        logged_in.post(reverse("submission_move", args=[submission.pk]), {"to_stage": "rejected"})
        response = logged_in.post(
            reverse("submission_move", args=[submission.pk]),
            {"to_stage": "submitted"},
            follow=True,
        )
        assert "it can&#x27;t move any more" in response.content.decode()


@pytest.mark.parametrize("name", ["company_detail", "manager_detail"])
def test_client_pages_show_their_openings(logged_in, requisition, company, manager, name):
    pk = company.pk if name == "company_detail" else manager.pk
    page = logged_in.get(reverse(name, args=[pk])).content.decode()
    assert "Backend Engineer" in page


def test_the_stylesheet_is_found_by_the_static_files_app():
    from django.contrib.staticfiles import finders

    assert finders.find("candidly/candidly.css")


def test_phones_are_shown_as_people_write_them(logged_in, candidate):
    page = logged_in.get(reverse("candidate_detail", args=[candidate.pk])).content.decode()
    assert "(415) 555-0199" in page and 'href="tel:+14155550199"' in page
    page = logged_in.get(reverse("candidate_list")).content.decode()
    assert "(415) 555-0199" in page


def test_a_clients_page_says_which_manager_each_contact_was_with(
    logged_in, company, manager, recruiter
):
    from candidly.activity.services import activity_log

    activity_log(recruiter=recruiter, hiring_manager=manager, kind="call", direction="inbound")
    page = logged_in.get(reverse("company_detail", args=[company.pk])).content.decode()
    assert "Inbound call with Morgan Reyes" in page


def test_the_chosen_filters_stay_chosen(logged_in, candidate, recruiter, other_recruiter):
    candidate_create(first_name="Riley", last_name="Park", owner=other_recruiter)
    response = logged_in.get(reverse("candidate_list"), {"owner": recruiter.pk, "stage": ""})
    page = response.content.decode()
    assert f'<option value="{recruiter.pk}" selected>Alex Kim</option>' in page
    assert "Jordan Ellis" in page and "Riley Park" not in page


def test_what_people_typed_is_shown_as_text_never_as_html(logged_in, candidate):
    _log(logged_in, candidate, subject="<b>bold</b>", body="<script>alert(1)</script>")
    page = logged_in.get(reverse("candidate_detail", args=[candidate.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page and "<b>bold</b>" not in page
