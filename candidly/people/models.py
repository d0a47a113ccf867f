from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from candidly.lib.constraints import exactly_one_of


class Company(models.Model):
    name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    industry = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="%(app_label)s_%(class)s_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("company_detail", args=[self.pk])


class Department(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "company", Lower("name"), name="%(app_label)s_%(class)s_unique_company_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})"


class Person(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class HiringManager(Person):
    """The other client: the person at a company who owns openings."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="hiring_managers")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="managers"
    )
    title = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def get_absolute_url(self) -> str:
        return reverse("manager_detail", args=[self.pk])


class Candidate(Person):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="candidates",
        help_text="The recruiter who looks after this candidate.",
        db_index=False,  # indexed by people_cand_owner_name (and people_cand_owner)
    )
    headline = models.CharField(max_length=200, blank=True, help_text="Current title.")
    current_company = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    skills = models.CharField(max_length=500, blank=True, help_text="Comma-separated.")
    source = models.CharField(max_length=50, blank=True, help_text="How we found them.")
    referred_by_candidate = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    referred_by_manager = models.ForeignKey(
        HiringManager,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # Candidate list, default order, with no filter.
            models.Index(fields=["last_name", "first_name", "id"], name="people_cand_name"),
            # Candidate list filtered by recruiter ("my candidates"), in name order.
            models.Index(
                fields=["owner", "last_name", "first_name", "id"], name="people_cand_owner_name"
            ),
            # PostgreSQL also has people_cand_owner, on the owner alone, to count a
            # recruiter's candidates for that list's pages (migration people 0002).
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(
                    referred_by_candidate__isnull=False, referred_by_manager__isnull=False
                ),
                name="%(app_label)s_%(class)s_one_referrer",
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("candidate_detail", args=[self.pk])

    @property
    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.split(",") if s.strip()]


class ContactPoint(models.Model):
    """An email address, phone number or profile URL, normalised so it finds one person."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        URL = "url", "Profile URL"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    # Emails lower-cased, phones in E.164, URLs with scheme and host lower-cased.
    value = models.CharField(max_length=300)
    label = models.CharField(max_length=30, blank=True, help_text="work, personal, mobile…")
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_points"
    )
    hiring_manager = models.ForeignKey(
        HiringManager,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_points",
    )

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            # An inbound email or call must find exactly one person.
            models.UniqueConstraint(
                fields=["kind", "value"], name="%(app_label)s_%(class)s_unique_kind_value"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["email", "phone", "url"]),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            exactly_one_of("candidate", "hiring_manager"),
        ]

    def __str__(self) -> str:
        return self.value

    @property
    def person(self):
        return self.candidate or self.hiring_manager
