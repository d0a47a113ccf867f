"""A query turned into SQL once, then run with new values.

Django compiles a queryset into SQL every time it runs. For most queries that is a fraction
of a millisecond; for the Today queue's rows (a dozen subqueries naming the person and the
context) it is as long as the database takes to answer. A `Compiled` query is built from a
function of named values. Its first run on a connection builds the queryset with stand-in
values, compiles it, and notes where each stand-in landed among the statement's parameters.
Every later run on that connection puts the real values there and sends the same SQL, which
PostgreSQL's driver then also prepares once. Rows come back as tuples converted as
`values_list()` converts them.

Values are ids and aware datetimes, the only kinds the queue passes. A build that puts a
value anywhere but in a parameter (written into the SQL, or dropped) is refused.
"""

import re
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.db import connections
from django.db.models import QuerySet, Value

# Stand-ins no real value equals: negative ids (inside every integer column's range, so the
# lookup is kept) and moments early in 1901, a microsecond apart.
_FIRST_ID = -31_001
_FIRST_MOMENT = datetime(1901, 2, 3, 4, 5, 6, 100_001, tzinfo=UTC)
_WORD = re.compile(r"[a-z_]+")


class _Slot(NamedTuple):
    """Where a named value goes among the parameters, and whether the database's form of a
    datetime goes there (SQLite's text) rather than the datetime itself."""

    name: str
    adapted: bool


class Compiled:
    def __init__(self, build: Callable[..., QuerySet], using: str = "default"):
        self.build = build
        self.using = using
        # Per connection object (one a thread): the compiler and its converters belong to it.
        self._plans = weakref.WeakKeyDictionary()

    def _stand_ins(self, names) -> dict[str, int | datetime]:
        ids = iter(range(_FIRST_ID, _FIRST_ID - 1000, -1))
        moments = (_FIRST_MOMENT + timedelta(microseconds=n) for n in range(1000))
        return {name: next(moments) if kind is datetime else next(ids) for name, kind in names}

    def _plan(self, connection, values: dict) -> tuple:
        names = [(name, datetime if isinstance(v, datetime) else int) for name, v in values.items()]
        stand_ins = self._stand_ins(names)
        adapt = connection.ops.adapt_datetimefield_value
        queryset = self.build(**stand_ins)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots, found = [], set()
        for param in params:
            slot = None
            for name, value in stand_ins.items():
                if param == value:
                    slot = _Slot(name, adapted=False)
                elif isinstance(value, datetime) and param == adapt(value):
                    slot = _Slot(name, adapted=True)
                if slot:
                    found.add(name)
                    break
            slots.append(slot or param)
        missing = set(stand_ins) - found
        missing |= {name for name, v in stand_ins.items() if isinstance(v, int) and str(v) in sql}
        if missing:
            raise ValueError(f"Not a parameter of the statement: {', '.join(sorted(missing))}")
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        return sql, slots, compiler, compiler.get_converters(fields)

    def rows(self, **values) -> list:
        """The rows for these values, as `values_list()` would give them."""
        connection = connections[self.using]
        plans = self._plans.setdefault(connection, {})
        plan = plans.get(tuple(values))
        if plan is None:
            plan = plans[tuple(values)] = self._plan(connection, values)
        sql, slots, compiler, converters = plan
        adapt = connection.ops.adapt_datetimefield_value
        params = [
            (adapt(values[slot.name]) if slot.adapted else values[slot.name])
            if isinstance(slot, _Slot)
            else slot
            for slot in slots
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            return [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return rows


class Literal(Value):
    """A constant written into the statement itself rather than sent as a parameter.

    PostgreSQL plans a prepared statement once for all values (a generic plan) only when that
    plan can be as good as one made for the values at hand. A partial index (`WHERE state =
    'open'`) cannot serve a generic plan for `state = $2`, whatever $2 turns out to be; for
    `state = 'open'` it can, and then the statement is not planned again at every run. Only
    plain words are taken (no quoting to get wrong)."""

    def __init__(self, value: str, output_field=None):
        if not _WORD.fullmatch(value):
            raise ValueError(f"Not a plain word: {value!r}")
        super().__init__(str(value), output_field=output_field)

    def as_sql(self, compiler, connection):
        return f"'{self.value}'", []
