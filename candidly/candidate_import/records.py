"""A candidate as read from a file, before anything is matched or stored.

Every parser (CSV of any shape, JSON Resume) turns each item of a file into an `Item`: either
a `CandidateRecord` or the reason it cannot be one. Values are cleaned here once — control
characters and lone surrogates removed, whitespace collapsed — so nothing a file holds can
reach the database or a page in a form it cannot store or show.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from candidly.people.models import Candidate

# What a column of a CSV file can be mapped to (`--map "Column Name=field,…"`).
FIELDS = (
    "first_name", "last_name", "full_name", "email", "phone", "url", "company", "headline",
    "location", "skills", "source", "notes",
)  # fmt: skip
MULTI_VALUED = {"email", "phone", "url"}  # a cell may hold several, and several columns add up

SKILLS_MAX = Candidate._meta.get_field("skills").max_length

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SPACE = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """One line of text: no control characters, whitespace collapsed."""
    return _SPACE.sub(" ", _CONTROL.sub("", value)).strip()


def clean_block(value: str) -> str:
    """Free text that may run over several lines (notes)."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def split_name(full: str) -> tuple[str, str]:
    """ "Ada Lovelace" -> ("Ada", "Lovelace"); "Ludwig van Beethoven" -> ("Ludwig", "van
    Beethoven"); "Lovelace, Ada" -> ("Ada", "Lovelace")."""
    full = clean_text(full)
    if full.count(",") == 1:
        last, first = (part.strip() for part in full.split(","))
        if first and last:
            return first, last
    first, _, last = full.partition(" ")
    return first, last.strip()


def join_skills(skills: list[str]) -> tuple[str, bool]:
    """Skills as the candidate record keeps them ("Python, Django"), cut to fit the column;
    also whether some were left out."""
    seen: dict[str, None] = {}
    for skill in skills:
        skill = clean_text(skill).strip(",;")
        if skill and skill.casefold() not in {s.casefold() for s in seen}:
            seen[skill] = None
    kept: list[str] = []
    for skill in seen:
        if len(", ".join([*kept, skill])) > SKILLS_MAX:
            return ", ".join(kept), True
        kept.append(skill)
    return ", ".join(kept), False


@dataclass
class CandidateRecord:
    first_name: str = ""
    last_name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    company: str = ""
    headline: str = ""
    location: str = ""
    skills: str = ""
    source: str = ""
    notes: str = ""
    # The candidate this document was exported from (a JSON Resume's meta.canonical link back
    # to this site); trusted only when the name agrees.
    candidate_ref: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def has_contact(self) -> bool:
        return bool(self.emails or self.phones or self.urls)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> CandidateRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Item:
    """One item of a file: a record to match and store, or the reason it was refused."""

    label: str
    record: CandidateRecord | None = None
    problem: str = ""
    # Parts left out while reading (a skill list cut short, a JSON field of the wrong type).
    warnings: list[str] = field(default_factory=list)


@dataclass
class ParsedFile:
    """What a parser made of a whole file: its items, notes about the file (its encoding,
    lines skipped above the header), or the reason nothing in it could be read."""

    name: str
    format: str = ""
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problem: str = ""
