"""Reading candidate files: the encoding, the format, and each item of it.

Formats, told apart by content (or forced with `format=`):

- ``json-resume``: a JSON object with a "basics" object, or a list of them.
- ``linkedin``: LinkedIn's "Connections" export. Its header holds First Name, Last Name, URL,
  Email Address, Company, Position and Connected On; "Notes:" lines may come above it.
- ``greenhouse``: a Greenhouse-style candidate export: a "Candidate ID" column beside the
  name columns, and any of the columns in ``ALIASES`` (Email, Phone, Current Company, Current
  Title, Location, LinkedIn, Website, Source, Tags, Notes…).
- ``csv``: any other CSV whose header names its columns as in ``ALIASES`` or after the fields
  themselves (first_name, email…), or whose columns are named with a mapping
  ``{"Column Name": "field"}``.

Text is read as UTF-8 (a byte-order mark is dropped; UTF-16 with a byte-order mark is read
too); text that is not UTF-8 is read as Windows-1252, or failing that Latin-1, with a note.
The header may be preceded by other lines and the cells separated by commas, semicolons or
tabs. One bad row is refused with its reason; the rest is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re

from candidly.candidate_import.jsonresume import NotAResume, record_from_resume
from candidly.candidate_import.records import (
    FIELDS,
    MULTI_VALUED,
    CandidateRecord,
    Item,
    ParsedFile,
    clean_block,
    clean_text,
    join_skills,
    split_name,
)
from candidly.people.models import Candidate

FORMATS = ("auto", "linkedin", "greenhouse", "csv", "json-resume")
FORMAT_NAMES = {
    "linkedin": "LinkedIn connections",
    "greenhouse": "Greenhouse-style candidate export",
    "csv": "CSV",
    "json-resume": "JSON Resume",
}
HEADER_SCAN = 30  # rows looked at for the header
DELIMITERS = (",", ";", "\t")
SOURCE_MAX = Candidate._meta.get_field("source").max_length
IGNORE = "ignore"  # `--map "Column=ignore"` leaves a column out

# Column names (compared without case or extra spaces) and the field each one fills.
ALIASES = {
    "first name": "first_name", "firstname": "first_name", "given name": "first_name",
    "last name": "last_name", "lastname": "last_name", "surname": "last_name",
    "family name": "last_name",
    "name": "full_name", "full name": "full_name", "candidate name": "full_name",
    "email": "email", "email address": "email", "e-mail": "email", "emails": "email",
    "email addresses": "email", "personal email": "email", "work email": "email",
    "phone": "phone", "phone number": "phone", "phones": "phone", "mobile": "phone",
    "mobile phone": "phone", "telephone": "phone",
    "url": "url", "profile url": "url", "linkedin": "url", "linkedin url": "url",
    "linkedin profile": "url", "website": "url", "websites": "url", "social media": "url",
    "github": "url",
    "company": "company", "current company": "company", "employer": "company",
    "title": "headline", "current title": "headline", "position": "headline",
    "job title": "headline", "headline": "headline",
    "location": "location", "city": "location",
    "skills": "skills", "tags": "skills",
    "source": "source",
    "notes": "notes", "note": "notes", "comments": "notes",
    **{f: f for f in FIELDS},
}  # fmt: skip
NAME_FIELDS = {"first_name", "last_name", "full_name"}
CONTACT_FIELDS = {"email", "phone", "url"}


class MappingError(ValueError):
    """A column mapping that names a field Candidly does not have."""


def parse_mapping(text: str) -> dict[str, str]:
    """ "Given=first_name, Mail=email" -> {"given": "first_name", "mail": "email"}."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        column, sep, target = part.rpartition("=")
        column, target = _header_key(column), target.strip().lower()
        if not sep or not column:
            raise MappingError(f"“{part.strip()}” is not Column Name=field.")
        if target not in FIELDS and target != IGNORE:
            raise MappingError(
                f"“{target}” is not a field; use one of {', '.join(FIELDS)} (or {IGNORE})."
            )
        mapping[column] = target
    return mapping


def decode(data: bytes) -> tuple[str, str]:
    """The file's text, and a note when it was not UTF-8."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), ""
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), ""  # UTF-8, with or without a byte-order mark
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "not UTF-8: read as Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "not UTF-8: read as Latin-1"


def parse_file(
    data: bytes,
    name: str,
    *,
    format: str = "auto",
    mapping: dict[str, str] | None = None,
    source: str = "",
) -> ParsedFile:
    """Every item of a candidate file, each a record or the reason it was refused."""
    if format not in FORMATS:
        return ParsedFile(name, problem=f"“{format}” is not a format ({', '.join(FORMATS)}).")
    text, note = decode(data)
    notes = [note] if note else []
    start = text.lstrip()[:1]
    if format == "json-resume" or (format == "auto" and start in ("{", "[")):
        parsed = _parse_json(text, name, source)
        if format == "auto" and start == "[" and parsed.problem:
            # Not JSON after all: perhaps a CSV whose first cell starts with a bracket.
            as_csv = _parse_csv(text, name, format, mapping or {}, source)
            if not as_csv.problem:
                parsed = as_csv
    else:
        parsed = _parse_csv(text, name, format, mapping or {}, source)
    parsed.notes[:0] = notes
    return parsed


# --- JSON Resume ------------------------------------------------------------------------------


def _resume_item(label: str, doc: object, source: str) -> Item:
    try:
        record, warnings = record_from_resume(doc)
    except NotAResume as exc:
        return Item(label, problem=str(exc))
    record.source = record.source or source
    shown = record.full_name or (record.emails[0] if record.emails else "")
    label = f"{label}: {shown}" if shown else label
    if not (record.first_name or record.last_name or record.has_contact()):
        return Item(label, problem="no name, email, phone or profile URL", warnings=warnings)
    return Item(label, record, warnings=warnings)


def _parse_json(text: str, name: str, source: str) -> ParsedFile:
    parsed = ParsedFile(name, format="json-resume")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        parsed.problem = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        return parsed
    except (ValueError, RecursionError) as exc:
        parsed.problem = f"not valid JSON: {str(exc)[:200] or 'nested too deeply'}"
        return parsed
    if isinstance(doc, dict):
        if "basics" not in doc:
            parsed.problem = 'not a JSON Resume: a JSON object without "basics"'
            return parsed
        parsed.items.append(_resume_item(name, doc, source))
    elif isinstance(doc, list):
        for i, entry in enumerate(doc, 1):
            parsed.items.append(_resume_item(f"{name}, résumé {i}", entry, source))
        if not doc:
            parsed.notes.append("an empty list: no résumés in it")
    else:
        parsed.problem = (
            'not a JSON Resume: a résumé is a JSON object with "basics" (or a list of them)'
        )
    return parsed


# --- CSV --------------------------------------------------------------------------------------


def _lines(text: str) -> io.StringIO:
    """The text for the CSV reader, lines ending in \n, \r\n or a lone \r (old Mac files)."""
    return io.StringIO(text, newline=None)


def _header_key(cell: str) -> str:
    return clean_text(cell.replace("\ufeff", "")).casefold()


def _columns(header: list[str], mapping: dict[str, str]) -> dict[int, str]:
    """Which field each column of the header fills."""
    columns = {}
    for i, cell in enumerate(header):
        key = _header_key(cell)
        target = mapping.get(key) or ALIASES.get(key)
        if target and target != IGNORE:
            columns[i] = target
    return columns


def _detect(keys: set[str]) -> str:
    if "candidate id" in keys:
        return "greenhouse"
    if {"first name", "last name"} <= keys and (
        "connected on" in keys or {"url", "position"} <= keys
    ):
        return "linkedin"
    return "csv"


def _find_header(text: str, mapping: dict[str, str]):
    """The delimiter, the header's row number (0-based) and the header, or None."""
    best = None
    for delimiter in DELIMITERS:
        reader = csv.reader(_lines(text), delimiter=delimiter)
        for index in range(HEADER_SCAN):
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:
                continue
            keys = {_header_key(c) for c in row}
            if mapping and not set(mapping) <= keys:
                continue
            fields = set(_columns(row, mapping).values())
            if fields & (NAME_FIELDS | CONTACT_FIELDS):
                score = len(fields)
                if best is None or score > best[0]:
                    best = (score, delimiter, index, row)
                break
    return None if best is None else best[1:]


def _split(field: str, value: str) -> list[str]:
    if field == "phone":
        parts = re.split(r"[;,\n]+", value)
        # "415-555-0100 (mobile)", "mobile: 415-555-0100"
        parts = [re.sub(r"\([^\d()]*\)|^\s*[A-Za-z ]+:", "", p) for p in parts]
    else:
        parts = re.split(r"[;,\s]+", value)
    return [clean_text(p) for p in parts if clean_text(p)]


def _row_item(
    label: str, row: list[str], columns: dict[int, str], header_width: int, default_source: str
) -> Item | None:
    """One data row as an item; None for a row with nothing in it."""
    if not any(cell.strip() for cell in row):
        return None
    values: dict[str, list[str]] = {}
    for i, field in columns.items():
        if i < len(row) and row[i].strip():
            values.setdefault(field, []).append(row[i])
    warnings = []
    extra = [c for c in row[header_width:] if c.strip()]
    if extra:
        warnings.append(f"{len(extra)} cell(s) beyond the header's columns left out")
    for field, cells in values.items():
        if field != "notes" and any("\n" in c.strip() for c in cells):
            return Item(
                label,
                problem=f"{field.replace('_', ' ')} runs over several lines (a quote left open?)",
            )

    def one(field: str) -> str:
        return next((clean_text(v) for v in values.get(field, []) if clean_text(v)), "")

    record = CandidateRecord(
        first_name=one("first_name"),
        last_name=one("last_name"),
        company=one("company"),
        headline=one("headline"),
        location=one("location"),
        notes="\n\n".join(clean_block(v) for v in values.get("notes", []) if clean_block(v)),
    )
    if not (record.first_name or record.last_name) and one("full_name"):
        record.first_name, record.last_name = split_name(one("full_name"))
    for field in MULTI_VALUED:
        target = {"email": record.emails, "phone": record.phones, "url": record.urls}[field]
        for cell in values.get(field, []):
            target.extend(v for v in _split(field, cell) if v not in target)
    skills = [s for cell in values.get("skills", []) for s in re.split(r"[,;\n]", cell)]
    record.skills, cut = join_skills(skills)
    if cut:
        warnings.append("some skills left out: the list is longer than a candidate holds")
    source = one("source") or default_source
    if len(source) > SOURCE_MAX:
        warnings.append(f"source cut to {SOURCE_MAX} characters")
        source = source[:SOURCE_MAX].strip()
    record.source = source
    shown = record.full_name or (record.emails[0] if record.emails else "")
    if shown:
        label = f"{label}: {shown[:80]}"
    if not (record.first_name or record.last_name or record.has_contact()):
        return Item(label, problem="no name, email, phone or profile URL", warnings=warnings)
    return Item(label, record, warnings=warnings)


def _parse_csv(
    text: str, name: str, format: str, mapping: dict[str, str], source: str
) -> ParsedFile:
    parsed = ParsedFile(name)
    found = _find_header(text, mapping)
    if found is None:
        if mapping:
            parsed.problem = (
                "missing columns: no row in the first "
                f"{HEADER_SCAN} lines has all of {', '.join(sorted(mapping))}"
            )
        else:
            parsed.problem = (
                "missing columns: no header row with a name, email, phone or profile URL column "
                f"in the first {HEADER_SCAN} lines (name the columns with a mapping)"
            )
        return parsed
    delimiter, header_index, header = found
    keys = {_header_key(c) for c in header}
    detected = _detect(keys)
    if format in ("linkedin", "greenhouse") and detected != format:
        expected = {
            "linkedin": "First Name, Last Name, URL, Email Address, Company, Position, "
            "Connected On",
            "greenhouse": "Candidate ID, First Name, Last Name, Email, Phone…",
        }[format]
        parsed.problem = f"not a {FORMAT_NAMES[format]}: its header lacks {expected}"
        return parsed
    parsed.format = format if format != "auto" else detected
    columns = _columns(header, mapping)
    id_column = next((i for i, c in enumerate(header) if _header_key(c) == "candidate id"), None)
    default_source = source or ("LinkedIn" if parsed.format == "linkedin" else "")
    if header_index:
        parsed.notes.append(f"{header_index} line(s) above the header skipped")

    reader = csv.reader(_lines(text), delimiter=delimiter)
    for _ in range(header_index + 1):
        try:
            next(reader)
        except csv.Error:
            pass
    last_line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = last_line + 1
            parsed.items.append(Item(f"{name}, line {line}", problem=f"unreadable row: {exc}"))
            if reader.line_num == last_line:
                break  # the reader cannot get past it
            last_line = reader.line_num
            continue
        first, last_line = last_line + 1, reader.line_num
        lines = f"line {first}" if first == last_line else f"lines {first}–{last_line}"
        label = f"{name}, {lines}"
        if id_column is not None and id_column < len(row) and row[id_column].strip():
            label += f" (candidate {clean_text(row[id_column])[:40]})"
        item = _row_item(label, row, columns, len(header), default_source)
        if item is not None:
            parsed.items.append(item)
    if not parsed.items:
        parsed.notes.append("no rows below the header")
    return parsed
