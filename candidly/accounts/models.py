from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A recruiter, a team lead or an admin. Custom from the first migration so it can grow."""

    time_zone = models.CharField(max_length=64, blank=True, help_text="Blank: the site's zone.")

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
