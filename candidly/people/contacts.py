"""Normalising contact points so the same address or number always compares equal."""

from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from candidly.people.models import ContactPoint


def normalize_email(raw: str) -> str:
    value = raw.strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(f"“{raw.strip()}” is not an email address.") from None
    return value


def normalize_phone(raw: str, region: str | None = None) -> str:
    """Return the number in E.164 (+14155550100); numbers without a country code use `region`."""
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"“{raw.strip()}” is not a phone number.") from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(f"“{raw.strip()}” is not a phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_url(raw: str) -> str:
    value = raw.strip()
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValidationError(f"“{raw.strip()}” is not a web address.") from None
    if parts.scheme not in {"http", "https"} or "." not in parts.netloc:
        raise ValidationError(f"“{raw.strip()}” is not a web address.")
    host = parts.netloc.lower().removeprefix("www.")
    return urlunsplit(("https", host, parts.path.rstrip("/"), parts.query, ""))


NORMALIZERS = {
    ContactPoint.Kind.EMAIL: normalize_email,
    ContactPoint.Kind.PHONE: normalize_phone,
    ContactPoint.Kind.URL: normalize_url,
}


def normalize_contact(kind: str, raw: str) -> str:
    return NORMALIZERS[kind](raw)


def format_phone(e164: str) -> str:
    """An E.164 number as people write it: national format at home, international abroad."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.country_code_for_region(settings.PHONE_DEFAULT_REGION)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
