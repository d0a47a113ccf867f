"""The telephony webhook: calls reported live, as JSON, signed with a shared secret.

    POST /calls/webhook/
    X-Candidly-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>
    {"call_id": "…", "direction": "inbound", "from": "+14155550199", "to": "+16175550100",
     "start": "2025-03-04T14:05:00Z", "duration": 0, "disposition": "missed"}

The body carries the fields of a call-log row (candidly/calls/columns.py). The secret is the
CALLS_WEBHOOK_SECRET setting; without it the endpoint answers 503. A delivery is refused
(401) unless one of its v1 signatures matches; its timestamp must lie within five minutes of
ours (400 otherwise: a replay of an old delivery, or a clock that is off). A delivery sent
again within that window, or the same call sent again under a new signature, is answered
"already recorded" and adds nothing.

Answers (JSON): 201 {"status": "recorded", "activity": id}; 200 {"status": "already
recorded"}; 200 {"status": "unmatched", "reason": …} for a call with nobody Candidly knows
(nothing to retry); 400 {"error": …} for a body that is not a call; 401, 405, 413, 503.
"""

import hashlib
import hmac
import json
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from candidly.calls.services import (
    call_event_record,
    webhook_delivery_claim,
    webhook_delivery_settle,
)

HEADER = "X-Candidly-Signature"
TOLERANCE = 300  # seconds either way
MAX_BODY = 64 * 1024


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def parse_signature(header: str) -> tuple[int, list[str]] | None:
    """(timestamp, [v1 signatures]) from "t=…,v1=…[,v1=…]", or None when malformed."""
    timestamp, signatures = None, []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if not value.isascii() or not value.isdigit() or len(value) > 12:
                return None
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.strip().lower())
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@login_not_required
def calls_webhook(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        response = _error("Only POST is accepted.", 405)
        response["Allow"] = "POST"
        return response
    secret = settings.CALLS_WEBHOOK_SECRET
    if not secret:
        return _error("The calls webhook is not configured (CALLS_WEBHOOK_SECRET is unset).", 503)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return _error(f"The body is larger than {MAX_BODY // 1024} KB.", 413)
    parsed = parse_signature(request.headers.get(HEADER, ""))
    if parsed is None:
        return _error(f"Missing or malformed {HEADER} header (t=…,v1=…).", 401)
    timestamp, signatures = parsed
    body = request.body
    expected = sign(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        return _error("The signature does not match.", 401)
    if abs(time.time() - timestamp) > TOLERANCE:
        return _error(
            "The timestamp is more than 5 minutes from now: an old delivery replayed, or a "
            "clock that is off.",
            400,
        )
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return _error("The body is not JSON.", 400)
    delivery = webhook_delivery_claim(signature=expected)
    if delivery is None:
        return JsonResponse({"status": "already recorded"})
    result = call_event_record(values=payload)
    webhook_delivery_settle(delivery=delivery, result=result)
    if result.status == "refused":
        return _error(result.reason, 400)
    answer = {"status": result.status}
    if result.activity is not None:
        answer["activity"] = result.activity.pk
    if result.reason:
        answer["reason"] = result.reason
    return JsonResponse(answer, status=201 if result.status == "recorded" else 200)
