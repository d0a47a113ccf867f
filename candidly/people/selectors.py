"""Reads of people: finding the one person an address or number belongs to (imports of
mail and calls match senders with it)."""

from candidly.people.models import Candidate, ContactPoint, HiringManager


def person_by_contact(kind: str, value: str) -> Candidate | HiringManager | None:
    """The one person a normalised email, phone or URL belongs to, if any."""
    point = (
        ContactPoint.objects.filter(kind=kind, value=value)
        .select_related("candidate", "hiring_manager")
        .first()
    )
    return point.person if point else None
