"""Property tests: random and mutated files never crash the parsers or the import, every item
is taken or refused, and running a file again adds nothing."""

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from candidly.candidate_import.importer import import_candidates
from candidly.candidate_import.models import DuplicateSuggestion
from candidly.candidate_import.parsers import FORMATS, decode, parse_file
from candidly.people.models import Candidate, ContactPoint
from tests import test_candidate_import_parsers as samples

SAMPLES = [
    samples.LINKEDIN.encode(),
    samples.GREENHOUSE.encode(),
    samples.GREENHOUSE.encode("utf-16"),
    json.dumps(samples.TestJsonResume.DOC).encode(),
    json.dumps([samples.TestJsonResume.DOC, samples.TestJsonResume.DOC]).encode(),
]
CONTROL = set(range(0, 9)) | {11, 12} | set(range(14, 32)) | {127}


def _check(parsed):
    """A file is refused whole with a reason, or each of its items is a record or a reason;
    nothing a record holds carries a control character."""
    if parsed.problem:
        assert parsed.items == [] and isinstance(parsed.problem, str)
        return
    for item in parsed.items:
        assert item.label
        assert (item.record is None) != (not item.problem), item
        if item.record is not None:
            r = item.record
            for value in (r.first_name, r.last_name, r.company, r.headline, r.location, r.skills):
                assert not {ord(c) for c in value} & CONTROL
                assert "\n" not in value
            assert r.first_name or r.last_name or r.has_contact()


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2000), format=st.sampled_from(FORMATS))
def test_random_bytes_never_crash_a_parser(data, format):
    _check(parse_file(data, "random", format=format))


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "cut", "repeat"]))
        if action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            data = data[:at]
        elif action == "repeat":
            data[at:at] = data[max(0, at - 80) : at]
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(data=mutated(), format=st.sampled_from(FORMATS))
def test_mutated_files_never_crash_a_parser(data, format):
    _check(parse_file(data, "mutated", format=format))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
RESUME_KEYS = ["name", "label", "email", "phone", "url", "summary", "location", "profiles"]


@settings(max_examples=150, deadline=None)
@given(
    basics=st.dictionaries(st.sampled_from(RESUME_KEYS), JSON_VALUES),
    rest=st.dictionaries(st.sampled_from(["work", "skills", "meta"]), JSON_VALUES),
    as_list=st.booleans(),
)
def test_random_resumes_never_crash_and_each_is_taken_or_refused(basics, rest, as_list):
    doc = {"basics": basics, **rest}
    text = json.dumps([doc, basics] if as_list else doc)
    parsed = parse_file(text.encode(), "r.json")
    _check(parsed)
    assert len(parsed.items) == (2 if as_list else 1)


CELL = st.text(
    alphabet=st.characters(max_codepoint=0x2FFF) | st.sampled_from(',;"\n\r\t '),
    max_size=25,
)
COLUMNS = [
    "First Name", "Last Name", "Name", "Email", "Phone", "URL", "Company", "Title", "Location",
    "Tags", "Source", "Notes", "Candidate ID", "Connected On", "Other",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    columns=st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8, unique=True),
    rows=st.lists(st.lists(CELL, max_size=10), max_size=12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_every_written_row_becomes_one_item(columns, rows, encoding, delimiter):
    # Two columns at least: with one, nothing tells which delimiter the file uses.
    header = ["First Name", "Last Name", *[c for c in columns if "Name" not in c]]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding, errors="replace")
    # The rows as written and encoded (cp1252 turns what it lacks into "?"), read back as
    # the parser reads the text.
    text, _ = decode(data)
    written = list(csv.reader(io.StringIO(text, newline=None), delimiter=delimiter))[1:]
    parsed = parse_file(data, "w.csv")
    _check(parsed)
    assert not parsed.problem
    assert len(parsed.items) == sum(1 for row in written if any(c.strip() for c in row))


# --- through the database ---------------------------------------------------------------------

FIRST = ["Ada", "Grace", "Alan", "", "Zoë"]
LAST = ["Byron", "Hopper", "Turing", ""]
EMAILS = ["ada@example.com", "grace@example.com", "GRACE@example.com", "bad-address", ""]
PHONES = ["415 555 0101", "+1 (415) 555-0101", "617-555-0199", "not a phone", ""]
COMPANIES = ["Acme", "acme", "Initech", ""]


@st.composite
def candidate_rows(draw):
    def pick(pool):
        return draw(st.sampled_from(pool) | CELL)

    return [
        pick(FIRST),
        pick(LAST),
        draw(st.sampled_from(EMAILS)),
        draw(st.sampled_from(PHONES)),
        pick(COMPANIES),
        draw(st.sampled_from(["", "Engineer", "x" * 210])),
        draw(st.sampled_from(["", "A note"])),
    ]


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(candidate_rows(), min_size=1, max_size=10))
def test_imports_account_for_every_item_and_a_second_run_adds_nothing(recruiter, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["First Name", "Last Name", "Email", "Phone", "Company", "Title", "Notes"])
    writer.writerows(rows)
    data = out.getvalue().encode()
    items = len(parse_file(data, "p.csv").items)
    assume(items)

    def run():
        report = import_candidates([("p.csv", data)], owner=recruiter)
        assert report.imported + report.duplicates + len(report.refused) == items
        return report

    def state():
        return (
            list(Candidate.objects.order_by("pk").values()),
            list(ContactPoint.objects.order_by("pk").values_list("kind", "value", "candidate")),
            DuplicateSuggestion.objects.count(),
        )

    run()
    second = run()
    assert second.imported == 0 and second.counts["held_for_review"] == 0
    after_second = state()
    third = run()
    assert (third.imported, third.counts["merged"], third.counts["held_for_review"]) == (0, 0, 0)
    assert state() == after_second
