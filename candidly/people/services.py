"""Every write to people, companies and contact points goes through these functions."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from candidly.accounts.models import User
from candidly.lib.timeutil import zone_or_none
from candidly.people.contacts import normalize_contact
from candidly.people.models import Candidate, Company, ContactPoint, Department, HiringManager


def validate_time_zone(name: str) -> None:
    if name and zone_or_none(name) is None:
        raise ValidationError({"time_zone": f"“{name}” is not a time zone (try Europe/Berlin)."})


MAX_CONTACT_LENGTH = ContactPoint._meta.get_field("value").max_length


def _contact_rows(
    *, emails: Iterable[str], phones: Iterable[str], urls: Iterable[str]
) -> list[tuple[str, str]]:
    """Normalise every given contact point; report all problems at once, per field."""
    rows: list[tuple[str, str]] = []
    errors: dict[str, list[str]] = {}
    for field, kind, values in (
        ("emails", ContactPoint.Kind.EMAIL, emails),
        ("phones", ContactPoint.Kind.PHONE, phones),
        ("urls", ContactPoint.Kind.URL, urls),
    ):
        for raw in values:
            if not raw or not raw.strip():
                continue
            try:
                value = normalize_contact(kind, raw)
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)
                continue
            if len(value) > MAX_CONTACT_LENGTH:
                errors.setdefault(field, []).append(
                    f"{value[:40]}… is too long (at most {MAX_CONTACT_LENGTH} characters)."
                )
                continue
            if (kind, value) in rows:
                continue
            rows.append((kind, value))
            owner = (
                ContactPoint.objects.filter(kind=kind, value=value)
                .select_related("candidate", "hiring_manager")
                .first()
            )
            if owner is not None:
                errors.setdefault(field, []).append(
                    f"{value} already belongs to {owner.person.full_name}."
                )
    if errors:
        raise ValidationError(errors)
    return rows


def contact_points_add(
    *,
    person: Candidate | HiringManager,
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    urls: Iterable[str] = (),
) -> list[ContactPoint]:
    rows = _contact_rows(emails=emails, phones=phones, urls=urls)
    side = "candidate" if isinstance(person, Candidate) else "hiring_manager"
    with transaction.atomic():
        return ContactPoint.objects.bulk_create(
            ContactPoint(kind=kind, value=value, **{side: person}) for kind, value in rows
        )


@transaction.atomic
def candidate_create(
    *,
    first_name: str,
    last_name: str,
    owner: User | None = None,
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    urls: Iterable[str] = (),
    headline: str = "",
    current_company: str = "",
    location: str = "",
    skills: str = "",
    source: str = "",
    time_zone: str = "",
    referred_by_candidate: Candidate | None = None,
    referred_by_manager: HiringManager | None = None,
) -> Candidate:
    validate_time_zone(time_zone)
    if referred_by_candidate is not None and referred_by_manager is not None:
        raise ValidationError("A candidate is referred by one person: a candidate or a manager.")
    candidate = Candidate(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        owner=owner,
        headline=headline.strip(),
        current_company=current_company.strip(),
        location=location.strip(),
        skills=", ".join(s.strip() for s in skills.split(",") if s.strip()),
        source=source.strip(),
        time_zone=time_zone,
        referred_by_candidate=referred_by_candidate,
        referred_by_manager=referred_by_manager,
    )
    candidate.full_clean()
    candidate.save()
    contact_points_add(person=candidate, emails=emails, phones=phones, urls=urls)
    return candidate


@transaction.atomic
def company_create(*, name: str, website: str = "", industry: str = "", city: str = "") -> Company:
    name = name.strip()
    existing = Company.objects.filter(name__iexact=name).first()
    if existing is not None:
        raise ValidationError({"name": f"{existing.name} is already a client."})
    company = Company(name=name, website=website, industry=industry, city=city)
    company.full_clean()
    company.save()
    return company


@transaction.atomic
def hiring_manager_create(
    *,
    company: Company,
    first_name: str,
    last_name: str,
    department: Department | None = None,
    title: str = "",
    time_zone: str = "",
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    urls: Iterable[str] = (),
) -> HiringManager:
    validate_time_zone(time_zone)
    if department is not None and department.company_id != company.pk:
        raise ValidationError({"department": f"{department.name} is not part of {company}."})
    manager = HiringManager(
        company=company,
        department=department,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        title=title.strip(),
        time_zone=time_zone,
    )
    manager.full_clean()
    manager.save()
    contact_points_add(person=manager, emails=emails, phones=phones, urls=urls)
    return manager
