"""Fast insertion of many rows for the demo builder and bulk imports.

Rows are plain tuples in the order of `columns`; ids are given by the caller, so related rows
can be built before anything is written. On PostgreSQL the rows go through COPY, on SQLite
through one prepared INSERT run with executemany.
"""

from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import connection, models


def _sqlite_adapter(field: models.Field):
    if isinstance(field, models.DateTimeField):
        return lambda v: None if v is None else v.isoformat(" ")
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else v.isoformat()
    return None


def bulk_insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` into `model`'s table. Datetimes must be naive UTC. Returns the row count."""
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    db_columns = [f.column for f in fields]
    table = meta.db_table
    quote = connection.ops.quote_name
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            column_list = ", ".join(quote(c) for c in db_columns)
            with cursor.cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        adapters = [(i, a) for i, f in enumerate(fields) if (a := _sqlite_adapter(f))]
        if adapters:
            rows = _adapt(rows, adapters)
        placeholders = ", ".join("?" for _ in db_columns)
        sql = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in db_columns)}) "
            f"VALUES ({placeholders})"
        )
        rows = list(rows)
        cursor.cursor.executemany(sql, rows)
        return len(rows)


def _adapt(rows: Iterable[tuple], adapters) -> Iterable[tuple]:
    for row in rows:
        row = list(row)
        for i, adapt in adapters:
            row[i] = adapt(row[i])
        yield tuple(row)


def next_id(model: type[models.Model]) -> int:
    last = model.objects.aggregate(m=models.Max("pk"))["m"]
    return (last or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past them."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


@contextmanager
def bulk_session(cache_mib: int = 1024):
    """Give SQLite a large page cache while loading, so index pages stay in memory."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={before}")


def refresh_statistics(*models_: type[models.Model]) -> None:
    """After a bulk load, give the query planner fresh statistics (and PostgreSQL a fresh
    visibility map, so counts can be answered from indexes alone)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM cannot run inside a transaction; ANALYZE alone can.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            for model in models_:
                cursor.execute(f"{command} {quote(model._meta.db_table)}")
        else:
            cursor.execute("PRAGMA optimize")
