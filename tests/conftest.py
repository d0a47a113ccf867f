"""Shared fixtures: three users of different standing and a small agency built through the
services, so every test starts from data a recruiter could have typed."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from candidly.accounts.models import User
from candidly.obligations import rules
from candidly.people.services import candidate_create, company_create, hiring_manager_create
from candidly.pipeline.services import requisition_open, submission_create

PASSWORD = "a-long-test-password"


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_report_header(config):
    if _on_postgres():
        return "database: PostgreSQL (DATABASE_URL)"
    return (
        "database: SQLite. This run does not cover PostgreSQL: set DATABASE_URL=postgres://… "
        "to run the suite against it (.ci/run runs the suite on both)."
    )


def pytest_configure(config):
    # Persistent connections outlive the live server's threads and keep PostgreSQL from
    # dropping the test database at the end; tests open a connection per request instead.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    if os.environ.get("CANDIDLY_REQUIRE_POSTGRES") == "1" and not _on_postgres():
        raise pytest.UsageError(
            "CANDIDLY_REQUIRE_POSTGRES=1 but DATABASE_URL does not point at PostgreSQL."
        )


@pytest.fixture
def recruiter(db):
    return User.objects.create_user(
        "alex", password=PASSWORD, first_name="Alex", last_name="Kim", email="alex@agency.example"
    )


@pytest.fixture
def other_recruiter(db):
    return User.objects.create_user("blair", password=PASSWORD, first_name="Blair")


@pytest.fixture
def lead(db):
    return User.objects.create_user(
        "lee", password=PASSWORD, first_name="Lee", is_staff=True, is_superuser=True
    )


@pytest.fixture
def company(db):
    return company_create(name="Northwind Labs", industry="Software", city="Boston")


@pytest.fixture
def manager(company):
    return hiring_manager_create(
        company=company,
        first_name="Morgan",
        last_name="Reyes",
        title="Head of Engineering",
        emails=["Morgan.Reyes@Northwind.example"],
        phones=["(617) 555-0142"],
    )


@pytest.fixture
def requisition(manager, recruiter):
    return requisition_open(
        title="Backend Engineer",
        hiring_manager=manager,
        recruiter=recruiter,
        opened_at=timezone.now() - timedelta(days=30),
    )


@pytest.fixture
def candidate(recruiter):
    return candidate_create(
        first_name="Jordan",
        last_name="Ellis",
        owner=recruiter,
        emails=["Jordan.Ellis@Example.com"],
        phones=["+1 415 555 0199"],
        headline="Senior Python Developer",
        current_company="Initech",
        skills="Python, Django, PostgreSQL",
    )


@pytest.fixture
def submission(candidate, requisition, recruiter):
    return submission_create(
        candidate=candidate,
        requisition=requisition,
        by=recruiter,
        at=timezone.now() - timedelta(days=10),
    )


@pytest.fixture
def logged_in(client, recruiter):
    client.force_login(recruiter)
    return client


@pytest.fixture(autouse=True)
def _fresh_service_levels():
    # Each process keeps service levels for a minute; every test starts from the database.
    rules.forget_policies()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is slow by design; the tests check who gets in, not the hash's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
