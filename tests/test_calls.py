"""`candidly import-calls`: call logs in, matched to people and recruiters, obligations kept,
bad rows refused with reasons, and nothing added twice."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.calls import importer
from candidly.calls.importer import SOURCE_CSV, SOURCE_WEBHOOK
from candidly.calls.models import RecruiterLine
from candidly.calls.services import recruiter_line_add
from candidly.obligations.models import Obligation
from candidly.people.services import candidate_create

HEADER = "call_id,direction,from,to,start,duration,disposition\n"
ALEX_LINE = "+16175550100"
JORDAN = "+14155550199"  # the candidate fixture's phone
MORGAN = "+16175550142"  # the hiring manager fixture's phone


@pytest.fixture
def line(recruiter):
    return recruiter_line_add(user=recruiter, number="(617) 555-0100", label="desk")


def ago(**delta) -> str:
    return (timezone.now() - timedelta(**delta)).astimezone(UTC).isoformat()


def run(tmp_path, text: str | bytes, *args, name="calls.csv") -> dict:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    out = StringIO()
    call_command("import_calls", str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_missed_call_from_a_candidate_opens_a_callback_and_calling_back_meets_it(
    tmp_path, candidate, line, recruiter
):
    report = run(
        tmp_path,
        HEADER
        + f"c1,inbound,{JORDAN},{ALEX_LINE},{ago(hours=3)},0,missed\n"
        + f"c2,outbound,{ALEX_LINE},(415) 555-0199,{ago(hours=1)},125,answered\n",
    )
    assert report == {
        "imported": 2, "duplicates": 0, "refused": [], "unmatched": 0, "callbacks_opened": 1,
    }  # fmt: skip
    missed = Activity.objects.get(external_id="c1")
    back = Activity.objects.get(external_id="c2")
    assert (missed.kind, missed.direction, missed.outcome, missed.minutes) == (
        "call", "inbound", "no_answer", 0,
    )  # fmt: skip
    assert (back.kind, back.direction, back.outcome, back.minutes) == (
        "call", "outbound", "connected", 3,
    )  # fmt: skip
    assert missed.candidate == back.candidate == candidate
    assert missed.recruiter == back.recruiter == recruiter
    assert missed.source == SOURCE_CSV and missed.side == "candidate"
    callback = Obligation.objects.get()
    assert (callback.kind, callback.activity, callback.state, callback.met_by) == (
        "callback", missed, "met", back,
    )  # fmt: skip


def test_voicemails_both_ways(tmp_path, candidate, line):
    run(
        tmp_path,
        HEADER
        + f"v1,inbound,{JORDAN},{ALEX_LINE},{ago(hours=5)},41,voicemail\n"
        + f"v2,outbound,{ALEX_LINE},{JORDAN},{ago(hours=4)},30,voicemail\n",
    )
    theirs, ours = Activity.objects.get(external_id="v1"), Activity.objects.get(external_id="v2")
    assert (theirs.kind, theirs.direction, theirs.outcome, theirs.minutes) == (
        "voicemail", "inbound", "", 1,
    )  # fmt: skip
    assert (ours.kind, ours.outcome) == ("call", "voicemail_left")
    # A message left for them answers the callback, as a call would.
    assert Obligation.objects.get().met_by == ours


def test_an_unanswered_call_back_leaves_the_callback_open(tmp_path, candidate, line):
    run(
        tmp_path,
        HEADER
        + f"a,inbound,{JORDAN},{ALEX_LINE},{ago(hours=5)},0,no answer\n"
        + f"b,outbound,{ALEX_LINE},{JORDAN},{ago(hours=4)},0,busy\n",
    )
    assert Obligation.objects.get().state == "open"


def test_minutes_are_rounded_up_and_capped_at_a_day(tmp_path, candidate, line):
    run(
        tmp_path,
        HEADER
        + f"a,outbound,{ALEX_LINE},{JORDAN},{ago(days=3)},61,answered\n"
        + f"b,outbound,{ALEX_LINE},{JORDAN},{ago(days=2)},1:00:00,answered\n"
        + f"c,outbound,{ALEX_LINE},{JORDAN},{ago(days=1)},99999,answered\n",
    )
    minutes = dict(Activity.objects.values_list("external_id", "minutes"))
    assert minutes == {"a": 2, "b": 60, "c": 1440}


def test_running_the_same_file_again_adds_nothing(tmp_path, candidate, manager, line):
    text = (
        "direction,from,to,start,duration,disposition\n"  # no call id: known by what it is
        f"inbound,{JORDAN},{ALEX_LINE},{ago(hours=3)},0,missed\n"
        f"outbound,{ALEX_LINE},{MORGAN},{ago(hours=2)},300,answered\n"
    )
    first = run(tmp_path, text)
    second = run(tmp_path, text)
    assert first["imported"] == 2 and first["duplicates"] == 0
    assert second["imported"] == 0 and second["duplicates"] == 2
    assert Activity.objects.count() == 2 and Obligation.objects.count() == 1
    # The same calls written differently are still the same calls.
    again = text.replace(JORDAN, "(415) 555-0199").replace("+00:00", "Z")
    assert run(tmp_path, again)["duplicates"] == 2


def test_a_call_that_came_in_live_is_not_recorded_again_from_the_export(
    tmp_path, candidate, line, recruiter
):
    activity_log(
        recruiter=recruiter, candidate=candidate, kind="call", direction="inbound",
        outcome="no_answer", occurred_at=timezone.now() - timedelta(hours=1),
        source=SOURCE_WEBHOOK, external_id="CA123",
    )  # fmt: skip
    report = run(tmp_path, HEADER + f"CA123,inbound,{JORDAN},{ALEX_LINE},{ago(hours=1)},0,missed\n")
    assert (report["imported"], report["duplicates"]) == (0, 1)


def test_bad_rows_are_refused_with_reasons_and_the_rest_is_taken(
    tmp_path, candidate, manager, line
):
    good = f"ok,inbound,{JORDAN},{ALEX_LINE},{ago(hours=2)},10,answered\n"
    rows = [
        f"r1,inbound,{JORDAN},{ALEX_LINE},yesterday-ish,10,answered\n",
        f"r2,inbound,{JORDAN},{ALEX_LINE},{ago(hours=2)},10,transferred\n",
        f"r3,inbound,,{ALEX_LINE},{ago(hours=2)},10,answered\n",
        f"r4,sideways,{JORDAN},{ALEX_LINE},{ago(hours=2)},10,answered\n",
        f"r5,inbound,{JORDAN},{ALEX_LINE},{ago(hours=2)},ten,answered\n",
        f"r6,inbound,+13125550123,{ALEX_LINE},{ago(hours=2)},10,answered\n",
        f"r7,inbound,{JORDAN},{ALEX_LINE},2099-01-01T10:00:00Z,10,answered\n",
        f"r8,inbound,{JORDAN},{ALEX_LINE},2025-03-09 02:30,10,answered\n",  # clocks skip it
        f"r9,inbound,{JORDAN},+16175550999,{ago(hours=2)},10,answered\n".replace(JORDAN, MORGAN),
    ]
    data = (HEADER + "".join(rows[:4]) + good).encode() + "r10,inbound,Jörg,".encode("latin-1")
    data += (f"{ALEX_LINE},{ago(hours=2)},1,answered\n" + "".join(rows[4:])).encode()
    report = run(tmp_path, data, "--time-zone", "America/New_York")
    reasons = {r["item"]: r["reason"] for r in report["refused"]}
    assert report["imported"] == 1 and Activity.objects.get().external_id == "ok"
    assert reasons == {
        "line 2": "“yesterday-ish” is not a time (ISO 8601 such as 2025-03-04T14:05-05:00)",
        "line 3": "“transferred” is not a disposition (answered, missed or voicemail)",
        "line 4": "no caller's number",
        "line 5": "“sideways” is not a direction (inbound or outbound)",
        "line 7": "not utf-8 text (save the file as UTF-8, or give its encoding)",
        "line 8": "“ten” is not a duration (seconds, or H:MM:SS)",
        "line 9": "no candidate or hiring manager with +13125550123",
        "line 10": "that time is in the future",
        "line 11": "02:30 does not exist in America/New_York that day (clocks change)",
        "line 12": "no recruiter: +16175550999 is nobody's line (add it on the Calls page, "
        "or name the recruiter for the file)",
    }
    assert report["unmatched"] == 1


def test_a_file_without_the_needed_columns_is_refused_whole(tmp_path, candidate):
    path = tmp_path / "log.csv"
    path.write_text(f"Caller,When\n{JORDAN},{ago(hours=1)}\n")
    out = StringIO()
    with pytest.raises(CommandError, match="missing columns: to, disposition, start"):
        call_command("import_calls", str(path), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert (
        report["imported"] == 0 and "the header has: Caller, When" in report["refused"][0]["reason"]
    )
    assert not Activity.objects.exists()


def test_another_export_through_a_mapping(tmp_path, candidate, line):
    text = (
        "Exported by PhoneCo,,,,,\n"
        "\n"
        "Caller ID;Dialed;Day;Clock;Talk;Result\n"
        "(415) 555-0199;617-555-0100;03/04/2025;9:15 AM;0:02:05;Missed Call\n"
    )
    report = run(
        tmp_path,
        text,
        "--map",
        "Caller ID=from,Dialed=to,Day=date,Clock=time,Talk=duration,Result=disposition",
        "--date-format",
        "%m/%d/%Y %I:%M %p",
        "--time-zone",
        "Europe/Berlin",
    )
    assert report["imported"] == 1 and report["callbacks_opened"] == 1
    call = Activity.objects.get()
    assert call.direction == "inbound"  # decided by whose line was called
    assert call.occurred_at == datetime(2025, 3, 4, 8, 15, tzinfo=UTC)
    assert call.minutes == 3


def test_synonyms_bom_and_times_with_and_without_offsets(tmp_path, candidate, line):
    text = (
        "\ufeffCall SID,Direction,Caller,Callee,Start Time,Duration,Status\n"
        f"CA1,outbound-dial,{ALEX_LINE},{JORDAN},2025-06-01 10:00:00,5,completed\n"
        f"CA2,incoming,{JORDAN},{ALEX_LINE},2025-06-01T10:00:00+02:00,5,no-answer\n"
        f"CA3,in,{JORDAN},{ALEX_LINE},1748772000,5,completed\n"
    )
    run(tmp_path, text, "--time-zone", "America/Chicago")
    at = dict(Activity.objects.values_list("external_id", "occurred_at"))
    assert at == {
        "CA1": datetime(2025, 6, 1, 15, 0, tzinfo=UTC),
        "CA2": datetime(2025, 6, 1, 8, 0, tzinfo=UTC),
        "CA3": datetime(2025, 6, 1, 10, 0, tzinfo=UTC),
    }


def test_utf16_files_with_tabs_are_read(tmp_path, candidate, line):
    text = HEADER.replace(",", "\t") + "\t".join(
        ["x", "inbound", JORDAN, ALEX_LINE, ago(hours=1), "3", "answered"]
    )
    assert run(tmp_path, text.encode("utf-16"))["imported"] == 1


class TestWhoseCall:
    def test_the_recruiter_named_for_the_file(self, tmp_path, candidate, other_recruiter):
        run(
            tmp_path,
            HEADER + f"a,inbound,{JORDAN},+16175550777,{ago(hours=1)},3,answered\n",
            "--recruiter",
            "blair",
        )
        assert Activity.objects.get().recruiter == other_recruiter

    def test_the_recruiter_column(self, tmp_path, candidate, other_recruiter, line):
        run(
            tmp_path,
            "call_id,direction,from,to,start,disposition,agent\n"
            f"a,inbound,{JORDAN},{ALEX_LINE},{ago(hours=1)},answered,Blair\n"
            f"b,inbound,{JORDAN},{ALEX_LINE},{ago(hours=1)},answered,nobody\n",
        )
        assert Activity.objects.get().recruiter == other_recruiter

    def test_the_line_called_then_the_candidates_recruiter(
        self, tmp_path, candidate, recruiter, other_recruiter
    ):
        recruiter_line_add(user=other_recruiter, number="+16175550111")
        run(
            tmp_path,
            HEADER
            + f"a,inbound,{JORDAN},+16175550111,{ago(hours=2)},3,answered\n"
            + f"b,inbound,{JORDAN},+16175550222,{ago(hours=1)},3,answered\n",
        )
        who = dict(Activity.objects.values_list("external_id", "recruiter__username"))
        assert who == {"a": "blair", "b": "alex"}

    def test_a_hiring_manager_on_a_recruiters_line(self, tmp_path, manager, line, recruiter):
        run(tmp_path, HEADER + f"a,,{MORGAN},{ALEX_LINE},{ago(hours=1)},300,missed\n")
        call = Activity.objects.get()
        assert (call.hiring_manager, call.side, call.direction) == (
            manager, "hiring_manager", "inbound",
        )  # fmt: skip
        assert not Obligation.objects.exists()  # managers are not owed callbacks

    def test_a_line_that_is_a_candidates_number_is_refused(self, candidate, recruiter):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="the number of Jordan Ellis"):
            recruiter_line_add(user=recruiter, number=JORDAN)
        assert not RecruiterLine.objects.exists()


# --- the bulk path -----------------------------------------------------------------------------


def _story(recruiter, other_recruiter, manager) -> str:
    """Calls with three candidates and a manager, answered and not, over a fortnight, with
    refusals and a duplicate among them."""
    people = [JORDAN]
    for i, owner in enumerate([recruiter, other_recruiter]):
        c = candidate_create(
            first_name=f"Sam{i}", last_name="Lee", owner=owner, phones=[f"+1312555010{i}"]
        )
        people.append(c.contact_points.get().value)
    lines = [ALEX_LINE, "+16175550111"]
    dispositions = ["missed", "voicemail", "answered", "answered", "missed"]
    rows = ["direction,from,to,start,duration,disposition"]
    base = timezone.now() - timedelta(days=14)
    for n in range(60):
        at = (base + timedelta(hours=5 * n + n % 3)).isoformat()
        person = people[n % 3] if n % 7 else MORGAN
        ours = lines[n % 2]
        direction = "inbound" if n % 4 < 2 else "outbound"
        caller, called = (person, ours) if direction == "inbound" else (ours, person)
        rows.append(f"{direction},{caller},{called},{at},{n * 17 % 400},{dispositions[n % 5]}")
    rows.append(rows[5])  # the same call twice
    last = (base + timedelta(days=13, hours=12)).isoformat()
    rows.append(f"inbound,{people[1]},{lines[0]},{last},0,missed")  # never called back
    rows.append(f"inbound,+13125559999,{ALEX_LINE},{base.isoformat()},0,missed")
    rows.append(f"inbound,{JORDAN},{ALEX_LINE},not a time,0,missed")
    return "\n".join(rows) + "\n"


def _snapshot():
    """Activities and obligations, without their ids (which differ between the paths)."""
    ext = dict(Activity.objects.values_list("pk", "external_id"))
    activities = Activity.objects.values_list(
        "external_id", "kind", "direction", "outcome", "candidate_id", "hiring_manager_id",
        "recruiter_id", "occurred_at", "minutes", "side", "source", "subject", "body", "thread",
        "automated",
    )  # fmt: skip
    obligations = [
        (kind, ext.get(activity), state, ext.get(met_by), opened, due, met_at)
        for kind, activity, state, met_by, opened, due, met_at in Obligation.objects.values_list(
            "kind", "activity_id", "state", "met_by_id", "opened_at", "due_at", "met_at"
        )
    ]
    return sorted(activities, key=repr), sorted(obligations, key=repr)


def test_the_bulk_path_arrives_at_what_the_one_by_one_path_records(
    tmp_path, candidate, manager, recruiter, other_recruiter, line
):
    from django.db import transaction

    recruiter_line_add(user=other_recruiter, number="+16175550111")
    # Something owed already, which a call in the file answers.
    activity_log(
        recruiter=recruiter, candidate=candidate, kind="voicemail", direction="inbound",
        occurred_at=timezone.now() - timedelta(days=20), source="web",
    )  # fmt: skip
    text = _story(recruiter, other_recruiter, manager)
    results = []
    for path in ("--one-by-one", "--bulk"):
        with transaction.atomic():
            report = run(tmp_path, text, path)
            results.append((report, _snapshot()))
            again = run(tmp_path, text, path)
            transaction.set_rollback(True)
        assert again["imported"] == 0 and again["duplicates"] == report["imported"] + 1
    (one_report, one), (bulk_report, bulk) = results
    assert one_report == bulk_report
    assert one_report["imported"] == 61 and one_report["duplicates"] == 1
    assert one_report["unmatched"] == 1 and len(one_report["refused"]) == 2
    assert one == bulk
    states = {row[2] for row in one[1]}
    assert states == {"open", "met"}  # the story both meets and leaves callbacks open


def test_large_files_take_the_bulk_path_and_rebuild_once(tmp_path, candidate, line, monkeypatch):
    monkeypatch.setattr(importer, "BULK_THRESHOLD", 2)
    monkeypatch.setattr(importer, "CHUNK", 2)
    rebuilds = []
    real = importer.obligations_rebuild
    monkeypatch.setattr(importer, "obligations_rebuild", lambda: rebuilds.append(1) or real())
    text = HEADER + "".join(
        f"c{n},inbound,{JORDAN},{ALEX_LINE},{ago(hours=10 - n)},0,missed\n" for n in range(5)
    )
    report = run(tmp_path, text)
    assert report["imported"] == 5 and report["callbacks_opened"] == 5 and rebuilds == [1]
    assert Obligation.objects.filter(kind="callback", state="open").count() == 5
    assert run(tmp_path, text)["duplicates"] == 5
    assert rebuilds == [1]  # nothing new: nothing to rebuild


def test_a_chunk_that_collides_with_another_writer_is_taken_one_by_one(
    tmp_path, candidate, line, recruiter, monkeypatch
):
    text = HEADER + "".join(
        f"c{n},inbound,{JORDAN},{ALEX_LINE},{ago(hours=10 - n)},0,missed\n" for n in range(4)
    )
    # Another import records c2 between the chunk's lookup and its insert.
    monkeypatch.setattr(importer, "_existing", lambda ids: set())
    activity_log(
        recruiter=recruiter, candidate=candidate, kind="call", direction="inbound",
        outcome="no_answer", occurred_at=timezone.now() - timedelta(hours=8),
        source=SOURCE_CSV, external_id="c2",
    )  # fmt: skip
    report = run(tmp_path, text, "--bulk")
    assert (report["imported"], report["duplicates"]) == (3, 1)
    assert Activity.objects.count() == 4 and Obligation.objects.count() == 4
