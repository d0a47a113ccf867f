"""One row's INSERT, its text written once.

`Model.save()` builds its INSERT anew every time. For the rows written on every activity
logged (the activity, and the obligation it opens) that cost as much as the statement, so
their INSERT is written once per model, and each row's values are prepared as `save()`
prepares them. Columns named as `tail` come last, and the caller writes their SQL: a value
the same statement computes (the id of the row inserted beside it, an answer looked up).
"""

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

    def values(self, row: Model, connection) -> list:
        """The row's values for the statement's placeholders, as `save()` prepares them."""
        values = []
        for f in self.fields:
            value = f.pre_save(row, True)
            if isinstance(value, DatabaseDefault):
                if not isinstance(f.db_default, Value):
                    raise ValueError(f"{f.name}: give a value; its default is computed")
                value = f.db_default.value
            values.append(f.get_db_prep_save(value, connection))
        return values
