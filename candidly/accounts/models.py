from django.contrib.auth.models import AbstractUser
from django.db import models


def display_name(first_name: str, last_name: str, username: str) -> str:
    """The name a user goes by on every page: their full name, else their username."""
    return f"{first_name} {last_name}".strip() or username


class Team(models.Model):
    """Recruiters who work to the same service levels; the lead sees every member's queue."""

    name = models.CharField(max_length=100, unique=True)
    lead = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="teams_led"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A recruiter, a team lead or an admin. Custom from the first migration so it can grow."""

    time_zone = models.CharField(max_length=64, blank=True, help_text="Blank: the site's zone.")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return display_name(self.first_name, self.last_name, self.username)
