"""Call-log import: `candidly import-calls` on the bulk path beside a raw insert of the same
activity rows, and the re-import of the same file.

Run in its own process against a scratch database (`make bench` does this):

    python -m bench.calls --rows 1000000 --candidates 20000

1. A demo agency of `--candidates` candidates is built in a scratch database of this run's
   own (SQLite: var/bench-calls-PID.sqlite3; PostgreSQL: a database `candidly_bench_calls_PID`
   beside the one DATABASE_URL names), removed at the end; each recruiter gets a phone line.
2. A call log of `--rows` rows is written to var/bench-calls-PID.csv: calls with candidates
   (their own numbers, written in E.164 or in national form), with hiring managers, and 2%
   with numbers nobody has; both directions; answered, missed and voicemail; over a year; no
   call ids, so each call is known by a hash of what it is.
3. Ours: `call_command("import_calls", FILE, "--bulk")`: reading, matching, looking up what
   is already present, writing in chunks, and the obligations rebuild at the end.
4. Reference: the activity rows the import wrote, read back, deleted, and inserted again with
   `lib.bulk.bulk_insert` in the same chunks, one transaction each, into the same table.
5. Re-import: the same command on the same file again (it must add nothing).
6. One by one: `--one-by-one` on a sample of fresh rows (rolled back), to show why large
   files take the bulk path.
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.setup import ROOT

SCRATCH_PG = "candidly_bench_calls"
LINE_PREFIX = "+1802555"  # recruiters' desk lines: an area code the demo never uses
NOBODY_PREFIX = "+1907555"


def say(text: str) -> None:
    """Progress, on stderr (stdout carries the figures)."""
    print(text, file=sys.stderr, flush=True)


def scratch_environment() -> dict:
    """The environment for a child process pointed at a fresh scratch database of its own
    (named after this process, so that two runs side by side never share one)."""
    env = dict(os.environ)
    tag = str(os.getpid())
    if env.get("DATABASE_URL"):
        import psycopg

        name = f"{SCRATCH_PG}_{tag}"
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    else:
        env["SQLITE_PATH"] = str(ROOT / "var" / f"bench-calls-{tag}.sqlite3")
    env.setdefault("DJANGO_SETTINGS_MODULE", "candidly.settings")
    env["CANDIDLY_BENCH_SCRATCH"] = tag
    return env


def _scratch_files(tag: str) -> list[Path]:
    var = ROOT / "var"
    names = [f"bench-calls-{tag}.csv", f"bench-calls-{tag}-sample.csv"]
    names += [f"bench-calls-{tag}.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")]
    return [var / name for name in names]


def _remove_scratch(env: dict) -> None:
    tag = env["CANDIDLY_BENCH_SCRATCH"]
    for path in _scratch_files(tag):
        path.unlink(missing_ok=True)
    if os.environ.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_PG}_{tag}")


def run_in_process(rows: int, candidates: int, sample: int, *, quiet: bool = True) -> dict:
    """Run this benchmark in a child process against a scratch database; its figures. The
    scratch database and files are removed afterwards."""
    import subprocess

    env = scratch_environment()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.calls", "--rows", str(rows), "--candidates",
             str(candidates), "--one-by-one-sample", str(sample)],
            env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if quiet else None, text=True,
        ).stdout  # fmt: skip
    finally:
        _remove_scratch(env)
    return json.loads(out.strip().splitlines()[-1])


def report(result: dict, report_rate) -> None:
    rows = result["rows"]
    raw = result["raw_rows"] / result["raw_seconds"]
    ours = rows / result["import_seconds"]
    report_rate(
        f"call-log import, {rows:,} rows (bulk path)",
        ours,
        raw,
        f"rows/s: import-calls (read, match, write, obligations rebuild) vs bulk_insert of "
        f"the same {result['raw_rows']:,} activity rows",
    )
    phases = result["phases"]
    print(
        f"{'':<62} {'':>12} {'':>12} {'':>7}  import split: "
        + ", ".join(f"{name} {seconds:,.1f} s" for name, seconds in phases.items())
        + f"; {result['imported']:,} imported, {result['unmatched']:,} unmatched, "
        f"{result['callbacks_opened']:,} callbacks opened"
    )
    again = rows / result["reimport_seconds"]
    report_rate(
        "call-log re-import of the same file (adds nothing)",
        again,
        ours,
        f"rows/s: the second run vs the first; {result['reimport_duplicates']:,} already present",
    )
    if result.get("one_by_one_rows"):
        one = result["one_by_one_rows"] / result["one_by_one_seconds"]
        report_rate(
            f"call-log import one by one, {result['one_by_one_rows']:,} rows",
            one,
            ours,
            "rows/s: activity_log per row (upkeep as it goes) vs the bulk path above",
        )


# --- the child process -----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--one-by-one-sample", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="print only the figures, as JSON")
    args = parser.parse_args()
    tag = os.environ.get("CANDIDLY_BENCH_SCRATCH")
    if tag is None:  # never the database you work in: run again in a scratch one
        result = run_in_process(args.rows, args.candidates, args.one_by_one_sample, quiet=False)
        print(json.dumps(result, indent=None if args.json else 2))
        return
    import django

    django.setup()
    from django.core.management import call_command

    from candidly.demo.builder import DemoBuilder

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    DemoBuilder(candidates=args.candidates).build()
    say(f"demo agency of {args.candidates:,} candidates built in "
        f"{time.perf_counter() - started:,.0f} s")  # fmt: skip
    rng = random.Random(args.seed)
    path, sample_path = _scratch_files(tag)[:2]
    started = time.perf_counter()
    _write_log(path, args.rows, rng)
    say(f"{args.rows:,}-row call log written in {time.perf_counter() - started:,.0f} s: {path}")
    result = measure(path, sample_path, args.rows, args.one_by_one_sample)
    print(json.dumps(result))


def _write_log(path: Path, rows: int, rng: random.Random) -> None:
    from candidly.accounts.models import User
    from candidly.calls.services import recruiter_line_add
    from candidly.people.contacts import format_phone
    from candidly.people.models import Candidate, ContactPoint

    users = list(User.objects.order_by("pk").values_list("pk", flat=True))
    lines = {}
    for i, pk in enumerate(users):
        lines[pk] = recruiter_line_add(
            user=User.objects.get(pk=pk), number=f"{LINE_PREFIX}{1000 + i:04d}"
        ).number
    owners = dict(Candidate.objects.values_list("pk", "owner_id"))
    candidates, managers = [], []
    for value, cand, _ in ContactPoint.objects.filter(kind="phone").values_list(
        "value", "candidate_id", "hiring_manager_id"
    ):
        if cand:
            candidates.append((value, lines.get(owners.get(cand))))
        else:
            managers.append((value, None))
    all_lines = list(lines.values())
    national = {v: format_phone(v) for v, _ in candidates[: len(candidates) // 4]}
    end = datetime.now(UTC) - timedelta(hours=1)
    span = 365 * 24 * 3600
    dispositions = ["answered"] * 11 + ["missed"] * 5 + ["voicemail"] * 4
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("direction,from,to,start,duration,disposition\n")
        for _ in range(rows):
            pick = rng.random()
            if pick < 0.95:
                person, line = rng.choice(candidates)
            elif pick < 0.98:
                person, line = rng.choice(managers)
            else:
                person, line = f"{NOBODY_PREFIX}{rng.randrange(10_000):04d}", None
            if line is None or rng.random() < 0.2:
                line = rng.choice(all_lines)
            person = national.get(person, person)
            inbound = rng.random() < 0.4
            disposition = rng.choice(dispositions)
            seconds = rng.randrange(20, 1800) if disposition == "answered" else rng.randrange(40)
            at = end - timedelta(seconds=rng.randrange(span))
            caller, called = (person, line) if inbound else (line, person)
            f.write(
                f"{'inbound' if inbound else 'outbound'},{caller},{called},"
                f"{at:%Y-%m-%dT%H:%M:%S}Z,{seconds},{disposition}\n"
            )


def measure(path: Path, fresh: Path, rows: int, sample: int) -> dict:
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection, transaction

    from candidly.activity.models import Activity
    from candidly.calls import importer
    from candidly.lib.bulk import bulk_insert, bulk_session, refresh_statistics
    from candidly.obligations.models import Obligation
    from candidly.obligations.rebuild import obligations_rebuild

    # Ours: the command, with the time of its obligations rebuild noted.
    rebuild_seconds = []
    real_rebuild = importer.obligations_rebuild

    def timed_rebuild():
        started = time.perf_counter()
        result = real_rebuild()
        rebuild_seconds.append(time.perf_counter() - started)
        return result

    importer.obligations_rebuild = timed_rebuild
    out = StringIO()
    started = time.perf_counter()
    call_command("import_calls", str(path), "--bulk", "--json", verbosity=0, stdout=out)
    import_seconds = time.perf_counter() - started
    importer.obligations_rebuild = real_rebuild
    first = json.loads(out.getvalue())
    imported = first["imported"]
    assert imported == Activity.objects.filter(source=importer.SOURCE_CSV).count()

    # Reference: the same rows, read back, deleted, and inserted again in the same chunks.
    columns = ("id", *importer.COLUMNS)
    meta = Activity._meta
    db_columns = ", ".join(meta.get_field(c).column for c in columns)
    table, obligations = meta.db_table, Obligation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {db_columns} FROM {table} WHERE source = %s ORDER BY id", [importer.SOURCE_CSV]
        )
        written = [tuple(_naive(v) for v in row) for row in cursor.fetchall()]
    rebuilt = sum(rebuild_seconds)
    say(f"  import: {import_seconds:,.1f} s (its obligations rebuild {rebuilt:,.1f} s); "
        "deleting the imported rows (untimed) …")  # fmt: skip
    _delete_imported(table, obligations, importer.SOURCE_CSV)
    refresh_statistics(Activity)
    with bulk_session():
        started = time.perf_counter()
        for i in range(0, len(written), importer.CHUNK):
            with transaction.atomic():
                bulk_insert(Activity, columns, written[i : i + importer.CHUNK])
        raw_seconds = time.perf_counter() - started
    assert Activity.objects.filter(source=importer.SOURCE_CSV).count() == imported
    say(f"  raw insert: {raw_seconds:,.1f} s; rebuilding obligations (untimed) …")
    obligations_rebuild()  # the obligations the deletion took, back (untimed)

    # Re-import: nothing to add.
    out = StringIO()
    started = time.perf_counter()
    call_command("import_calls", str(path), "--bulk", "--json", verbosity=0, stdout=out)
    reimport_seconds = time.perf_counter() - started
    again = json.loads(out.getvalue())
    # Calls the file holds twice were already present the first time.
    assert again["imported"] == 0 and again["duplicates"] == imported + first["duplicates"]
    say(f"  re-import: {reimport_seconds:,.1f} s")

    # One by one, on fresh rows (the last `sample` lines, moved a minute): rolled back.
    one_by_one_seconds = None
    if sample:
        with path.open(encoding="utf-8") as f:
            header = f.readline()
            lines = f.readlines()[-sample:]
        with fresh.open("w", encoding="utf-8") as f:
            f.write(header)
            for line in lines:
                *head, start, duration, disposition = line.split(",")
                moved = datetime.fromisoformat(start) - timedelta(seconds=61)
                f.write(",".join([*head, f"{moved:%Y-%m-%dT%H:%M:%S}Z", duration, disposition]))
        with transaction.atomic():
            out = StringIO()
            started = time.perf_counter()
            call_command(
                "import_calls", str(fresh), "--one-by-one", "--json", verbosity=0, stdout=out
            )
            one_by_one_seconds = time.perf_counter() - started
            transaction.set_rollback(True)
    return {
        "rows": rows,
        "imported": imported,
        "unmatched": first["unmatched"],
        "callbacks_opened": first["callbacks_opened"],
        "refused": len(first["refused"]),
        "twice_in_file": first["duplicates"],
        "import_seconds": import_seconds,
        "phases": {
            "reading, matching and writing": import_seconds - sum(rebuild_seconds),
            "obligations rebuild": sum(rebuild_seconds),
        },
        "raw_rows": len(written),
        "raw_seconds": raw_seconds,
        "reimport_seconds": reimport_seconds,
        "reimport_duplicates": again["duplicates"],
        "one_by_one_rows": sample,
        "one_by_one_seconds": one_by_one_seconds,
    }


def _delete_imported(table: str, obligations: str, source: str) -> None:
    """Delete the imported activities and the obligations that point at them. Columns that
    point at activities without an index of their own (obligations' activity and met_by,
    among others) get one for the occasion: otherwise each deleted row's foreign-key check
    reads those tables whole."""
    from django.db import DatabaseError, connection, transaction

    from candidly.activity.models import Activity

    quote = connection.ops.quote_name
    pointers = [  # hidden ones too (related_name="+"): obligations' activity and met_by
        (rel.related_model._meta.db_table, rel.field.column)
        for rel in Activity._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
    ]
    made = []
    with connection.cursor() as cursor:
        for n, (child, column) in enumerate(pointers):
            name = quote(f"bench_calls_tmp_{n}")
            try:
                cursor.execute(f"CREATE INDEX {name} ON {quote(child)} ({quote(column)})")
            except DatabaseError:  # a table not migrated here points at nothing
                continue
            made.append(name)
        with transaction.atomic():
            mine = f"SELECT id FROM {table} WHERE source = %s"
            cursor.execute(
                f"DELETE FROM {obligations} WHERE activity_id IN ({mine}) OR met_by_id IN ({mine})",
                [source, source],
            )
            cursor.execute(f"DELETE FROM {table} WHERE source = %s", [source])
        for name in made:
            cursor.execute(f"DROP INDEX {name}")


def _naive(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


if __name__ == "__main__":
    main()
