"""A row written through `RowInsert` is the row `save()` would have written."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from candidly.lib.inserts import RowInsert
from candidly.obligations.models import Obligation, ServiceLevel

TAIL = ("key", "activity", "state", "met_at", "met_by")


def _insert(row_insert, values, key):
    with connection.cursor() as cursor:
        cursor.execute(row_insert.sql("%s", "NULL", "'open'", "NULL", "NULL"), [*values, key])
    return Obligation.objects.get(key=key)


@pytest.mark.django_db
def test_a_row_given_by_its_fields_is_stored_as_its_instance_would_be(recruiter, candidate):
    insert = RowInsert(Obligation, tail=TAIL)
    opened = timezone.now().replace(microsecond=123456)
    fields = {"kind": "reply", "owner_id": recruiter.pk, "candidate_id": candidate.pk,
              "thread": "<q1@example.com>", "opened_at": opened,
              "due_at": opened + timedelta(days=1)}  # fmt: skip

    assert insert.values_of(fields) == insert.values(Obligation(**fields))
    stored = _insert(insert, insert.values_of(fields), "reply:test")
    assert (stored.kind, stored.owner_id, stored.candidate_id, stored.thread) == (
        "reply",
        recruiter.pk,
        candidate.pk,
        "<q1@example.com>",
    )
    assert (stored.opened_at, stored.due_at) == (opened, opened + timedelta(days=1))
    # What was not given takes its default, as in the model.
    assert (stored.step, stored.waive_reason, stored.closes_at, stored.hiring_manager_id) == (
        0,
        "",
        None,
        None,
    )


def test_a_model_that_sets_a_field_on_save_needs_an_instance():
    with pytest.raises(ValueError, match="auto_now"):
        RowInsert(ServiceLevel).values_of({"time_zone": "UTC"})
