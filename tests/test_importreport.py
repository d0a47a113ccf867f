"""The report every import prints: per item, then the totals, or the same as JSON."""

import json
from io import StringIO

from candidly.lib.importreport import ImportReport


def test_each_item_is_reported_with_its_outcome_and_the_totals_add_up():
    report = ImportReport()
    report.took("row 2: Jordan Ellis", "new candidate")
    report.already("row 3: Sam Lee")
    report.refuse("row 4", "no name, email, phone or profile URL")
    report.count("unmatched", 2)
    out = StringIO()
    report.write(out)
    assert out.getvalue().splitlines() == [
        "+ row 2: Jordan Ellis — new candidate",
        "= row 3: Sam Lee",
        "! row 4 — no name, email, phone or profile URL",
        "1 imported, 1 already present, 1 refused, 2 unmatched.",
    ]
    out = StringIO()
    report.write(out, as_json=True)
    assert json.loads(out.getvalue()) == {
        "imported": 1,
        "duplicates": 1,
        "refused": [{"item": "row 4", "reason": "no name, email, phone or profile URL"}],
        "unmatched": 2,
    }


def test_a_large_import_keeps_only_its_refusals_line_by_line():
    report = ImportReport(keep_lines=False)
    for i in range(1000):
        report.took(f"row {i}")
    report.refuse("row 1001", "no start time")
    out = StringIO()
    report.write(out)
    assert out.getvalue().splitlines() == [
        "! row 1001 — no start time",
        "1,000 imported, 0 already present, 1 refused.",
    ]
