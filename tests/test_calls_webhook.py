"""The telephony webhook: real signed requests through Django's test client."""

import json
import time
from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.calls.importer import SOURCE_WEBHOOK
from candidly.calls.models import WebhookDelivery
from candidly.calls.services import recruiter_line_add
from candidly.calls.webhook import sign
from candidly.obligations.models import Obligation

SECRET = "whsec-test-0123456789abcdef"
URL = "/calls/webhook/"


@pytest.fixture
def hook(settings, candidate, recruiter):
    settings.CALLS_WEBHOOK_SECRET = SECRET
    recruiter_line_add(user=recruiter, number="+16175550100")
    # A phone system is not logged in and sends no CSRF token.
    return Client(enforce_csrf_checks=True)


def event(**changes) -> dict:
    body = {
        "call_id": "CA0001",
        "direction": "inbound",
        "from": "+14155550199",
        "to": "+16175550100",
        "start": (timezone.now() - timedelta(minutes=2)).astimezone(UTC).isoformat(),
        "duration": 0,
        "disposition": "missed",
    }
    body.update(changes)
    return body


def post(client, body, *, secret=SECRET, t=None, header=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    t = int(time.time()) if t is None else t
    if header is None:
        header = f"t={t},v1={sign(secret, t, raw)}"
    return client.post(
        URL, raw, content_type="application/json", headers={"X-Candidly-Signature": header}
    )


def test_the_urls_are_where_the_docs_say():
    assert reverse("calls_webhook") == URL


def test_a_signed_missed_call_is_recorded_and_opens_a_callback(hook, candidate, recruiter):
    response = post(hook, event())
    assert response.status_code == 201
    activity = Activity.objects.get()
    assert response.json() == {"status": "recorded", "activity": activity.pk}
    assert (activity.source, activity.external_id, activity.kind, activity.outcome) == (
        SOURCE_WEBHOOK, "CA0001", "call", "no_answer",
    )  # fmt: skip
    assert (activity.candidate, activity.recruiter) == (candidate, recruiter)
    assert Obligation.objects.get().kind == "callback"


def test_a_replayed_delivery_is_answered_but_adds_nothing(hook):
    raw = json.dumps(event()).encode()
    t = int(time.time())
    header = f"t={t},v1={sign(SECRET, t, raw)}"
    assert post(hook, raw, header=header).status_code == 201
    again = post(hook, raw, header=header)
    assert again.status_code == 200 and again.json() == {"status": "already recorded"}
    # The same call sent anew (a provider's retry signs again): still one activity.
    retry = post(hook, raw, t=t + 1)
    assert retry.status_code == 200 and retry.json()["status"] == "already recorded"
    assert Activity.objects.count() == 1 and Obligation.objects.count() == 1


def test_a_call_without_an_id_is_known_by_what_it_is(hook):
    body = event()
    del body["call_id"]
    assert post(hook, body).status_code == 201
    assert post(hook, body, t=int(time.time()) - 1).json()["status"] == "already recorded"
    assert Activity.objects.count() == 1


def test_calling_back_meets_the_callback(hook):
    post(hook, event())
    later = (timezone.now() - timedelta(minutes=1)).isoformat()
    back = event(
        call_id="CA0002", direction="outbound", **{"from": "+16175550100", "to": "4155550199"},
        start=later, duration=95, disposition="answered",
    )  # fmt: skip
    assert post(hook, back).status_code == 201
    callback = Obligation.objects.get()
    assert callback.state == "met" and callback.met_by.external_id == "CA0002"


@pytest.mark.parametrize(
    "header",
    [None, "", "t=123", "v1=abc", "t=abc,v1=abc", "nonsense"],
    ids=["missing", "empty", "no-signature", "no-time", "bad-time", "nonsense"],
)
def test_a_missing_or_malformed_signature_is_401(hook, header):
    raw = json.dumps(event()).encode()
    headers = {} if header is None else {"X-Candidly-Signature": header}
    response = hook.post(URL, raw, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert "X-Candidly-Signature" in response.json()["error"]
    assert not Activity.objects.exists()


def test_a_wrong_secret_or_a_changed_body_is_401(hook):
    assert post(hook, event(), secret="not-the-secret").status_code == 401
    raw = json.dumps(event()).encode()
    t = int(time.time())
    header = f"t={t},v1={sign(SECRET, t, raw)}"
    tampered = raw.replace(b"missed", b"answered")
    response = post(hook, tampered, header=header)
    assert response.status_code == 401
    assert response.json() == {"error": "The signature does not match."}
    # The timestamp is signed too: moving it breaks the signature.
    assert post(hook, raw, header=header.replace(f"t={t}", f"t={t + 60}")).status_code == 401
    assert not Activity.objects.exists()


def test_one_matching_signature_among_several_is_enough(hook):
    raw = json.dumps(event()).encode()
    t = int(time.time())
    header = f"t={t},v1={sign('old-secret', t, raw)},v1={sign(SECRET, t, raw)}"
    assert post(hook, raw, header=header).status_code == 201


# Ten seconds past the window either way: the signing clock is read in whole seconds and
# the server's a moment later, so an offset of 301 s can land back inside it.
@pytest.mark.parametrize("offset", [-310, 310, -3600 * 24])
def test_a_timestamp_outside_five_minutes_is_400(hook, offset):
    response = post(hook, event(), t=int(time.time()) + offset)
    assert response.status_code == 400
    assert "more than 5 minutes" in response.json()["error"]
    assert not Activity.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("offset", [-290, 290])
def test_a_timestamp_within_the_window_is_taken(hook, offset):
    assert post(hook, event(), t=int(time.time()) + offset).status_code == 201


def test_without_a_secret_the_webhook_is_off(hook, settings):
    settings.CALLS_WEBHOOK_SECRET = ""
    response = post(hook, event(), secret="")
    assert response.status_code == 503
    assert "CALLS_WEBHOOK_SECRET" in response.json()["error"]


def test_only_post(hook):
    response = hook.get(URL)
    assert response.status_code == 405 and response["Allow"] == "POST"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "The body is not JSON."),
        (b"\xff\xfe", "The body is not JSON."),
        (b"[1, 2]", "the body must be a JSON object"),
        (json.dumps(event(disposition="transferred")).encode(), "is not a disposition"),
        (json.dumps(event(start="soon")).encode(), "is not a time"),
        (json.dumps(event(**{"from": ["+1"]})).encode(), "must be a string or a number"),
        (json.dumps({"from": "+14155550199"}).encode(), "missing columns: to, disposition"),
    ],
)
def test_a_body_that_is_not_a_call_is_400_with_the_reason(hook, body, error):
    response = post(hook, body)
    assert response.status_code == 400
    assert error in response.json()["error"]
    assert not Activity.objects.exists()
    # A refused delivery is not remembered: sending it again is refused again, not "recorded".
    assert not WebhookDelivery.objects.exists()


def test_a_call_with_nobody_known_is_reported_unmatched(hook):
    response = post(hook, event(**{"from": "+13125550123"}))
    assert response.status_code == 200
    assert response.json() == {
        "status": "unmatched",
        "reason": "no candidate or hiring manager with +13125550123",
    }
    assert not Activity.objects.exists()


def test_a_large_body_is_refused(hook):
    response = post(hook, event(note="x" * 70_000))
    assert response.status_code == 413


def test_deliveries_past_the_replay_window_are_forgotten(hook):
    post(hook, event())
    WebhookDelivery.objects.update(received_at=timezone.now() - timedelta(minutes=20))
    post(hook, event(call_id="CA0009"))
    assert list(WebhookDelivery.objects.values_list("result", flat=True)) == ["recorded"]
