"""Database constraints that several models state the same way."""

from django.db import models


def choice_check(field: str, choices) -> models.CheckConstraint:
    """The column holds one of its choices, whoever writes it."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": [value for value, _ in choices]}),
        name=f"%(app_label)s_%(class)s_{field}_valid",
    )


def exactly_one_of(first: str, second: str, name: str = "one_person") -> models.CheckConstraint:
    """A row about exactly one of two things (a candidate or a hiring manager)."""
    return models.CheckConstraint(
        condition=(
            models.Q(**{f"{first}__isnull": False, f"{second}__isnull": True})
            | models.Q(**{f"{first}__isnull": True, f"{second}__isnull": False})
        ),
        name=f"%(app_label)s_%(class)s_{name}",
    )
