"""Importing candidates: new ones created, duplicates by email, phone or profile URL merged
without overwriting, likely duplicates held for a recruiter, conflicts refused, nothing added
twice; the command, its JSON, and the JSON Resume export and round trip."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.candidate_import.importer import import_candidates
from candidly.candidate_import.jsonresume import SCHEMA, candidate_as_resume
from candidly.candidate_import.models import DuplicateSuggestion, ImportedRecord
from candidly.candidate_import.services import (
    duplicate_suggestion_create,
    duplicate_suggestion_merge,
)
from candidly.people.models import Candidate, ContactPoint
from candidly.people.services import candidate_create

HEADER = "First Name,Last Name,Email,Phone,URL,Company,Title,Location,Notes\n"


def _run(text: str, owner, name="people.csv", **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return import_candidates([(name, data)], owner=owner, imported_by=owner, **kwargs)


def _state():
    """Everything an import can write, to show that a run changed nothing."""
    return (
        list(Candidate.objects.order_by("pk").values()),
        list(ContactPoint.objects.order_by("pk").values_list("kind", "value", "candidate_id")),
        Activity.objects.count(),
        DuplicateSuggestion.objects.count(),
    )


class TestCreating:
    def test_a_new_candidate_gets_its_contact_points_owner_and_fields(self, recruiter):
        report = _run(
            HEADER + "Riley,Park,Riley@Example.com,(415) 555-0123,linkedin.com/in/rpark/,"
            "Hooli,Data Engineer,Oakland,\n",
            recruiter,
            source="Meetup",
        )
        assert (report.imported, report.duplicates, report.refused) == (1, 0, [])
        riley = Candidate.objects.get(last_name="Park")
        assert riley.owner == recruiter
        assert (riley.headline, riley.current_company, riley.location, riley.source) == (
            "Data Engineer",
            "Hooli",
            "Oakland",
            "Meetup",
        )
        assert set(riley.contact_points.values_list("kind", "value")) == {
            ("email", "riley@example.com"),
            ("phone", "+14155550123"),
            ("url", "https://linkedin.com/in/rpark"),
        }
        assert report.lines[0].note == f"new candidate Riley Park (#{riley.pk})"

    def test_a_contact_point_that_is_not_one_is_left_out_with_a_note(self, recruiter):
        report = _run(HEADER + "Ada,Byron,not-an-email,,,,,,\n", recruiter)
        assert report.imported == 1
        assert "“not-an-email” is not an email address. Left out." in report.lines[0].note
        assert not ContactPoint.objects.exists()

    def test_notes_go_on_the_timeline_once(self, recruiter):
        text = HEADER + 'Ada,Byron,ada@example.com,,,,,,"Met at a meetup.\nKeen on Rust."\n'
        _run(text, recruiter)
        _run(text, recruiter)
        note = Activity.objects.get()
        assert (note.kind, note.direction, note.minutes) == ("note", "internal", 0)
        assert note.body == "Met at a meetup.\nKeen on Rust."
        assert note.candidate.last_name == "Byron" and note.recruiter == recruiter

    def test_one_bad_row_refuses_only_itself(self, recruiter):
        long_title = "x" * 250
        report = _run(
            HEADER
            + "One,Good,one@example.com,,,,,,\n"
            + f"Too,Long,long@example.com,,,,{long_title},,\n"
            + "Prince,,,,,,,,\n"
            + "Two,Good,two@example.com,,,,,,\n",
            recruiter,
        )
        assert report.imported == 2
        assert [(r.item, r.note) for r in report.refused] == [
            (
                "people.csv, line 3: Too Long",
                "title: at most 200 characters (it has 250)",
            ),
            ("people.csv, line 4: Prince", "no first and last name"),
        ]
        assert not ContactPoint.objects.filter(value="long@example.com").exists()
        assert sorted(Candidate.objects.values_list("first_name", flat=True)) == ["One", "Two"]


class TestMerging:
    def test_a_known_email_merges_adding_what_is_missing_and_overwriting_nothing(
        self, recruiter, candidate
    ):
        report = _run(
            HEADER + "Jordan,Ellis,JORDAN.ELLIS@example.com,+44 20 7946 0958,,Acme,"
            "Staff Engineer,Oakland,\n",
            recruiter,
        )
        assert (report.imported, report.duplicates, report.counts["merged"]) == (0, 1, 1)
        assert report.lines[0].note == (
            f"Jordan Ellis (#{candidate.pk}): added phone +442079460958, location"
        )
        candidate.refresh_from_db()
        assert candidate.headline == "Senior Python Developer"  # kept
        assert candidate.current_company == "Initech"  # kept
        assert candidate.location == "Oakland"  # was empty
        assert candidate.contact_points.count() == 3
        assert Candidate.objects.count() == 1

    @pytest.mark.parametrize(
        "row",
        ["J.,Ellis,,415.555.0199,,,,,", "J.,Ellis,,,https://www.linkedin.com/in/jordan/,,,,"],
        ids=["phone", "profile URL"],
    )
    def test_a_known_phone_or_profile_url_finds_the_candidate(self, recruiter, candidate, row):
        ContactPoint.objects.create(
            kind="url", value="https://linkedin.com/in/jordan", candidate=candidate
        )
        report = _run(HEADER + row + "\n", recruiter)
        assert (report.imported, report.duplicates, report.refused) == (0, 1, [])
        assert report.lines[0].note == f"Jordan Ellis (#{candidate.pk}): nothing new"
        candidate.refresh_from_db()
        assert candidate.first_name == "Jordan"

    def test_points_of_two_different_candidates_refuse_the_row_naming_both(
        self, recruiter, candidate
    ):
        other = candidate_create(first_name="Sam", last_name="Lee", phones=["617-555-0101"])
        before = _state()
        report = _run(
            HEADER + "Jo,Lee,jordan.ellis@example.com,617-555-0101,,,,Boston,\n", recruiter
        )
        assert report.imported == report.duplicates == 0
        (refused,) = report.refused
        assert refused.note == (
            f"matches two candidates: Jordan Ellis (#{candidate.pk}) by email "
            f"jordan.ellis@example.com, and Sam Lee (#{other.pk}) by phone +16175550101"
        )
        assert _state() == before

    def test_a_hiring_managers_address_refuses_the_row(self, recruiter, manager):
        report = _run(HEADER + "Morgan,Reyes,morgan.reyes@northwind.example,,,,,,\n", recruiter)
        assert report.refused[0].note == (
            "email morgan.reyes@northwind.example belongs to hiring manager Morgan Reyes "
            f"(#{manager.pk})"
        )
        assert not Candidate.objects.exists()

    def test_an_owner_is_given_only_to_a_candidate_without_one(self, recruiter, other_recruiter):
        unowned = candidate_create(first_name="Kim", last_name="Cho", emails=["kim@example.com"])
        _run(HEADER + "Kim,Cho,kim@example.com,,,,,,\n", other_recruiter)
        unowned.refresh_from_db()
        assert unowned.owner == other_recruiter


class TestLikelyDuplicates:
    def test_same_name_and_company_is_held_never_merged(self, recruiter, candidate):
        before = _state()
        report = _run(HEADER + "jordan,ELLIS,jordan@home.example,,,initech,,Denver,\n", recruiter)
        assert (report.imported, report.duplicates, report.counts["held_for_review"]) == (0, 1, 1)
        assert report.lines[0].note.startswith(
            f"likely the same person as Jordan Ellis (#{candidate.pk}) at Initech: held for"
        )
        suggestion = DuplicateSuggestion.objects.get()
        assert suggestion.suspected == candidate and suggestion.state == "pending"
        assert suggestion.record["emails"] == ["jordan@home.example"]
        assert suggestion.item == "people.csv, line 2: jordan ELLIS"
        # Nothing changed on the candidate, nobody new.
        assert _state()[:3] == before[:3]

    def test_same_name_at_another_company_is_a_new_candidate(self, recruiter, candidate):
        report = _run(HEADER + "Jordan,Ellis,,,,Globex,,,\n", recruiter)
        assert report.imported == 1 and Candidate.objects.count() == 2

    def test_merging_a_suggestion_fills_in_the_candidate_and_is_remembered(
        self, recruiter, other_recruiter, candidate
    ):
        text = HEADER + "Jordan,Ellis,jordan@home.example,,,Initech,Boss,Denver,\n"
        _run(text, recruiter)
        suggestion = DuplicateSuggestion.objects.get()
        added = duplicate_suggestion_merge(suggestion=suggestion, by=other_recruiter)
        assert added == ["email jordan@home.example", "location"]
        candidate.refresh_from_db()
        assert candidate.location == "Denver" and candidate.headline == "Senior Python Developer"
        suggestion.refresh_from_db()
        assert (suggestion.state, suggestion.resolved_by, suggestion.result) == (
            "merged",
            other_recruiter,
            candidate,
        )
        with pytest.raises(ValidationError, match="already decided"):
            duplicate_suggestion_create(suggestion=suggestion, by=recruiter)
        again = _run(text, recruiter)
        assert again.lines[0].note == f"merged by a recruiter: Jordan Ellis (#{candidate.pk})"
        assert DuplicateSuggestion.objects.count() == 1

    def test_creating_from_a_suggestion_makes_a_second_candidate(self, recruiter, candidate):
        _run(HEADER + "Jordan,Ellis,jordan@home.example,,,Initech,,,\n", recruiter)
        suggestion = DuplicateSuggestion.objects.get()
        new = duplicate_suggestion_create(suggestion=suggestion, by=recruiter)
        assert new.pk != candidate.pk and new.owner == recruiter
        assert list(new.contact_points.values_list("value", flat=True)) == ["jordan@home.example"]
        with pytest.raises(ValidationError, match="already decided"):
            duplicate_suggestion_merge(suggestion=suggestion, by=recruiter)


def test_running_the_same_file_again_adds_nothing(recruiter, candidate):
    text = (
        HEADER
        + "Riley,Park,riley@example.com,,,Hooli,,,Note one\n"  # new, with a contact point
        + "Noa,Contact,,,,Acme,,,\n"  # new, with nothing to match on
        + "Jordan,Ellis,jordan.ellis@example.com,,,,,Oakland,\n"  # merged
        + "Jordan,Ellis,,,,Initech,,,\n"  # held
        + "Bad,Row,,,,,"
        + "y" * 300
        + ",,\n"  # refused
    )
    first = _run(text, recruiter)
    assert (first.imported, first.duplicates, len(first.refused)) == (2, 2, 1)
    assert first.counts == {"merged": 1, "held_for_review": 1}
    before = _state()
    second = _run(text, recruiter)
    assert (second.imported, second.duplicates, len(second.refused)) == (0, 4, 1)
    assert second.counts == {"merged": 0, "held_for_review": 0}
    assert _state() == before
    assert ImportedRecord.objects.count() == 3


class TestCommand:
    def test_prints_each_item_and_the_totals(self, tmp_path, recruiter, candidate):
        path = tmp_path / "people.csv"
        path.write_text(HEADER + "Riley,Park,riley@example.com,,,,,,\n,,,,,,,,x\n")
        out = StringIO()
        call_command("import_candidates", str(path), "--owner", "alex", stdout=out)
        riley = Candidate.objects.get(last_name="Park")
        assert out.getvalue().splitlines() == [
            f"+ people.csv, line 2: Riley Park — new candidate Riley Park (#{riley.pk})",
            "! people.csv, line 3 — no name, email, phone or profile URL",
            "1 imported, 0 already present, 1 refused, 0 merged, 0 held for review.",
        ]

    def test_json_report_and_a_missing_file_refused_while_the_rest_goes_on(
        self, tmp_path, recruiter
    ):
        good = tmp_path / "good.csv"
        good.write_bytes((HEADER + "Renée,Dubois,renee@example.com,,,,,,\n").encode("cp1252"))
        out = StringIO()
        call_command(
            "import_candidates", str(tmp_path / "nope.csv"), str(good), "--json", stdout=out
        )
        data = json.loads(out.getvalue())
        assert data == {
            "imported": 1,
            "duplicates": 0,
            "refused": [
                {
                    "item": str(tmp_path / "nope.csv"),
                    "reason": "cannot be read: No such file or directory",
                }
            ],
            "merged": 0,
            "held_for_review": 0,
            "notes": ["good.csv: not UTF-8: read as Windows-1252"],
        }
        assert Candidate.objects.get().first_name == "Renée"

    def test_the_owner_must_be_named_when_there_are_several_users(
        self, tmp_path, recruiter, other_recruiter
    ):
        path = tmp_path / "p.csv"
        path.write_text(HEADER)
        with pytest.raises(CommandError, match="--owner USERNAME"):
            call_command("import_candidates", str(path))
        with pytest.raises(CommandError, match="No active user called “zed”"):
            call_command("import_candidates", str(path), "--owner", "zed")

    def test_a_bad_mapping_stops_before_anything_is_read(self, tmp_path, recruiter):
        path = tmp_path / "p.csv"
        path.write_text("Given\nAda\n")
        with pytest.raises(CommandError, match="--map: “age” is not a field"):
            call_command("import_candidates", str(path), "--map", "Given=age")

    def test_a_mapped_csv(self, tmp_path, recruiter):
        path = tmp_path / "p.csv"
        path.write_text("Given|x;Family;Mail\nAda;Lovelace;ada@example.com\n")
        out = StringIO()
        call_command(
            "import_candidates",
            str(path),
            "--map",
            "Given|x=first_name,Family=last_name,Mail=email",
            "--json",
            stdout=out,
        )
        assert json.loads(out.getvalue())["imported"] == 1
        assert Candidate.objects.get().contact_points.get().value == "ada@example.com"


class TestJsonResumeExport:
    def test_export_is_a_json_resume(self, candidate, settings):
        settings.SITE_URL = "https://crm.example"
        ContactPoint.objects.create(
            kind="url", value="https://linkedin.com/in/jordan-ellis", candidate=candidate
        )
        Candidate.objects.filter(pk=candidate.pk).update(location="Oakland, CA")
        candidate.refresh_from_db()
        resume = candidate_as_resume(candidate)
        assert resume == {
            "$schema": SCHEMA,
            "basics": {
                "name": "Jordan Ellis",
                "label": "Senior Python Developer",
                "email": "jordan.ellis@example.com",
                "phone": "+14155550199",
                "location": {"city": "Oakland, CA"},
                "profiles": [
                    {
                        "network": "LinkedIn",
                        "url": "https://linkedin.com/in/jordan-ellis",
                        "username": "jordan-ellis",
                    }
                ],
            },
            "work": [{"name": "Initech", "position": "Senior Python Developer"}],
            "skills": [{"name": "Python"}, {"name": "Django"}, {"name": "PostgreSQL"}],
            "meta": {"canonical": f"https://crm.example/candidates/{candidate.pk}/resume.json"},
        }

    def test_round_trip_finds_the_same_candidate_and_adds_nothing(
        self, tmp_path, recruiter, candidate
    ):
        path = tmp_path / "jordan.json"
        call_command("export_candidate", str(candidate.pk), "--out", str(path), stdout=StringIO())
        before = _state()
        out = StringIO()
        call_command("import_candidates", str(path), "--owner", "alex", "--json", stdout=out)
        data = json.loads(out.getvalue())
        assert (data["imported"], data["duplicates"], data["merged"], data["refused"]) == (
            0,
            1,
            0,
            [],
        )
        assert _state() == before

    def test_round_trip_without_contact_points_goes_by_the_link_back(self, recruiter):
        quiet = candidate_create(
            first_name="Quinn", last_name="Doe", current_company="Acme", owner=recruiter
        )
        doc = json.dumps(candidate_as_resume(quiet)).encode()
        report = import_candidates([("q.json", doc)], owner=recruiter)
        assert (report.imported, report.duplicates, report.counts["held_for_review"]) == (0, 1, 0)
        assert report.lines[0].note == f"Quinn Doe (#{quiet.pk}): nothing new"
        # The link back is trusted only with the same name.
        other = json.loads(doc)
        other["basics"]["name"] = "Someone Else"
        report = import_candidates([("o.json", json.dumps(other).encode())], owner=recruiter)
        assert report.imported == 1

    def test_export_command_prints_to_standard_output(self, candidate):
        out = StringIO()
        call_command("export_candidate", str(candidate.pk), stdout=out)
        assert json.loads(out.getvalue())["basics"]["name"] == "Jordan Ellis"
        with pytest.raises(CommandError, match="No candidate #999999"):
            call_command("export_candidate", "999999")


@override_settings(PHONE_DEFAULT_REGION="GB")
def test_numbers_without_a_country_code_use_the_default_region(recruiter):
    _run(HEADER + "Ada,Byron,,020 7946 0958,,,,,\n", recruiter)
    assert ContactPoint.objects.get().value == "+442079460958"


def test_a_single_user_is_the_owner_by_default(tmp_path, db):
    only = User.objects.create_user("solo")
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "Ada,Byron,,,,,,,\n")
    call_command("import_candidates", str(path), stdout=StringIO())
    assert Candidate.objects.get().owner == only
