"""One row's INSERT, its text written once.

`Model.save()` builds its INSERT anew every time. For the rows written on every activity
logged (the activity, and the obligation it opens) that cost as much as the statement, so
their INSERT is written once per model, and each row's values are prepared as `save()`
prepares them. Columns named as `tail` come last, and the caller writes their SQL: a value
the same statement computes (the id of the row inserted beside it, an answer looked up).
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, Value
from django.db.models.expressions import DatabaseDefault


class RowInsert:
    def __init__(self, model: type[Model], *, tail: tuple[str, ...] = ()):
        meta = model._meta
        self.fields = [f for f in meta.concrete_fields if not f.primary_key and f.name not in tail]
        columns = [f.column for f in self.fields] + [meta.get_field(n).column for n in tail]
        names = ", ".join(f'"{c}"' for c in columns)  # as SQLite and PostgreSQL quote
        self._head = f'INSERT INTO "{meta.db_table}" ({names}) VALUES ('
        self._placeholders = ["%s"] * len(self.fields)
        self.tail = tail
        # A default that is not computed is prepared once (per database) for every row.
        self._constant_defaults: dict[str, dict] = {}
        self._saved_as_given = not any(
            getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in self.fields
        )
        self._written: dict[tuple, str] = {}

    def sql(self, *tail_sql: str, returning: str = "") -> str:
        """The statement, with the tail columns' SQL in the order they were named."""
        found = self._written.get((tail_sql, returning))
        if found is None:
            if len(tail_sql) != len(self.tail):
                raise ValueError(f"give the SQL of {', '.join(self.tail)}")
            end = f' RETURNING "{returning}"' if returning else ""
            found = f"{self._head}{', '.join([*self._placeholders, *tail_sql])}){end}"
            self._written[(tail_sql, returning)] = found
        return found

    def values(self, row: Model, using: str = DEFAULT_DB_ALIAS) -> list:
        """The row's values for the statement's placeholders, as `save()` prepares them.
        (From the connection itself: through `django.db.connection`, which finds this
        thread's connection at every attribute read, preparing took twice as long.)"""
        connection = connections[using]
        return [self._prepared(f, f.pre_save(row, True), connection) for f in self.fields]

    def values_of(self, row: dict, using: str = DEFAULT_DB_ALIAS) -> list:
        """The values of a row given as {attribute: value} ("owner_id" for a relation), the
        others at their defaults, prepared as `values` prepares an instance's. For a row
        written on every activity logged: building its model instance took as long as
        preparing its values. Only for models whose fields save what they are given."""
        if not self._saved_as_given:
            raise ValueError("a field sets its own value on save (auto_now): give an instance")
        connection = connections[using]
        constant = self._constant_defaults.get(connection.vendor)
        if constant is None:
            constant = self._constant_defaults[connection.vendor] = {
                f.attname: self._prepared(f, f.get_default(), connection)
                for f in self.fields
                if _fixed_default(f)
            }
        values = []
        for f in self.fields:
            name = f.attname
            if name in row:
                values.append(self._prepared(f, row[name], connection))
            elif name in constant:
                values.append(constant[name])
            else:
                values.append(self._prepared(f, f.get_default(), connection))
        return values

    @staticmethod
    def _prepared(f, value, connection):
        if isinstance(value, DatabaseDefault):
            if not isinstance(f.db_default, Value):
                raise ValueError(f"{f.name}: give a value; its default is computed")
            value = f.db_default.value
        return f.get_db_prep_save(value, connection)


def _fixed_default(f) -> bool:
    """Whether the field's default is the same value for every row (neither a callable nor
    an expression the database computes), so that it can be prepared once."""
    if f.has_default():
        return not callable(f.default)
    return not f.has_db_default() or isinstance(f.db_default, Value)
