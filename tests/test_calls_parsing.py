"""Property tests: random and mutated call logs never crash an import; every value parser
either reads a value or gives a reason; the one-row and bulk paths agree on any log."""

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidly.activity.models import Activity
from candidly.calls import columns
from candidly.calls.columns import Numbers, Refused
from candidly.calls.importer import CallImport, FileRefused, read_rows
from candidly.calls.services import recruiter_line_add
from candidly.obligations.models import Obligation
from candidly.people.services import candidate_create

NEW_YORK = ZoneInfo("America/New_York")
DB_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@given(st.text(max_size=60))
def test_value_parsers_read_a_value_or_give_a_reason(text):
    for parse in (
        columns.parse_direction,
        columns.parse_disposition,
        columns.parse_duration,
        lambda t: columns.parse_start(t, NEW_YORK),
        lambda t: columns.parse_start(t, NEW_YORK, "%m/%d/%Y %H:%M"),
        lambda t: Numbers("US").e164(t, "caller's"),
    ):
        try:
            value = parse(text)
        except Refused as exc:
            assert str(exc)
        else:
            if isinstance(value, datetime):
                assert value.tzinfo is not None
            if isinstance(value, int):
                assert value >= 0


@given(st.integers(0, 10**7))
def test_durations_round_up_to_minutes_within_a_day(seconds):
    minutes = columns.minutes_of(columns.parse_duration(str(seconds)))
    assert minutes == min(-(-seconds // 60), 1440)
    h, rest = divmod(seconds, 3600)
    if h < 10_000:
        assert columns.parse_duration(f"{h}:{rest // 60:02d}:{rest % 60:02d}") == seconds


@given(st.binary(max_size=400))
def test_random_bytes_are_read_or_refused_as_a_file(data):
    try:
        rows = list(read_rows(io.BytesIO(data)))
    except FileRefused as exc:
        assert str(exc)
        return
    for item, values in rows:
        assert item.startswith("line ")
        assert isinstance(values, dict | Refused)


# --- whole imports ---------------------------------------------------------------------------

PEOPLE = ["+14155550199", "+13125550100", "+16175550142", "+19995550000"]  # the last: nobody
LINES = ["+16175550100", "+16175550111"]


@pytest.fixture
def agency(candidate, manager, recruiter, other_recruiter):
    candidate_create(first_name="Sam", last_name="Lee", owner=other_recruiter, phones=[PEOPLE[1]])
    recruiter_line_add(user=recruiter, number=LINES[0])
    recruiter_line_add(user=other_recruiter, number=LINES[1])


def _valid_log(n: int) -> str:
    base = timezone.now() - timedelta(days=3)
    rows = ["call_id,direction,from,to,start,duration,disposition"]
    for i in range(n):
        person, line = PEOPLE[i % 4], LINES[i % 2]
        inbound = i % 3 != 2
        rows.append(
            f"id{i},{'inbound' if inbound else 'outbound'},{person if inbound else line},"
            f"{line if inbound else person},{(base + timedelta(hours=i)).isoformat()},{i * 31},"
            f"{['missed', 'voicemail', 'answered'][i % 3]}"
        )
    return "\n".join(rows) + "\n"


mutation = st.tuples(
    st.sampled_from(["delete", "insert", "replace"]),
    st.integers(0, 10_000),
    st.binary(min_size=1, max_size=4),
)


@pytest.mark.django_db
@DB_SETTINGS
@given(mutations=st.lists(mutation, max_size=8), bulk=st.booleans())
def test_a_mutated_log_never_crashes_the_import_and_the_report_adds_up(agency, mutations, bulk):
    data = bytearray(_valid_log(12).encode())
    for how, at, chunk in mutations:
        at %= len(data) + 1
        if how == "delete":
            del data[at : at + len(chunk)]
        elif how == "insert":
            data[at:at] = chunk
        else:
            data[at : at + len(chunk)] = chunk
    with transaction.atomic():
        importer = CallImport(bulk=bulk)
        report = importer.run(io.BytesIO(bytes(data)))
        added = Activity.objects.count()
        assert report.imported == added
        if importer.failed:
            assert added == 0 and len(report.refused) == 1
        else:
            assert report.imported + report.duplicates + len(report.refused) <= 12 + 8 * 4
        # Every activity is a well-formed call, and the obligations are what rebuild makes.
        for kind, outcome, minutes in Activity.objects.values_list("kind", "outcome", "minutes"):
            assert (kind, outcome == "") in {("call", False), ("voicemail", True)}
            assert 0 <= minutes <= 1440
        again = CallImport(bulk=bulk).run(io.BytesIO(bytes(data)))
        assert again.imported == 0 and Activity.objects.count() == added
        transaction.set_rollback(True)


call_row = st.tuples(
    st.integers(0, 3),  # who
    st.integers(0, 1),  # which line
    st.sampled_from(["inbound", "outbound", ""]),
    st.integers(0, 60 * 24 * 10),  # minutes after the start of the story
    st.sampled_from(["missed", "voicemail", "answered", "busy", "bogus"]),
    st.integers(0, 4000),  # seconds
)


def _log(rows) -> str:
    base = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    lines = ["direction,from,to,start,duration,disposition"]
    for who, line, direction, minutes, disposition, seconds in rows:
        person, ours = PEOPLE[who], LINES[line]
        caller, called = (ours, person) if direction == "outbound" else (person, ours)
        at = (base + timedelta(minutes=minutes)).isoformat()
        lines.append(f"{direction},{caller},{called},{at},{seconds},{disposition}")
    return "\n".join(lines) + "\n"


def _state():
    ext = dict(Activity.objects.values_list("pk", "external_id"))
    activities = sorted(
        Activity.objects.values_list(
            "external_id", "kind", "direction", "outcome", "candidate_id", "hiring_manager_id",
            "recruiter_id", "occurred_at", "minutes", "side",
        )
    )  # fmt: skip
    obligations = sorted(
        (kind, ext[activity], state, ext.get(met_by) or "", opened, due)
        for kind, activity, state, met_by, opened, due in Obligation.objects.values_list(
            "kind", "activity_id", "state", "met_by_id", "opened_at", "due_at"
        )
    )
    return activities, obligations


@pytest.mark.django_db
@DB_SETTINGS
@given(rows=st.lists(call_row, min_size=1, max_size=25))
def test_the_one_row_and_bulk_paths_agree_on_any_log(agency, rows):
    data = _log(rows).encode()
    outcomes = []
    for bulk in (False, True):
        with transaction.atomic():
            report = CallImport(bulk=bulk).run(io.BytesIO(data))
            outcomes.append((report.as_json(), _state()))
            transaction.set_rollback(True)
    assert outcomes[0] == outcomes[1]
