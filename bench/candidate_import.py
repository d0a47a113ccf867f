"""The candidate import: rows per second of `import_candidates` on a generated LinkedIn
connections file, beside the same candidates written with the bare people service.

- First import: every row a new candidate (an email and a profile URL each), read, matched by
  fingerprint, contact points and name and company, created and remembered; beside the same
  rows given straight to `candidate_create` (no reading, no matching, nothing remembered).
- Re-import of the same file: every row found by its fingerprint and reported as already
  present; beside the first import.

Each run is a transaction rolled back, so the data set is left as it was and every run sees
the same table; the runs alternate and the medians are reported.

    python -m bench --skip-pages --skip-obligations --skip-rebuild --skip-insert
"""

import csv
import io
import statistics
import time

from django.db import transaction

from candidly.accounts.models import User
from candidly.candidate_import.importer import import_candidates
from candidly.people.services import candidate_create


class _Rollback(Exception):
    pass


def _file(rows: int) -> bytes:
    out = io.StringIO()
    out.write('Notes:\n"Some email addresses are missing."\n\n')
    writer = csv.writer(out)
    writer.writerow(
        ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    )
    for i in range(rows):
        writer.writerow(
            [
                f"Bench{i}",
                "Importer",
                f"https://www.linkedin.com/in/bench-importer-{i}",
                f"bench{i}@import.example",
                f"Company {i % 50}",
                "Engineer",
                "01 Jan 2026",
            ]
        )
    return out.getvalue().encode()


def _rolled_back(fn):
    """Seconds `fn()` takes inside a transaction that is then rolled back, and its result."""
    result = None
    try:
        with transaction.atomic():
            started = time.perf_counter()
            result = fn()
            seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return seconds, result


def run(report_rate, rows: int = 500, repeat: int = 3) -> None:
    owner = User.objects.filter(is_active=True).order_by("pk").first()
    data = _file(rows)
    first_s, again_s, direct_s = [], [], []
    for _ in range(repeat):

        def both():
            started = time.perf_counter()
            first = import_candidates([("bench.csv", data)], owner=owner)
            middle = time.perf_counter()
            again = import_candidates([("bench.csv", data)], owner=owner)
            return first, again, middle - started, time.perf_counter() - middle

        _, (first, again, first_seconds, again_seconds) = _rolled_back(both)
        assert first.imported == rows and not first.refused, first.summary()
        assert again.imported == 0 and again.duplicates == rows, again.summary()
        first_s.append(first_seconds)
        again_s.append(again_seconds)

        def direct():
            for i in range(rows):
                candidate_create(
                    first_name=f"Bench{i}",
                    last_name="Importer",
                    owner=owner,
                    emails=[f"bench{i}@import.example"],
                    urls=[f"https://www.linkedin.com/in/bench-importer-{i}"],
                    headline="Engineer",
                    current_company=f"Company {i % 50}",
                    source="LinkedIn",
                )

        seconds, _ = _rolled_back(direct)
        direct_s.append(seconds)

    first_rate = rows / statistics.median(first_s)
    report_rate(
        f"candidate import, {rows:,} new LinkedIn rows",
        first_rate,
        rows / statistics.median(direct_s),
        "rows/s: read, matched, created, remembered vs candidate_create alone",
    )
    report_rate(
        f"candidate re-import of the same {rows:,} rows",
        rows / statistics.median(again_s),
        first_rate,
        "rows/s: all already present, nothing added vs the first import",
    )
