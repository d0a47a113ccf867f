"""Every write of the candidate import: one item at a time, each in its own transaction.

An item is matched, in this order:

1. by its fingerprint (what it says, normalised): taken before, or held before — nothing more;
2. by email, phone or profile URL (and a JSON Resume's link back to the candidate it was
   exported from): the one candidate they belong to gains what it lacks — contact points
   it does not have, fields that are empty — and nothing it has is overwritten; points that
   belong to a hiring manager, or to two different candidates, refuse the item;
3. by first name, last name and current company: a likely duplicate, held for a recruiter to
   merge or create as new (never merged without them);
4. otherwise a new candidate.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from candidly.accounts.models import User
from candidly.activity.models import Activity
from candidly.activity.services import activity_log
from candidly.candidate_import.models import DuplicateSuggestion, ImportedRecord
from candidly.candidate_import.records import CandidateRecord, clean_text
from candidly.people.contacts import normalize_contact
from candidly.people.models import Candidate, ContactPoint, HiringManager
from candidly.people.services import (
    MAX_CONTACT_LENGTH,
    candidate_create,
    contact_points_add,
)

SOURCE = "candidate-import"  # the source of the note activities an import writes
CREATED, MERGED, PRESENT, HELD, REFUSED = "created", "merged", "present", "held", "refused"
KIND_LABELS = {"email": "email", "phone": "phone", "url": "profile URL"}
# Fields an import may fill when the candidate has them empty: candidate field -> record field.
FILLABLE = {
    "headline": "headline",
    "current_company": "company",
    "location": "location",
    "skills": "skills",
    "source": "source",
}
FIELD_LABELS = {
    "headline": "title",
    "current_company": "current company",
    "location": "location",
    "skills": "skills",
    "source": "source",
    "owner": "recruiter",
}


@dataclass
class Outcome:
    kind: str  # CREATED, MERGED, PRESENT, HELD or REFUSED
    note: str = ""
    candidate: Candidate | None = None
    warnings: list[str] = field(default_factory=list)


def record_problems(record: CandidateRecord) -> list[str]:
    """What makes the record unfit to be (or to fill in) a candidate, whichever way it goes."""
    problems = []
    for record_field, field_name in (
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        *((r, c) for c, r in FILLABLE.items()),
    ):
        limit = Candidate._meta.get_field(field_name).max_length
        value = clean_text(getattr(record, record_field))
        if len(value) > limit:
            label = FIELD_LABELS.get(field_name, field_name.replace("_", " "))
            problems.append(f"{label}: at most {limit} characters (it has {len(value)})")
    return problems


def prepare_contacts(record: CandidateRecord) -> tuple[list[tuple[str, str]], list[str]]:
    """The record's contact points normalised, and those left out because they are not one."""
    contacts: list[tuple[str, str]] = []
    warnings: list[str] = []
    for kind, values in (
        (ContactPoint.Kind.EMAIL, record.emails),
        (ContactPoint.Kind.PHONE, record.phones),
        (ContactPoint.Kind.URL, record.urls),
    ):
        for raw in values:
            try:
                value = normalize_contact(kind, raw)
            except ValidationError as exc:
                warnings.append(f"{exc.messages[0]} Left out.")
                continue
            if len(value) > MAX_CONTACT_LENGTH:
                warnings.append(f"{KIND_LABELS[kind]} {value[:40]}… is too long. Left out.")
                continue
            if (kind, value) not in contacts:
                contacts.append((str(kind), value))
    return contacts, warnings


def _fold(value: str) -> str:
    return clean_text(value).casefold()


def fingerprint(record: CandidateRecord, contacts: list[tuple[str, str]]) -> str:
    """What the item says, normalised; the same row in any file gives the same fingerprint.
    Where it was found and its source (a setting of the run) are not part of it."""
    said = [
        _fold(record.first_name),
        _fold(record.last_name),
        sorted(contacts),
        _fold(record.company),
        _fold(record.headline),
        _fold(record.location),
        _fold(record.skills),
        record.notes.strip(),
        record.candidate_ref,
    ]
    return hashlib.sha256(json.dumps(said).encode()).hexdigest()


def _who(person: Candidate | HiringManager) -> str:
    if isinstance(person, HiringManager):
        return f"hiring manager {person.full_name} (#{person.pk})"
    return f"{person.full_name} (#{person.pk})"


def _contact_matches(record: CandidateRecord, contacts: list[tuple[str, str]]):
    """Each person the item's contact points (or its link back) lead to, with how."""
    found: dict[tuple[str, int], tuple[Candidate | HiringManager, list[str]]] = {}
    owners = {}
    if contacts:  # one query for all of them (the unique kind-value index answers each)
        wanted = Q()
        for kind, value in contacts:
            wanted |= Q(kind=kind, value=value)
        points = ContactPoint.objects.filter(wanted).select_related("candidate", "hiring_manager")
        owners = {(p.kind, p.value): p.person for p in points}
    for kind, value in contacts:
        person = owners.get((kind, value))
        if person is not None:
            key = (type(person).__name__, person.pk)
            found.setdefault(key, (person, []))[1].append(f"{KIND_LABELS[kind]} {value}")
    if record.candidate_ref is not None:
        linked = Candidate.objects.filter(pk=record.candidate_ref).first()
        # A link back is trusted only with the same name: another site may reuse the address.
        if linked is not None and (
            _fold(linked.first_name),
            _fold(linked.last_name),
        ) == (_fold(record.first_name), _fold(record.last_name)):
            found.setdefault(("Candidate", linked.pk), (linked, []))[1].append("exported from")
    return list(found.values())


def _name_variants(name: str) -> set[str]:
    name = clean_text(name)
    return {name, name.title(), name.lower(), name.upper(), name.capitalize()}


def likely_duplicates(record: CandidateRecord) -> list[Candidate]:
    """Candidates with the item's first and last name and current company (case aside).

    Looked up by exact name through the candidate list's name index, in the usual spellings
    of case, then compared without case, so a large table is not scanned for each row."""
    rows = Candidate.objects.filter(
        last_name__in=_name_variants(record.last_name),
        first_name__in=_name_variants(record.first_name),
    ).order_by("pk")
    wanted = (_fold(record.first_name), _fold(record.last_name), _fold(record.company))
    return [
        c
        for c in rows
        if (_fold(c.first_name), _fold(c.last_name), _fold(c.current_company)) == wanted
    ]


def _log_notes(
    *, candidate: Candidate, record: CandidateRecord, recruiter: User | None, key: str
) -> bool:
    """The item's notes as a note on the candidate's timeline (once per item)."""
    if not record.notes or recruiter is None:
        return False
    activity_log(
        recruiter=recruiter,
        candidate=candidate,
        kind=Activity.Kind.NOTE,
        direction=Activity.Direction.INTERNAL,
        minutes=0,
        subject="Notes from an imported file",
        body=record.notes,
        source=SOURCE,
        external_id=f"{key}:notes",
    )
    return True


@transaction.atomic
def candidate_merge_record(
    *,
    candidate: Candidate,
    record: CandidateRecord,
    owner: User | None = None,
    recruiter: User | None = None,
    key: str = "",
) -> list[str]:
    """Give `candidate` what the record has and they lack: contact points and empty fields
    (and an owner if they have none). Nothing the candidate has is overwritten. Returns what
    was added, for the report."""
    contacts, _ = prepare_contacts(record)
    have = set(candidate.contact_points.values_list("kind", "value"))
    new = [(kind, value) for kind, value in contacts if (kind, value) not in have]
    added = [f"{KIND_LABELS[kind]} {value}" for kind, value in new]
    if new:
        contact_points_add(
            person=candidate,
            emails=[v for k, v in new if k == ContactPoint.Kind.EMAIL],
            phones=[v for k, v in new if k == ContactPoint.Kind.PHONE],
            urls=[v for k, v in new if k == ContactPoint.Kind.URL],
        )
    changed = []
    for field_name, record_field in FILLABLE.items():
        value = clean_text(getattr(record, record_field))
        if value and not getattr(candidate, field_name):
            setattr(candidate, field_name, value)
            changed.append(field_name)
    if candidate.owner_id is None and owner is not None:
        candidate.owner = owner
        changed.append("owner")
    if changed:
        candidate.full_clean(validate_constraints=False)
        candidate.save(update_fields=changed)
        added += [FIELD_LABELS[f] for f in changed]
    if record.notes:
        key = key or fingerprint(record, contacts)
        if not Activity.objects.filter(source=SOURCE, external_id=f"{key}:notes").exists():
            if _log_notes(candidate=candidate, record=record, recruiter=recruiter, key=key):
                added.append("notes")
    return added


def _create(*, record: CandidateRecord, owner: User | None, recruiter: User | None, key: str):
    candidate = candidate_create(
        first_name=record.first_name,
        last_name=record.last_name,
        owner=owner,
        emails=record.emails,
        phones=record.phones,
        urls=record.urls,
        headline=record.headline,
        current_company=record.company,
        location=record.location,
        skills=record.skills,
        source=record.source,
    )
    _log_notes(candidate=candidate, record=record, recruiter=recruiter, key=key)
    return candidate


@transaction.atomic
def candidate_import_record(
    *,
    record: CandidateRecord,
    owner: User | None,
    imported_by: User | None = None,
    item: str = "",
) -> Outcome:
    """Take one imported candidate: create, merge, hold as a likely duplicate, or refuse."""
    problems = record_problems(record)
    if problems:
        return Outcome(REFUSED, "; ".join(problems))
    contacts, warnings = prepare_contacts(record)
    record.emails = [v for k, v in contacts if k == ContactPoint.Kind.EMAIL]
    record.phones = [v for k, v in contacts if k == ContactPoint.Kind.PHONE]
    record.urls = [v for k, v in contacts if k == ContactPoint.Kind.URL]
    key = fingerprint(record, contacts)
    recruiter = imported_by or owner

    done = ImportedRecord.objects.filter(fingerprint=key).select_related("candidate").first()
    if done is not None:
        return Outcome(PRESENT, f"taken before: {_who(done.candidate)}", done.candidate)
    held = (
        DuplicateSuggestion.objects.filter(fingerprint=key)
        .select_related("suspected", "result")
        .first()
    )
    if held is not None:
        if held.state == DuplicateSuggestion.State.PENDING:
            note = "still waiting for a recruiter: the same name and company as "
            note += _who(held.suspected)
        else:
            note = f"{held.get_state_display().lower()} by a recruiter"
            if held.result is not None:
                note += f": {_who(held.result)}"
        return Outcome(PRESENT, note, held.result or held.suspected)

    matches = _contact_matches(record, contacts)
    managers = [(p, how) for p, how in matches if isinstance(p, HiringManager)]
    if managers:
        person, how = managers[0]
        return Outcome(REFUSED, f"{', '.join(how)} belongs to {_who(person)}")
    if len(matches) > 1:
        (first, first_how), (second, second_how) = matches[:2]
        return Outcome(
            REFUSED,
            f"matches two candidates: {_who(first)} by {', '.join(first_how)}, "
            f"and {_who(second)} by {', '.join(second_how)}",
        )
    if matches:
        candidate = matches[0][0]
        added = candidate_merge_record(
            candidate=candidate, record=record, owner=owner, recruiter=recruiter, key=key
        )
        ImportedRecord.objects.create(
            fingerprint=key, candidate=candidate, outcome=ImportedRecord.Outcome.MERGED
        )
        if added:
            return Outcome(
                MERGED, f"{_who(candidate)}: added {', '.join(added)}", candidate, warnings
            )
        return Outcome(PRESENT, f"{_who(candidate)}: nothing new", candidate, warnings)

    if not (record.first_name and record.last_name):
        reason = "no first and last name"
        if contacts:
            reason += ", and no email, phone or profile URL of a candidate here"
        return Outcome(REFUSED, reason, warnings=warnings)
    suspects = likely_duplicates(record)
    if suspects:
        suspect = suspects[0]
        DuplicateSuggestion.objects.create(
            fingerprint=key,
            record=record.as_dict(),
            item=item[:300],
            suspected=suspect,
            owner=owner,
            imported_by=imported_by,
        )
        company = f" at {suspect.current_company}" if suspect.current_company else ""
        more = f" (and {len(suspects) - 1} more)" if len(suspects) > 1 else ""
        return Outcome(
            HELD,
            f"likely the same person as {_who(suspect)}{company}{more}: held for a recruiter "
            "to merge or create as new",
            suspect,
            warnings,
        )
    candidate = _create(record=record, owner=owner, recruiter=recruiter, key=key)
    ImportedRecord.objects.create(
        fingerprint=key, candidate=candidate, outcome=ImportedRecord.Outcome.CREATED
    )
    return Outcome(CREATED, f"new candidate {_who(candidate)}", candidate, warnings)


def _resolve(suggestion: DuplicateSuggestion, state: str, by: User, result: Candidate) -> None:
    claimed = DuplicateSuggestion.objects.filter(
        pk=suggestion.pk, state=DuplicateSuggestion.State.PENDING
    ).update(state=state, resolved_by=by, resolved_at=timezone.now(), result=result)
    if claimed != 1:
        raise ValidationError("Another recruiter has already decided about this one.")
    suggestion.refresh_from_db()


def _pending(suggestion: DuplicateSuggestion) -> DuplicateSuggestion:
    suggestion = DuplicateSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.state != DuplicateSuggestion.State.PENDING:
        raise ValidationError("Another recruiter has already decided about this one.")
    return suggestion


@transaction.atomic
def duplicate_suggestion_merge(*, suggestion: DuplicateSuggestion, by: User) -> list[str]:
    """The recruiter confirms it is the suspected candidate: merge what the file said into
    them (as an import would), and remember the decision."""
    suggestion = _pending(suggestion)
    record = CandidateRecord.from_dict(suggestion.record)
    candidate = suggestion.suspected
    added = candidate_merge_record(
        candidate=candidate,
        record=record,
        owner=suggestion.owner,
        recruiter=by,
        key=suggestion.fingerprint,
    )
    _resolve(suggestion, DuplicateSuggestion.State.MERGED, by, candidate)
    return added


@transaction.atomic
def duplicate_suggestion_create(*, suggestion: DuplicateSuggestion, by: User) -> Candidate:
    """The recruiter says it is someone else: create the candidate as the file said."""
    suggestion = _pending(suggestion)
    record = CandidateRecord.from_dict(suggestion.record)
    candidate = _create(
        record=record, owner=suggestion.owner or by, recruiter=by, key=suggestion.fingerprint
    )
    _resolve(suggestion, DuplicateSuggestion.State.CREATED, by, candidate)
    return candidate
