"""Every page: anonymous visitors go to the login page; recruiters get in; only staff reach the
admin; an inactive user cannot log in."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.services import activity_log
from candidly.obligations.models import Obligation
from candidly.pipeline.services import offer_extend
from tests.conftest import PASSWORD


@pytest.fixture
def urls(candidate, manager, company, requisition, submission, recruiter):
    offer = offer_extend(submission=submission)
    activity_log(recruiter=recruiter, candidate=candidate, kind="voicemail", direction="inbound")
    obligation = Obligation.objects.get()
    return {
        "home": ("get", reverse("home")),
        "today": ("get", reverse("today", args=[recruiter.username])),
        "obligation_act": ("post", reverse("obligation_act", args=[obligation.pk])),
        "obligation_waive": ("post", reverse("obligation_waive", args=[obligation.pk])),
        "litmus": ("get", reverse("litmus")),
        "litmus_obligations": ("get", reverse("litmus_obligations")),
        "candidate_list": ("get", reverse("candidate_list")),
        "candidate_new": ("get", reverse("candidate_new")),
        "candidate_detail": ("get", reverse("candidate_detail", args=[candidate.pk])),
        "candidate_log": ("post", reverse("candidate_log", args=[candidate.pk])),
        "company_list": ("get", reverse("company_list")),
        "company_detail": ("get", reverse("company_detail", args=[company.pk])),
        "manager_list": ("get", reverse("manager_list")),
        "manager_detail": ("get", reverse("manager_detail", args=[manager.pk])),
        "manager_log": ("post", reverse("manager_log", args=[manager.pk])),
        "requisition_list": ("get", reverse("requisition_list")),
        "requisition_detail": ("get", reverse("requisition_detail", args=[requisition.pk])),
        "submission_move": ("post", reverse("submission_move", args=[submission.pk])),
        "interview_new": ("post", reverse("interview_new", args=[submission.pk])),
        "offer_new": ("post", reverse("offer_new", args=[submission.pk])),
        "offer_outcome": ("post", reverse("offer_outcome", args=[offer.pk])),
        "placement_new": ("post", reverse("placement_new", args=[submission.pk])),
        "requisition_add_candidate": (
            "post",
            reverse("requisition_add_candidate", args=[requisition.pk]),
        ),
    }


def test_anonymous_visitors_are_sent_to_log_in(client, urls):
    for name, (method, url) in urls.items():
        response = getattr(client, method)(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login") + "?next="), name


def test_a_recruiter_reaches_every_page(logged_in, urls):
    for name, (method, url) in urls.items():
        if method == "get":
            response = logged_in.get(url, follow=True)
            assert response.status_code == 200, name
            assert response.request["PATH_INFO"] == url, name


def test_write_pages_only_take_post(logged_in, urls):
    for name, (method, url) in urls.items():
        if method == "post":
            assert logged_in.get(url).status_code == 405, name


def test_missing_records_are_404(logged_in):
    for name in ("candidate_detail", "company_detail", "manager_detail", "requisition_detail"):
        assert logged_in.get(reverse(name, args=[999999])).status_code == 404, name


def test_login_and_logout(client, recruiter):
    response = client.post(reverse("login"), {"username": "alex", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("candidate_list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("candidate_list")).status_code == 302


def test_a_wrong_password_is_refused(client, recruiter):
    response = client.post(reverse("login"), {"username": "alex", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def test_an_inactive_user_cannot_log_in(client, recruiter):
    recruiter.is_active = False
    recruiter.save()
    response = client.post(reverse("login"), {"username": "alex", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get(reverse("candidate_list")).status_code == 302


def test_a_user_made_inactive_is_out_at_their_next_request(client, recruiter):
    client.post(reverse("login"), {"username": "alex", "password": PASSWORD})
    assert client.get(reverse("candidate_list")).status_code == 200
    User.objects.filter(pk=recruiter.pk).update(is_active=False)
    assert client.get(reverse("candidate_list")).status_code == 302


def test_an_expired_or_unknown_session_sends_to_log_in(client, recruiter):
    client.post(reverse("login"), {"username": "alex", "password": PASSWORD})
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("candidate_list")).status_code == 302
    client.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session-key"
    assert client.get(reverse("candidate_list")).status_code == 302


def test_only_staff_reach_the_admin(client, recruiter, lead):
    client.force_login(recruiter)
    assert client.get("/admin/").status_code == 302
    client.force_login(lead)
    assert client.get("/admin/").status_code == 200


def test_the_admin_lists_every_model(client, lead, candidate, submission, manager):
    client.force_login(lead)
    for path in (
        "accounts/user",
        "people/candidate",
        "people/company",
        "people/department",
        "people/hiringmanager",
        "people/contactpoint",
        "pipeline/requisition",
        "pipeline/submission",
        "pipeline/interview",
        "pipeline/offer",
        "pipeline/placement",
        "activity/activity",
    ):
        assert client.get(f"/admin/{path}/").status_code == 200, path
    assert client.get(f"/admin/people/candidate/{candidate.pk}/change/").status_code == 200


def test_staff_edits_of_contact_points_are_normalised(client, lead, candidate):
    client.force_login(lead)
    response = client.post(
        "/admin/people/contactpoint/add/",
        {"kind": "phone", "value": "(617) 555-0177", "label": "", "candidate": candidate.pk},
    )
    assert response.status_code == 302
    assert candidate.contact_points.filter(value="+16175550177").exists()
    response = client.post(
        "/admin/people/contactpoint/add/",
        {"kind": "email", "value": "not-an-email", "candidate": candidate.pk},
    )
    assert "is not an email address" in response.content.decode()


def test_a_missing_page_is_explained_in_the_layout(logged_in, settings):
    settings.DEBUG = False
    response = logged_in.get("/candidates/999999/")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.content.decode()
