"""Reads for lists of candidates. They combine people, the pipeline (stage and client filters)
and the ledger (last contact), so they live here, above all three."""

import re

from django.core.exceptions import ValidationError
from django.db.models import Max, Q, QuerySet

from candidly.activity.models import Activity
from candidly.people.contacts import format_phone, normalize_email, normalize_phone
from candidly.people.models import Candidate, ContactPoint
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


def with_list_details(candidates: QuerySet[Candidate]) -> QuerySet[Candidate]:
    """The related rows a line of the candidate list shows: owner and contact points."""
    return candidates.select_related("owner").prefetch_related("contact_points")


def list_rows(candidates) -> list[Candidate]:
    """One page of candidates, each given `emails`, `phones` and `last_activity_at`.

    The last contact is read for this page's candidates only, in one grouped query: as a
    subquery of the page's SELECT, PostgreSQL would also run it for every row skipped by OFFSET.
    """
    rows = list(candidates)
    last = dict(
        Activity.objects.filter(candidate_id__in=[c.pk for c in rows])
        .values("candidate_id")
        .annotate(last=Max("occurred_at"))
        .values_list("candidate_id", "last")
        .order_by()
    )
    for candidate in rows:
        points = candidate.contact_points.all()
        candidate.emails = [p.value for p in points if p.kind == ContactPoint.Kind.EMAIL]
        candidate.phones = [
            format_phone(p.value) for p in points if p.kind == ContactPoint.Kind.PHONE
        ]
        candidate.last_activity_at = last.get(candidate.pk)
    return rows
