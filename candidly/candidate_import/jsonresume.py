"""JSON Resume (https://jsonresume.org/schema, v1.0.0) in and out.

In: `basics` (name, label, email, phone, url, summary, location, profiles), the current entry
of `work` (the first without an end date: company and position) and `skills`. Fields of the
wrong type are left out with a warning; a document without a `basics` object is not a résumé.

Out: what the candidate record holds — name, title, the first email and phone, every profile
URL, location as `location.city`, the current company and title as one `work` entry, skills —
with `meta.canonical` pointing back at the candidate's download link here, so importing the
file again finds the same candidate even when it has no contact points.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from candidly.candidate_import.records import (
    CandidateRecord,
    clean_block,
    clean_text,
    join_skills,
    split_name,
)
from candidly.people.models import Candidate, ContactPoint

SCHEMA = "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json"

# Networks whose profile URL can be made from a username, and how they are named.
NETWORKS = {
    "linkedin.com": ("LinkedIn", "https://linkedin.com/in/{}"),
    "github.com": ("GitHub", "https://github.com/{}"),
    "gitlab.com": ("GitLab", "https://gitlab.com/{}"),
    "twitter.com": ("Twitter", "https://twitter.com/{}"),
    "x.com": ("X", "https://x.com/{}"),
    "stackoverflow.com": ("Stack Overflow", ""),
}
_BY_NETWORK = {name.casefold(): template for name, template in NETWORKS.values() if template}
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class NotAResume(ValueError):
    pass


def is_resume(doc: object) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("basics"), dict)


def _text(value: object, where: str, warnings: list[str], *, block: bool = False) -> str:
    """A string field as text; numbers are read as text (a phone written as a number);
    anything else is left out with a warning."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        warnings.append(f"{where} left out: not text")
        return ""
    value = str(value)
    return clean_block(value) if block else clean_text(value)


def _list(value: object, where: str, warnings: list[str]) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        warnings.append(f"{where} left out: not a list")
        return []
    return value


def _canonical_ref(url: str) -> int | None:
    """The candidate id in a canonical link to this site's download of a résumé."""
    prefix = settings.SITE_URL.rstrip("/") + "/"
    if not url.startswith(prefix):
        return None
    match = re.fullmatch(r"candidates/(\d{1,18})/resume\.json", url[len(prefix) :])
    return int(match.group(1)) if match else None


def record_from_resume(doc: object) -> tuple[CandidateRecord, list[str]]:
    """The candidate a JSON Resume describes, and what was left out while reading it."""
    if not isinstance(doc, dict):
        raise NotAResume("not a JSON Resume: a résumé is a JSON object")
    basics = doc.get("basics")
    if not isinstance(basics, dict):
        raise NotAResume('not a JSON Resume: no "basics" object')
    warnings: list[str] = []
    record = CandidateRecord()
    record.first_name, record.last_name = split_name(_text(basics.get("name"), "name", warnings))
    record.headline = _text(basics.get("label"), "label", warnings)
    for key, target in (("email", record.emails), ("phone", record.phones), ("url", record.urls)):
        value = _text(basics.get(key), key, warnings)
        if value:
            target.append(value)
    location = basics.get("location")
    if isinstance(location, dict):
        parts = [
            _text(location.get(key), f"location.{key}", warnings)
            for key in ("city", "region", "countryCode")
        ]
        record.location = ", ".join(p for p in parts if p)
    else:
        record.location = _text(location, "location", warnings)
    for i, profile in enumerate(_list(basics.get("profiles"), "profiles", warnings), 1):
        if not isinstance(profile, dict):
            warnings.append(f"profile {i} left out: not an object")
            continue
        url = _text(profile.get("url"), f"profile {i} url", warnings)
        if not url:
            network = _text(profile.get("network"), f"profile {i} network", warnings)
            username = _text(profile.get("username"), f"profile {i} username", warnings)
            template = _BY_NETWORK.get(network.casefold())
            if template and _USERNAME.match(username):
                url = template.format(username)
        if url:
            record.urls.append(url)
    record.notes = _text(basics.get("summary"), "summary", warnings, block=True)

    for i, job in enumerate(_list(doc.get("work"), "work", warnings), 1):
        if not isinstance(job, dict):
            warnings.append(f"work entry {i} left out: not an object")
            continue
        if job.get("endDate"):
            continue  # a past job
        # v1.0.0 names the employer "name"; earlier versions of the schema said "company".
        record.company = _text(job.get("name") or job.get("company"), "work name", warnings)
        if not record.headline:
            record.headline = _text(job.get("position"), "work position", warnings)
        break

    names: list[str] = []
    for i, skill in enumerate(_list(doc.get("skills"), "skills", warnings), 1):
        if isinstance(skill, dict):
            names.append(_text(skill.get("name"), f"skill {i}", warnings))
        else:
            names.append(_text(skill, f"skill {i}", warnings))
    record.skills, cut = join_skills(names)
    if cut:
        warnings.append("some skills left out: the list is longer than a candidate holds")

    meta = doc.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("canonical"), str):
        record.candidate_ref = _canonical_ref(meta["canonical"])
    return record, warnings


def _profile(url: str) -> dict:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    network, _ = NETWORKS.get(host, (host, ""))
    profile = {"network": network, "url": url}
    path = [p for p in urlsplit(url).path.split("/") if p]
    if host in NETWORKS and path:
        username = path[-1]
        if _USERNAME.match(username):
            profile["username"] = username
    return profile


def resume_url(candidate: Candidate) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("candidate_json_resume", args=[candidate.pk])


def candidate_as_resume(candidate: Candidate) -> dict:
    """The candidate as a JSON Resume document (only what the record holds)."""
    points = list(candidate.contact_points.all())
    basics: dict = {"name": candidate.full_name}
    if candidate.headline:
        basics["label"] = candidate.headline
    for kind, key in ((ContactPoint.Kind.EMAIL, "email"), (ContactPoint.Kind.PHONE, "phone")):
        first = next((p.value for p in points if p.kind == kind), None)
        if first:
            basics[key] = first
    if candidate.location:
        basics["location"] = {"city": candidate.location}
    basics["profiles"] = [_profile(p.value) for p in points if p.kind == ContactPoint.Kind.URL]
    resume: dict = {"$schema": SCHEMA, "basics": basics}
    if candidate.current_company or candidate.headline:
        job = {}
        if candidate.current_company:
            job["name"] = candidate.current_company
        if candidate.headline:
            job["position"] = candidate.headline
        resume["work"] = [job]
    if candidate.skill_list:
        resume["skills"] = [{"name": s} for s in candidate.skill_list]
    resume["meta"] = {"canonical": resume_url(candidate)}
    return resume
