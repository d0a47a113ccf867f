"""`make bench`: each figure beside a reference measured in the same run, and their ratio.

    make bench                                   # 20,000 candidates on SQLite
    make bench BENCH_ARGS="--candidates 1000000"  # the benchmark-scale data set
    DATABASE_URL=postgres://… make bench BENCH_ARGS="--candidates 1000000"

The data set is built once per size (SQLite: var/bench-N.sqlite3) and reused while it has
the right number of candidates.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from bench.setup import ROOT, configure

GOALS = {
    "page": "median < 30 ms and ≤ 3× hand-written SQL",
    "insert": "≥ 0.5× raw executemany",
    "today": "median < 30 ms, a constant number of queries, ≤ 3× hand-written SQL",
    "scorecard": "< 1 s for 50 recruiters × 12 months",
    "upkeep": "adds ≤ 30% to activity_log",
    "mail": "import ≥ 0.4× stdlib parse-only; re-import ≥ 5× the first and adds nothing",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per page")
    parser.add_argument(
        "--upkeep-batches", type=int, default=200, help="batches timed for the upkeep figure"
    )
    parser.add_argument(
        "--insert-sample", type=int, default=20_000, help="candidates built for the insert test"
    )
    parser.add_argument("--skip-insert", action="store_true")
    parser.add_argument("--skip-calls", action="store_true", help="no call-log import")
    parser.add_argument("--calls-rows", type=int, default=1_000_000, help="rows in the call log")
    parser.add_argument("--skip-pages", action="store_true", help="no candidate page or list")
    parser.add_argument(
        "--skip-obligations", action="store_true", help="no Today queue, scorecard or upkeep"
    )
    parser.add_argument(
        "--skip-rebuild", action="store_true", help="no obligations rebuild (minutes at 1M)"
    )
    parser.add_argument(
        "--skip-candidate-import", action="store_true", help="no candidate file import"
    )
    parser.add_argument("--skip-mail", action="store_true", help="no mail import (minutes)")
    parser.add_argument("--mail-messages", type=int, default=100_000)
    parser.add_argument("--skip-calendars", action="store_true", help="no .ics import or feed")
    args = parser.parse_args()

    where = configure(args.candidates)
    import django

    django.setup()
    from django.core.management import call_command

    from candidly.people.models import Candidate

    call_command("migrate", verbosity=0)
    print(f"Candidly benchmarks on {where}")
    print(f"  this machine: {_machine_ms():.0f} ms for a fixed pure-Python loop (2M multiply-adds)")
    have = Candidate.objects.count()
    if have != args.candidates:
        print(f"Building the data set: {args.candidates:,} candidates (found {have:,}) …")
        started = time.perf_counter()
        call_command("demo", candidates=args.candidates, flush=True, verbosity=1)
        print(f"  built in {time.perf_counter() - started:,.0f} s")
    counts = _counts()
    print("  " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
    print()
    print(f"{'figure':<62} {'ours':>12} {'reference':>12} {'ratio':>7}  note")
    print("(medians of --repeat runs; references use hand-written SQL on the same rows)")

    def report_ms(label, ours, reference, note=""):
        print(f"{label:<62} {ours:>9.2f} ms {reference:>9.2f} ms {ours / reference:>6.2f}×  {note}")

    def report_rate(label, ours, reference, note=""):
        print(f"{label:<62} {ours:>8,.0f}/s {reference:>9,.0f}/s {ours / reference:>6.2f}×  {note}")

    if not args.skip_pages:
        from bench import pages

        pages.run(args.repeat, report_ms)
    if not args.skip_obligations or not args.skip_rebuild:
        from bench import obligations

        obligations.run(
            args.repeat,
            report_ms,
            report_rate,
            figures=not args.skip_obligations,
            rebuild=not args.skip_rebuild,
            upkeep_batches=args.upkeep_batches,
        )
    if not args.skip_candidate_import:
        from bench import candidate_import

        candidate_import.run(report_rate)
    if not args.skip_mail:
        from bench import mail

        mail.run(args.mail_messages, 3_000, report_rate)
    if not args.skip_calendars:
        from bench import calendars

        calendars.run(report_rate, report_ms)
    if not args.skip_insert:
        result = _insert(args.insert_sample)
        ours = result["builder_rows"] / result["builder_seconds"]
        raw = result["raw_rows"] / result["raw_seconds"]
        print(
            f"{'demo builder insert rate (' + format(args.insert_sample, ',') + ' candidates)':<58}"
            f" {ours:>8,.0f}/s {raw:>9,.0f}/s {ours / raw:>6.2f}×  rows per second: builder "
            f"(generation included) vs raw executemany of the same {result['raw_rows']:,} rows"
        )
    if not args.skip_calls:  # in a scratch database of its own (bench/calls.py)
        from bench import calls

        calls.report(calls.run_in_process(args.calls_rows, 20_000, 2_000), report_rate)
    print()
    print("Goals: " + "; ".join(f"{name} {goal}" for name, goal in GOALS.items()) + ".")


def _machine_ms() -> float:
    """A yardstick for the absolute figures: they scale with this; the ratios do not."""
    started = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i * i
    return (time.perf_counter() - started) * 1000


def _counts() -> dict[str, int]:
    from django.db import connection

    tables = {
        "candidates": "people_candidate",
        "activities": "activity_activity",
        "submissions": "pipeline_submission",
        "requisitions": "pipeline_requisition",
        "obligations": "obligations_obligation",
    }
    out = {}
    with connection.cursor() as cursor:
        for name, table in tables.items():
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            out[name] = cursor.fetchone()[0]
    return out


def _insert(sample: int) -> dict:
    """Run the insert benchmark in a fresh process against a scratch database."""
    env = dict(os.environ)
    scratch_db = None
    if env.get("DATABASE_URL"):
        import psycopg

        scratch_db = "candidly_bench_insert"
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {scratch_db}")
            conn.execute(f"CREATE DATABASE {scratch_db}")
        base = env["DATABASE_URL"].rsplit("/", 1)[0]
        env["DATABASE_URL"] = f"{base}/{scratch_db}"
    else:
        path = ROOT / "var" / "bench-insert.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        env["SQLITE_PATH"] = str(path)
    out = subprocess.run(
        [sys.executable, "-m", "bench.insert", "--candidates", str(sample)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
