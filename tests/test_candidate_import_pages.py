"""The upload page (same import, same report as the command), the review of likely
duplicates, and the JSON Resume download; only for logged-in users."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidly.candidate_import.importer import import_candidates
from candidly.candidate_import.models import DuplicateSuggestion
from candidly.people.models import Candidate
from candidly.people.services import candidate_create

HEADER = "First Name,Last Name,Email,Company\n"


def _upload(client, *files, htmx=False, **fields):
    data = {"format": "auto", "mapping": "", "owner": fields.pop("owner"), "source": ""}
    data.update(fields)
    data["files"] = [SimpleUploadedFile(name, content) for name, content in files]
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("candidate_import"), data, headers=headers)


def _hold(recruiter, candidate, n=1):
    rows = "".join(f"Jordan,Ellis,jordan{i}@home.example,Initech\n" for i in range(n))
    import_candidates([("p.csv", (HEADER + rows).encode())], owner=recruiter)
    return list(DuplicateSuggestion.objects.order_by("pk"))


@pytest.fixture
def urls(recruiter, candidate):
    (suggestion,) = _hold(recruiter, candidate)
    return {
        "upload": ("get", reverse("candidate_import")),
        "review": ("get", reverse("candidate_import_review")),
        "merge": ("post", reverse("candidate_import_merge", args=[suggestion.pk])),
        "create": ("post", reverse("candidate_import_create", args=[suggestion.pk])),
        "resume": ("get", reverse("candidate_json_resume", args=[candidate.pk])),
    }


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_changes(client, urls):
    for name, (method, url) in urls.items():
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login") + "?next="), name
    assert DuplicateSuggestion.objects.get().state == "pending"
    upload = _upload(client, ("a.csv", (HEADER + "A,B,,\n").encode()), owner="1")
    assert upload.status_code == 302 and Candidate.objects.count() == 1


def test_a_recruiter_reaches_every_page(logged_in, urls):
    for name, (method, url) in urls.items():
        if method == "get":
            assert logged_in.get(url).status_code == 200, name


class TestUpload:
    def test_the_report_lists_each_item_as_the_command_does(self, logged_in, recruiter):
        response = _upload(
            logged_in,
            ("people.csv", (HEADER + "Riley,Park,riley@example.com,Hooli\n,,,\nX,,,\n").encode()),
            ("bad.json", b'{"name": 1}'),
            owner=recruiter.pk,
        )
        page = response.content.decode()
        riley = Candidate.objects.get()
        assert riley.owner == recruiter and riley.current_company == "Hooli"
        assert "1 imported, 0 already present, 2 refused, 0 merged, 0 held for review." in page
        assert f"new candidate Riley Park (#{riley.pk})" in page
        assert "people.csv, line 4: X" in page and "no first and last name" in page
        assert "not a JSON Resume: a JSON object without &quot;basics&quot;" in page

    def test_nothing_from_a_file_is_rendered_as_html(self, logged_in, recruiter):
        evil = "<script>alert(1)</script>"
        rows = f"{evil},Evil,,Acme\n<b>Bo</b>,X,bo@example.com,Y\n"
        candidate_create(first_name="<b>Bo</b>", last_name="X", current_company="Y")
        page = _upload(logged_in, ("x.csv", (HEADER + rows).encode()), owner=recruiter.pk)
        page = page.content.decode()
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert DuplicateSuggestion.objects.count() == 1
        page = logged_in.get(reverse("candidate_import_review")).content.decode()
        assert "<b>Bo</b>" not in page and "&lt;b&gt;Bo&lt;/b&gt;" in page

    def test_htmx_gets_only_the_panel(self, logged_in, recruiter):
        response = _upload(
            logged_in, ("a.csv", (HEADER + "A,B,,\n").encode()), owner=recruiter.pk, htmx=True
        )
        page = response.content.decode()
        assert page.strip().startswith('<div id="import-panel">')
        assert "<header" not in page and "1 imported" in page

    def test_a_file_over_the_limit_is_refused_and_the_others_go_on(
        self, logged_in, recruiter, settings
    ):
        settings.CANDIDATE_IMPORT_MAX_BYTES = 100
        response = _upload(
            logged_in,
            ("big.csv", (HEADER + "A,B,,\n" * 50).encode()),
            ("small.csv", (HEADER + "Small,One,,\n").encode()),
            owner=recruiter.pk,
        )
        page = response.content.decode()
        assert "big.csv" in page and "larger than 100\xa0bytes" in page
        assert list(Candidate.objects.values_list("first_name", flat=True)) == ["Small"]

    def test_a_bad_mapping_is_shown_on_the_form(self, logged_in, recruiter):
        response = _upload(
            logged_in, ("a.csv", b"X\n1\n"), owner=recruiter.pk, mapping="X=shoe_size"
        )
        assert "“shoe_size” is not a field" in response.content.decode()
        assert not Candidate.objects.exists()


class TestReview:
    def test_lists_what_waits_beside_the_suspected_candidate(self, logged_in, recruiter, candidate):
        _hold(recruiter, candidate)
        page = logged_in.get(reverse("candidate_import_review")).content.decode()
        assert "jordan0@home.example" in page
        assert "Merge into Jordan Ellis" in page and "Create as new" in page
        assert candidate.get_absolute_url() in page

    def test_a_constant_number_of_queries(self, logged_in, recruiter, candidate):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        _hold(recruiter, candidate, n=1)
        with CaptureQueriesContext(connection) as one:
            logged_in.get(reverse("candidate_import_review"))
        DuplicateSuggestion.objects.all().delete()
        _hold(recruiter, candidate, n=9)
        with CaptureQueriesContext(connection) as nine:
            page = logged_in.get(reverse("candidate_import_review")).content.decode()
        assert page.count("Merge into Jordan Ellis") == 9
        assert len(nine.captured_queries) == len(one.captured_queries)

    def test_merge_in_one_click(self, logged_in, recruiter, candidate):
        (suggestion,) = _hold(recruiter, candidate)
        response = logged_in.post(
            reverse("candidate_import_merge", args=[suggestion.pk]), follow=True
        )
        assert "Merged into Jordan Ellis: added email jordan0@home.example." in (
            response.content.decode()
        )
        suggestion.refresh_from_db()
        assert suggestion.state == "merged" and suggestion.resolved_by == recruiter
        assert candidate.contact_points.filter(value="jordan0@home.example").exists()

    def test_create_in_one_click_with_htmx(self, logged_in, recruiter, candidate):
        (suggestion,) = _hold(recruiter, candidate)
        url = reverse("candidate_import_create", args=[suggestion.pk])
        response = logged_in.post(url, headers={"HX-Request": "true"})
        page = response.content.decode()
        assert page.startswith(f'<tr id="suggestion-{suggestion.pk}">')
        assert "Jordan Ellis created as a new candidate." in page
        assert Candidate.objects.count() == 2
        again = logged_in.post(url, headers={"HX-Request": "true"}).content.decode()
        assert "already decided" in again and Candidate.objects.count() == 2

    def test_only_posts_change_anything(self, logged_in, recruiter, candidate):
        (suggestion,) = _hold(recruiter, candidate)
        url = reverse("candidate_import_merge", args=[suggestion.pk])
        assert logged_in.get(url).status_code == 405


class TestDownload:
    def test_the_candidate_page_links_to_the_download(self, logged_in, candidate):
        page = logged_in.get(reverse("candidate_detail", args=[candidate.pk])).content.decode()
        assert reverse("candidate_json_resume", args=[candidate.pk]) in page
        assert "Download JSON Resume" in page

    def test_the_download_is_the_json_resume(self, logged_in, candidate):
        response = logged_in.get(reverse("candidate_json_resume", args=[candidate.pk]))
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="jordan-ellis.json"'
        resume = json.loads(response.content)
        assert resume["basics"]["email"] == "jordan.ellis@example.com"
        assert logged_in.get(reverse("candidate_json_resume", args=[999999])).status_code == 404


def test_staff_see_suggestions_in_the_admin_read_only(client, lead, recruiter, candidate):
    (suggestion,) = _hold(recruiter, candidate)
    client.force_login(lead)
    listing = client.get(reverse("admin:candidate_import_duplicatesuggestion_changelist"))
    assert listing.status_code == 200 and "p.csv, line 2: Jordan Ellis" in listing.content.decode()
    url = reverse("admin:candidate_import_duplicatesuggestion_change", args=[suggestion.pk])
    client.post(url, {"state": "merged"})
    suggestion.refresh_from_db()
    assert suggestion.state == "pending"
