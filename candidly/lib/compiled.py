"""A query turned into SQL once, then run with new values.

Django compiles a queryset into SQL every time it runs. For most queries that is a fraction
of a millisecond; for the Today queue's rows (a dozen subqueries naming the person and the
context) it is as long as the database takes to answer, and for the lookups upkeep makes on
every activity logged it is several times as long. A `Compiled` query is built by a function
of a shape (what picks the statement: a kind, a switch) and named values. Its first run on a
connection, for each shape, builds the queryset with stand-in values, compiles it, and notes
where each stand-in landed among the statement's parameters. Every later run puts the real
values there and sends the same SQL, which PostgreSQL's driver then also prepares once. Rows
come back as tuples converted as `values_list()` converts them, or as the model instances
(with what is selected related) that iterating the queryset gives.

Values are ids, aware datetimes and non-empty text; a value that would change the statement
(None, an empty text that means "no filter") belongs in the shape or is left out. A value the
statement does not use is ignored; one written into the SQL itself is refused.
"""

import re
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.db import connections
from django.db.models import QuerySet, Value
from django.db.models.query import get_related_populators

# Stand-ins no real value equals: negative ids (inside every integer column's range, so the
# lookup is kept), moments early in 1901 a microsecond apart, and texts no one writes.
_FIRST_ID = -31_001
_FIRST_MOMENT = datetime(1901, 2, 3, 4, 5, 6, 100_001, tzinfo=UTC)
_WORD = re.compile(r"[a-z_]+")


class _Slot(NamedTuple):
    """Where a named value goes among the parameters, and whether the database's form of a
    datetime goes there (SQLite's text) rather than the datetime itself."""

    name: str
    adapted: bool


class Compiled:
    def __init__(
        self, build: Callable[..., QuerySet], using: str = "default", *, constants: bool = False
    ):
        """`constants`: the statement's constant words (kinds, states, directions) are
        written into its SQL, as `Literal` writes one (see there)."""
        self.build = build
        self.using = using
        self.constants = constants
        # Per connection object (one a thread): the compiler and its converters belong to it.
        self._plans = weakref.WeakKeyDictionary()

    def rows(self, *shape, **values) -> list[tuple]:
        """The rows of `build(*shape, **values)`, as `values_list()` would give them."""
        rows, _ = self._fetch(shape, values)
        return [tuple(row) for row in rows]

    def objects(self, *shape, **values) -> list:
        """The model instances of `build(*shape, **values)`, with what it selects related,
        as iterating the queryset would give them (annotations aside)."""
        rows, compiler = self._fetch(shape, values)
        info, select = compiler.klass_info, compiler.select
        model = info["model"]
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        related = get_related_populators(info, select, self.using)
        found = []
        for row in rows:
            obj = model.from_db(self.using, names, row[start:end])
            for populator in related:
                populator.populate(row, obj)
            found.append(obj)
        return found

    def statement(self, *shape, **values) -> tuple[str, list]:
        """The SQL and parameters of `build(*shape, **values)`, to run inside another."""
        sql, params, _, _ = self._run(connections[self.using], shape, values)
        return sql, params

    def _fetch(self, shape: tuple, values: dict) -> tuple:
        """The statement's rows, converted, and its compiler."""
        connection = connections[self.using]
        sql, params, compiler, converters = self._run(connection, shape, values)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return rows, compiler

    def _run(self, connection, shape: tuple, values: dict) -> tuple:
        for value in values.values():
            if value is None or value == "":
                raise ValueError(f"{value!r} would change the statement: put it in the shape")
        plans = self._plans.setdefault(connection, {})
        key = (shape, tuple(values))
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = self._plan(connection, shape, values)
        sql, slots, compiler, converters = plan
        adapt = connection.ops.adapt_datetimefield_value
        params = [
            (adapt(values[slot.name]) if slot.adapted else values[slot.name])
            if isinstance(slot, _Slot)
            else slot
            for slot in slots
        ]
        return sql, params, compiler, converters

    def _plan(self, connection, shape: tuple, values: dict) -> tuple:
        stand_ins = {name: _stand_in(n, value) for n, (name, value) in enumerate(values.items())}
        adapt = connection.ops.adapt_datetimefield_value
        compiler = self.build(*shape, **stand_ins).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = []
        for param in params:
            slot = param
            for name, value in stand_ins.items():
                if param == value:
                    slot = _Slot(name, adapted=False)
                elif isinstance(value, datetime) and param == adapt(value):
                    slot = _Slot(name, adapted=True)
                else:
                    continue
                break
            slots.append(slot)
        written = [
            name
            for name, value in stand_ins.items()
            if str(value) in sql or (isinstance(value, datetime) and str(adapt(value)) in sql)
        ]
        if written:
            raise ValueError(f"Written into the SQL, not a parameter: {', '.join(written)}")
        if self.constants:
            sql, slots = _written_in(sql, slots)
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        return sql, slots, compiler, compiler.get_converters(fields)


def word(value: str) -> str:
    """A plain word (a kind, a state) as an SQL literal, to write into a statement rather than
    send as a parameter (see `Literal` for why); nothing else is taken, so no quoting can go
    wrong."""
    if not _WORD.fullmatch(value):
        raise ValueError(f"Not a plain word: {value!r}")
    return f"'{value}'"


def _written_in(sql: str, slots: list) -> tuple[str, list]:
    """The statement with its constant plain words in its SQL, and the slots left."""
    parts, kept, n = [], [], 0
    for token in re.split(r"(%%|%s)", sql):
        if token == "%s":
            slot = slots[n]
            n += 1
            if isinstance(slot, str) and _WORD.fullmatch(slot):
                token = word(slot)
            else:
                kept.append(slot)
        parts.append(token)
    return "".join(parts), kept


def _stand_in(n: int, value):
    """A value of the same kind as `value` that no real one equals (the n-th of them)."""
    if isinstance(value, datetime):
        return _FIRST_MOMENT + timedelta(microseconds=n)
    if isinstance(value, str) and value:
        return f"(stand-in {n} for a text)"
    if isinstance(value, int) and not isinstance(value, bool):
        return _FIRST_ID - n  # negative, and inside every integer column's range
    raise ValueError(f"Not a value a compiled query takes (put it in the shape): {value!r}")


class Literal(Value):
    """A constant written into the statement itself rather than sent as a parameter.

    Both databases plan a statement again at every run when a parameter is compared with a
    column a partial index is conditioned on (`WHERE state = 'open'`), since whether the
    index serves depends on the value. PostgreSQL keeps a prepared statement's plan for all
    values (a generic plan) only when it can be as good as one made for the values at hand,
    and for `state = $2` it cannot; SQLite prepares the statement anew whenever such a
    parameter is bound, which for a short statement costs several times running it. For
    `state = 'open'` neither plans again. Only plain words are taken (see `word`)."""

    def __init__(self, value: str, output_field=None):
        word(value)
        super().__init__(str(value), output_field=output_field)

    def as_sql(self, compiler, connection):
        return word(self.value), []
