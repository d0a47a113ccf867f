"""The call-log columns Candidly reads, and how each value is understood.

A call log is a CSV file with a header line. These are the columns (our field names; the
header may spell them in any case, with spaces, dashes or underscores):

  direction    inbound or outbound (also: in, incoming, out, outgoing, outbound-api,
               outbound-dial). Optional: without it, the side that is a recruiter's line
               (or else the side that is a candidate's or hiring manager's number) decides.
  from         the caller's number, in any common form (+1 415 555 0199, (415) 555-0199).
               Numbers without a country code are read in the default region
               (PHONE_DEFAULT_REGION, or --region).
  to           the number called.
  start        when the call started: ISO 8601 with an offset (2025-03-04T14:05:00-05:00,
               …Z), or Unix seconds. A time without an offset is read in --time-zone
               (default: the site's TIME_ZONE); a time the clocks skip that day is refused,
               and one they pass twice is read as the first.
               Instead of start, a file may give `date` and `time` in two columns.
  duration     seconds (95), or [H:]MM:SS (1:35). Blank means 0. Minutes invested are
               rounded up, at most 1,440.
  disposition  answered, missed or voicemail (also: connected, completed / no answer,
               unanswered, busy, failed, cancelled, abandoned / voicemail left, vm).
  call_id      optional: the phone system's id for the call. Without it, a call is known
               by its numbers, start time and direction, so importing a file twice (or a
               call that also came in live through the webhook) records it once.
  recruiter    optional: the username or email of the recruiter who took or made the call.

Header names several phone systems use are understood as well (call sid, caller, callee,
start time, status, result, agent, …: `candidly import-calls --help` lists them). Other
columns are ignored. For any other export, name the columns:
--map "Their Column=start,Their Other=disposition".

What each call becomes: an inbound call answered is a connected call; an inbound call
missed is a call with no answer, and an inbound voicemail a voicemail: from a candidate,
both open a callback. An outbound call is connected, unanswered, or a voicemail left (which,
like a connected call, meets a callback owed to that person).
"""

# Everything here is plain parsing: nothing reads or writes the database.

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import phonenumbers
from django.core.exceptions import ValidationError

from candidly.lib.timeutil import in_zone

FIELDS = (
    "direction", "from", "to", "start", "date", "time", "duration", "disposition", "call_id",
    "recruiter",
)  # fmt: skip
REQUIRED = ("from", "to", "disposition")  # and start, or date and time

# Header names (normalised: lower case, words joined by "_") read as our fields.
SYNONYMS = {
    "call_id": ("id", "callid", "call_sid", "sid", "call_uuid", "uuid"),
    "direction": ("call_direction",),
    "from": ("from_number", "caller", "caller_number", "calling_number", "source_number"),
    "to": ("to_number", "callee", "called_number", "dialed_number", "destination_number"),
    "start": (
        "start_time", "started_at", "started", "call_start", "start_date_time", "datetime",
        "date_time", "timestamp",
    ),
    "date": ("call_date",),
    "time": ("call_time",),
    "duration": ("duration_seconds", "duration_s", "call_duration", "seconds", "talk_time"),
    "disposition": ("status", "call_status", "result", "call_result", "outcome"),
    "recruiter": ("user", "username", "agent", "owner"),
}  # fmt: skip

DIRECTIONS = {
    "inbound": "inbound", "in": "inbound", "incoming": "inbound", "received": "inbound",
    "outbound": "outbound", "out": "outbound", "outgoing": "outbound", "placed": "outbound",
    "outbound_api": "outbound", "outbound_dial": "outbound", "dialed": "outbound",
}  # fmt: skip
ANSWERED, MISSED, VOICEMAIL = "answered", "missed", "voicemail"
DISPOSITIONS = {
    "answered": ANSWERED, "connected": ANSWERED, "completed": ANSWERED, "answer": ANSWERED,
    "call_connected": ANSWERED,
    "missed": MISSED, "no_answer": MISSED, "noanswer": MISSED, "unanswered": MISSED,
    "not_answered": MISSED, "busy": MISSED, "failed": MISSED, "canceled": MISSED,
    "cancelled": MISSED, "abandoned": MISSED, "missed_call": MISSED, "hang_up": MISSED,
    "voicemail": VOICEMAIL, "voice_mail": VOICEMAIL, "vm": VOICEMAIL,
    "voicemail_left": VOICEMAIL, "left_voicemail": VOICEMAIL, "voicemail_received": VOICEMAIL,
}  # fmt: skip

MAX_MINUTES = 24 * 60
MAX_CALL_ID = 300
# A little slack for clocks that disagree (as activity_log allows); later is the future.
FUTURE_SLACK = timedelta(minutes=5)


def help_text() -> str:
    """The column set as `--help` shows it: this module's description and every synonym."""
    synonyms = "\n".join(f"  {field:<12} {', '.join(names)}" for field, names in SYNONYMS.items())
    return f"{__doc__.strip()}\n\nHeader names also understood:\n{synonyms}\n"


class Refused(ValueError):
    """An item that cannot be taken, with the reason a recruiter reads."""


def normalise_name(text: str) -> str:
    """A header or a value as compared: lower case, words joined by one underscore."""
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")


def parse_mapping(text: str) -> dict[str, str]:
    """--map "Their Column=our_field,…" as {normalised their column: our field}."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        theirs, sep, ours = part.rpartition("=")
        ours = normalise_name(ours)
        if not sep or not theirs.strip():
            raise ValueError(f"“{part.strip()}” is not Their Column=our_field.")
        if ours not in FIELDS:
            raise ValueError(f"“{ours}” is not one of our fields: {', '.join(FIELDS)}.")
        mapping[normalise_name(theirs)] = ours
    return mapping


def columns_of(header: list[str], mapping: dict[str, str] | None = None) -> dict[str, int]:
    """Which column holds each of our fields. The mapping decides first, then an exact
    field name, then a synonym; the first column wins among equals. Raises Refused for a
    header that lacks a required field or a mapped column."""
    names = [normalise_name(h) for h in header]
    found: dict[str, int] = {}
    mapping = mapping or {}
    for theirs, ours in mapping.items():
        if theirs not in names:
            raise Refused(f"the column “{theirs}” named in the mapping is not in the file")
        found.setdefault(ours, names.index(theirs))
    for field in FIELDS:
        if field in found:
            continue
        for candidate in (field, *SYNONYMS.get(field, ())):
            if candidate in names and names.index(candidate) not in found.values():
                found[field] = names.index(candidate)
                break
    missing = [f for f in REQUIRED if f not in found]
    if "start" not in found and not ("date" in found and "time" in found):
        missing.append("start")
    if missing:
        shown = ", ".join(h.strip() for h in header if h.strip()) or "none"
        raise Refused(
            f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
            f"(the header has: {shown[:300]}); name yours with a column mapping "
            f'(--map "Their Column={missing[0]}")'
        )
    return found


# --- values -----------------------------------------------------------------------------------


def _word_reader(words: dict[str, str]):
    """A lookup of `words` by normalised text, remembering each spelling it met (a log
    spells its few directions and dispositions the same way a million times)."""
    known: dict[str, str | None] = {}

    def read(text: str) -> str | None:
        found = known.get(text, "")
        if found == "":
            value = normalise_name(text)
            found = words.get(value) if value else None
            if len(known) < 1000:
                known[text] = found
        return found

    return read


_direction = _word_reader(DIRECTIONS)
_disposition = _word_reader(DISPOSITIONS)


def parse_direction(text: str) -> str | None:
    found = _direction(text)
    if found is None and normalise_name(text):
        raise Refused(f"“{_short(text)}” is not a direction (inbound or outbound)")
    return found


def parse_disposition(text: str) -> str:
    found = _disposition(text)
    if found is None:
        if not normalise_name(text):
            raise Refused("no disposition (answered, missed or voicemail)")
        raise Refused(f"“{_short(text)}” is not a disposition (answered, missed or voicemail)")
    return found


_DURATION = re.compile(r"(?:(\d{1,4}):)?(\d{1,2}):(\d{1,2})(?:\.\d+)?|(\d{1,9})(?:\.\d+)?")


def parse_duration(text: str) -> int:
    """Seconds, from "95", "95.4", "1:35" or "0:01:35"; blank is 0."""
    text = text.strip()
    if not text:
        return 0
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    match = _DURATION.fullmatch(text)
    if match is None:
        raise Refused(f"“{_short(text)}” is not a duration (seconds, or H:MM:SS)")
    hours, minutes, seconds, plain = match.groups()
    if plain is not None:
        return math.ceil(float(text))
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)


def minutes_of(seconds: int) -> int:
    return min(math.ceil(seconds / 60), MAX_MINUTES)


def parse_start(text: str, zone: ZoneInfo, date_format: str = "") -> datetime:
    """An aware moment. Naive times are read in `zone` (DST gaps refused)."""
    text = text.strip()
    if not text:
        raise Refused("no start time")
    moment = None
    try:
        if date_format:
            moment = datetime.strptime(text, date_format)
        elif text[:4].isdigit() and text[4:5] == "-":  # ISO 8601, the usual case: fast
            moment = datetime.fromisoformat(text)
        elif re.fullmatch(r"\d{9,10}(\.\d+)?", text):
            moment = datetime.fromtimestamp(float(text), UTC)
        elif re.fullmatch(r"\d{12,13}", text):  # milliseconds
            moment = datetime.fromtimestamp(int(text) / 1000, UTC)
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                moment = parsedate_to_datetime(text)  # RFC 2822, as some APIs send
    except (ValueError, TypeError, OverflowError, OSError, IndexError):
        moment = None
    if moment is None:
        wanted = f"“{date_format}”" if date_format else "ISO 8601 such as 2025-03-04T14:05-05:00"
        raise Refused(f"“{_short(text)}” is not a time ({wanted})")
    if moment.tzinfo is None:
        try:
            moment = in_zone(moment, zone)
        except ValidationError as exc:
            raise Refused(exc.messages[0].rstrip(".")) from None
    try:
        moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Refused(f"“{_short(text)}” is out of range") from None
    return moment


class Numbers:
    """Phone numbers in E.164, each distinct spelling parsed once (a call log repeats the
    same few thousand numbers; parsing is the costliest step of reading a row)."""

    LIMIT = 200_000

    def __init__(self, region: str):
        self.region = region
        self.seen: dict[str, str | None] = {}

    def e164(self, raw: str, what: str) -> str:
        found = self.seen.get(raw, "")
        if found == "":
            found = self._parse(raw)
            if len(self.seen) >= self.LIMIT:
                self.seen.clear()
            self.seen[raw] = found
        if found is None:
            if not raw.strip():
                raise Refused(f"no {what} number")
            raise Refused(f"“{_short(raw)}” is not a phone number ({what})")
        return found

    def _parse(self, raw: str) -> str | None:
        if not raw.strip() or len(raw) > 64:
            return None
        try:
            number = phonenumbers.parse(raw, self.region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_possible_number(number):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(slots=True)
class CallEvent:
    """One call as read from a row or a webhook body, before anyone is matched."""

    item: str  # how the report names it ("line 12")
    direction: str | None  # None: to be decided by whose numbers these are
    caller: str  # E.164
    called: str  # E.164
    start: datetime  # aware
    seconds: int
    disposition: str  # ANSWERED, MISSED or VOICEMAIL
    call_id: str = ""
    recruiter: str = ""  # a username or email, when the row names one

    def external_id(self, direction: str) -> str:
        """The call's id at its source, or a stable one from what identifies it."""
        if self.call_id:
            return self.call_id
        # The moment to the second, in UTC: written as call logs already imported were
        # identified, so that importing them again still finds them.
        at = self.start.astimezone(UTC).replace(microsecond=0).isoformat()
        digest = hashlib.sha256(f"{self.caller}|{self.called}|{at}|{direction}".encode())
        return "h-" + digest.hexdigest()[:40]


class Reader:
    """Turns field values (a CSV row or a webhook body) into CallEvents, or Refused."""

    def __init__(self, *, zone: ZoneInfo, region: str, date_format: str = "", now: datetime):
        self.zone = zone
        self.date_format = date_format
        self.numbers = Numbers(region)
        self.latest = now + FUTURE_SLACK

    def event(self, item: str, values: dict[str, str]) -> CallEvent:
        get = values.get
        direction = parse_direction(get("direction") or "")
        caller = self.numbers.e164(get("from") or "", "caller's")
        called = self.numbers.e164(get("to") or "", "called")
        start_text = get("start")
        if start_text is None and (get("date") is not None or get("time") is not None):
            start_text = f"{(get('date') or '').strip()} {(get('time') or '').strip()}".strip()
        start = parse_start(start_text or "", self.zone, self.date_format)
        if start > self.latest:
            raise Refused("that time is in the future")
        seconds = parse_duration(get("duration") or "")
        disposition = parse_disposition(get("disposition") or "")
        call_id = (get("call_id") or "").strip()
        if len(call_id) > MAX_CALL_ID:
            raise Refused(f"the call id is longer than {MAX_CALL_ID} characters")
        recruiter = (get("recruiter") or "").strip()
        return CallEvent(
            item, direction, caller, called, start, seconds, disposition, call_id, recruiter
        )


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
