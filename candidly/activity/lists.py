"""Reads for lists of candidates. They combine people, the pipeline (stage and client filters)
and the ledger (last contact), so they live here, above all three."""

import re

from django.core.exceptions import ValidationError
from django.db.models import Max, Q, QuerySet

from candidly.accounts.models import User, display_name
from candidly.activity.models import Activity
from candidly.lib.compiled import Compiled
from candidly.people.contacts import format_phone, normalize_email, normalize_phone
from candidly.people.models import Candidate, Company, ContactPoint
from candidly.pipeline.models import Submission

_PHONE_LIKE = re.compile(r"^[\d\s()+.\-]{7,}$")


def _contact_filter(query: str) -> Q | None:
    """An exact match on a contact point when the query looks like an email or a phone."""
    try:
        if "@" in query:
            kind, value = ContactPoint.Kind.EMAIL, normalize_email(query)
        elif _PHONE_LIKE.match(query):
            kind, value = ContactPoint.Kind.PHONE, normalize_phone(query)
        else:
            return None
    except ValidationError:
        return None
    ids = ContactPoint.objects.filter(kind=kind, value=value, candidate__isnull=False)
    return Q(pk__in=ids.values("candidate_id"))


def candidate_search(
    *,
    query: str = "",
    owner_id: int | None = None,
    stage: str = "",
    company_id: int | None = None,
) -> QuerySet[Candidate]:
    """Candidates matching a free-text query and filters, in name order.

    The query finds an email or phone exactly; otherwise every word must appear in the
    name, current title, current company or skills.
    """
    candidates = Candidate.objects.all()
    query = query.strip()
    if query:
        contact = _contact_filter(query)
        if contact is not None:
            candidates = candidates.filter(contact)
        else:
            for word in query.split():
                candidates = candidates.filter(
                    Q(first_name__icontains=word)
                    | Q(last_name__icontains=word)
                    | Q(headline__icontains=word)
                    | Q(current_company__icontains=word)
                    | Q(skills__icontains=word)
                )
    if owner_id:
        candidates = candidates.filter(owner_id=owner_id)
    if stage or company_id:
        submissions = Submission.objects.all()
        if stage:
            submissions = submissions.filter(stage=stage)
        if company_id:
            submissions = submissions.filter(requisition__company_id=company_id)
        candidates = candidates.filter(pk__in=submissions.values("candidate_id"))
    return candidates.order_by("last_name", "first_name", "id")


# What a line of the candidate list shows, read as plain rows: at a page of 25, building
# model instances and prefetching cost more than the queries themselves.
LIST_FIELDS = (
    "pk", "first_name", "last_name", "headline", "current_company", "skills",
    "owner__first_name", "owner__last_name", "owner__username",
)  # fmt: skip


def list_rows(page: QuerySet[Candidate]) -> list[dict]:
    """One page of a candidate search (a sliced queryset) as plain rows, each given `emails`,
    `phones`, `owner` and `last_activity_at`, in two more queries.

    The paginator counts the candidates themselves, not these rows: counting rows that name
    their owner would join every counted candidate to its owner.

    The last contact is read for this page's candidates only, in one grouped query: as a
    subquery of the page's SELECT, PostgreSQL would also run it for every row skipped by OFFSET.
    """
    rows = list(page.values(*LIST_FIELDS))
    by_id = {row["pk"]: row for row in rows}
    for row in rows:
        owner = f"{row['owner__first_name'] or ''} {row['owner__last_name'] or ''}".strip()
        row.update(emails=[], phones=[], owner=owner or row["owner__username"] or "")
        row["last_activity_at"] = None
    if not by_id:
        return rows
    ids = {f"c{n}": pk for n, pk in enumerate(by_id)}
    for candidate_id, kind, value in _CONTACTS.rows(len(ids), **ids):
        if kind == ContactPoint.Kind.EMAIL:
            by_id[candidate_id]["emails"].append(value)
        elif kind == ContactPoint.Kind.PHONE:
            by_id[candidate_id]["phones"].append(format_phone(value))
    for candidate_id, last in _LAST_CONTACT.rows(len(ids), **ids):
        by_id[candidate_id]["last_activity_at"] = last
    return rows


def filter_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The list's filter selects as (value, label): active recruiters, then every client."""
    recruiters = [
        (pk, display_name(first, last, username))
        for pk, first, last, username in _RECRUITERS.rows()
    ]
    return recruiters, _COMPANIES.rows()


# The page's other reads, compiled once a connection and page length (`lib.compiled`): at a
# page of 25 each took longer to build through the ORM than to run.
def _page_ids(n: int, ids: dict) -> list:
    return [ids[f"c{i}"] for i in range(n)]


# By candidate only: a filter on kind would tempt SQLite into the (kind, value) index.
_CONTACTS = Compiled(
    lambda n, **ids: (
        ContactPoint.objects.filter(candidate_id__in=_page_ids(n, ids))
        .order_by("id")
        .values_list("candidate_id", "kind", "value")
    )
)
_LAST_CONTACT = Compiled(
    lambda n, **ids: (
        Activity.objects.filter(candidate_id__in=_page_ids(n, ids))
        .values("candidate_id")
        .annotate(last=Max("occurred_at"))
        .values_list("candidate_id", "last")
        .order_by()
    )
)
_RECRUITERS = Compiled(
    lambda: User.objects.filter(is_active=True).values_list(
        "pk", "first_name", "last_name", "username"
    )
)
_COMPANIES = Compiled(lambda: Company.objects.order_by("name").values_list("pk", "name"))
