import pytest
from django.core.exceptions import ValidationError

from candidly.activity.lists import candidate_search
from candidly.people.models import Candidate, ContactPoint
from candidly.people.selectors import person_by_contact
from candidly.people.services import candidate_create, company_create


def test_contact_points_are_normalised(candidate):
    values = dict(candidate.contact_points.values_list("kind", "value"))
    assert values == {"email": "jordan.ellis@example.com", "phone": "+14155550199"}


def test_an_inbound_email_or_call_finds_exactly_one_person(candidate, manager):
    assert person_by_contact("email", "jordan.ellis@example.com") == candidate
    assert person_by_contact("phone", "+16175550142") == manager
    assert person_by_contact("email", "nobody@example.com") is None


def test_a_duplicate_email_names_the_candidate_who_has_it(candidate):
    with pytest.raises(ValidationError) as exc:
        candidate_create(first_name="Sam", last_name="Other", emails=["JORDAN.ELLIS@example.com"])
    assert exc.value.message_dict["emails"] == [
        "jordan.ellis@example.com already belongs to Jordan Ellis."
    ]


def test_a_failed_create_leaves_nothing_behind(candidate):
    before = (Candidate.objects.count(), ContactPoint.objects.count())
    with pytest.raises(ValidationError) as exc:
        candidate_create(
            first_name="Sam",
            last_name="Other",
            emails=["sam@example.com"],
            phones=["not a number"],
        )
    assert exc.value.message_dict["phones"] == ["“not a number” is not a phone number."]
    assert (Candidate.objects.count(), ContactPoint.objects.count()) == before
    assert person_by_contact("email", "sam@example.com") is None


def test_a_bad_email_is_refused_in_plain_words(db):
    with pytest.raises(ValidationError) as exc:
        candidate_create(first_name="Sam", last_name="Other", emails=["sam at example"])
    assert exc.value.message_dict["emails"] == ["“sam at example” is not an email address."]


def test_a_bad_time_zone_is_refused(db):
    with pytest.raises(ValidationError, match="not a time zone"):
        candidate_create(first_name="Sam", last_name="Other", time_zone="Mars/Olympus")


def test_profile_urls_compare_equal_however_they_are_written(db):
    candidate_create(first_name="A", last_name="B", urls=["www.LinkedIn.com/in/ab/"])
    with pytest.raises(ValidationError, match="already belongs to A B"):
        candidate_create(first_name="C", last_name="D", urls=["https://linkedin.com/in/ab"])


def test_company_names_are_unique_whatever_the_case(company):
    with pytest.raises(ValidationError, match="Northwind Labs is already a client"):
        company_create(name="northwind labs")


class TestSearch:
    @pytest.fixture
    def people(self, candidate, recruiter, other_recruiter):
        candidate_create(
            first_name="Riley", last_name="Park", owner=other_recruiter, skills="Go, Kubernetes"
        )
        candidate_create(
            first_name="Casey",
            last_name="Ellis",
            owner=other_recruiter,
            phones=["+44 20 7946 0018"],
            current_company="Globex",
        )
        return candidate

    def names(self, **kwargs):
        return [c.full_name for c in candidate_search(**kwargs)]

    def test_by_name_in_name_order(self, people):
        assert self.names(query="ellis") == ["Casey Ellis", "Jordan Ellis"]

    def test_every_word_must_match(self, people):
        assert self.names(query="ellis python") == ["Jordan Ellis"]

    def test_by_email_in_any_case(self, people):
        assert self.names(query="Jordan.Ellis@EXAMPLE.com") == ["Jordan Ellis"]

    def test_by_phone_however_it_is_written(self, people):
        assert self.names(query="(415) 555-0199") == ["Jordan Ellis"]

    def test_by_company_and_skill(self, people):
        assert self.names(query="globex") == ["Casey Ellis"]
        assert self.names(query="kubernetes") == ["Riley Park"]

    def test_by_recruiter(self, people, other_recruiter):
        assert self.names(owner_id=other_recruiter.pk) == ["Casey Ellis", "Riley Park"]

    def test_by_stage_and_client(self, people, submission, company):
        assert self.names(stage="sourced") == ["Jordan Ellis"]
        assert self.names(stage="hired") == []
        assert self.names(company_id=company.pk) == ["Jordan Ellis"]


def test_odd_web_addresses_are_refused_in_plain_words(db):
    for raw in ("https://[abc", "http://x.example:99999"):
        with pytest.raises(ValidationError) as exc:
            candidate_create(first_name="A", last_name="B", urls=[raw])
        assert exc.value.message_dict["urls"] == [f"“{raw}” is not a web address."]


def test_an_overlong_address_is_refused_not_cut(db):
    url = "https://example.com/" + "x" * 400
    with pytest.raises(ValidationError, match="is too long"):
        candidate_create(first_name="A", last_name="B", urls=[url])
    assert not Candidate.objects.exists()


def test_one_referrer_at_most(candidate, manager):
    with pytest.raises(ValidationError, match="referred by one person"):
        candidate_create(
            first_name="A",
            last_name="B",
            referred_by_candidate=candidate,
            referred_by_manager=manager,
        )
