"""The demo builder's insert rate beside a raw executemany of the same rows.

Run in its own process against a scratch database: `python -m bench.insert --candidates N`.
It builds N candidates with the demo builder (generation, writing and the obligations rebuild,
timed together), reads back the rows it wrote (obligations included), deletes them (those that
point at others first), and inserts the same rows again with the driver's own executemany, one
transaction per 75,000 rows, under the same indexes and constraints.
"""

import argparse
import json
import os
import time

RAW_BATCH = 75_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candidly.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from candidly.demo.builder import ORDER, DemoBuilder
    from candidly.obligations.models import Obligation

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)

    started = time.perf_counter()
    counts = DemoBuilder(candidates=args.candidates).build()
    built = time.perf_counter() - started
    built_rows = sum(counts.values())

    # The builder ends with the obligations rebuild: its rows are counted, and inserted too.
    derived = [(Obligation, [f.attname for f in Obligation._meta.concrete_fields])]
    tables = []
    for model, columns in [*ORDER, *derived]:
        meta = model._meta
        cols = [meta.get_field(c).column for c in columns]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(cols)} FROM {meta.db_table} ORDER BY id")
            tables.append((meta.db_table, cols, cursor.fetchall()))
    with connection.cursor() as cursor:
        for table, _, _ in reversed(tables):
            cursor.execute(f"DELETE FROM {table}")
    connection.close()

    raw_rows = sum(len(rows) for _, _, rows in tables)
    raw_seconds = _raw_insert(tables)
    print(
        json.dumps(
            {
                "builder_rows": built_rows,
                "builder_seconds": built,
                "raw_rows": raw_rows,
                "raw_seconds": raw_seconds,
            }
        )
    )


def _raw_insert(tables) -> float:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        import sqlite3

        conn = sqlite3.connect(db["NAME"], isolation_level=None)
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "cache_size=-1048576",  # as the builder's bulk session
        ):
            conn.execute(f"PRAGMA {pragma}")
        mark = "?"
    else:
        import psycopg

        conn = psycopg.connect(
            dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
            port=db["PORT"] or None, autocommit=True,
        )  # fmt: skip
        mark = "%s"
    cursor = conn.cursor()
    started = time.perf_counter()
    for table, cols, rows in tables:
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
        for i in range(0, len(rows), RAW_BATCH):
            cursor.execute("BEGIN")
            cursor.executemany(sql, rows[i : i + RAW_BATCH])
            cursor.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


if __name__ == "__main__":
    main()
