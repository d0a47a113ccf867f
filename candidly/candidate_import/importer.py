"""Import candidate files: read each one, take each item through the import service in its
own transaction, and report what became of it. The command and the upload page both call
`import_candidates`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TextIO

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError

from candidly.accounts.models import User
from candidly.candidate_import import services
from candidly.candidate_import.parsers import parse_file
from candidly.candidate_import.records import Item
from candidly.lib.importreport import ImportReport


@dataclass
class CandidateImportReport(ImportReport):
    """The shared import report, plus notes about whole files (their encoding, lines skipped
    above a header). Counts: `merged` (duplicates that gained something) and
    `held_for_review` (likely duplicates waiting for a recruiter)."""

    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"merged": 0, "held_for_review": 0})

    def as_json(self) -> dict:
        return {**super().as_json(), "notes": self.notes}

    def write(self, out: TextIO, *, as_json: bool = False) -> None:
        if not as_json:
            for note in self.notes:
                out.write(f"  note: {note}\n")
        super().write(out, as_json=as_json)


def _reason(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        parts = []
        for name, messages in exc.message_dict.items():
            text = " ".join(messages)
            parts.append(text if name == "__all__" else f"{name.replace('_', ' ')}: {text}")
        return "; ".join(parts)
    return " ".join(exc.messages)


def _with_warnings(note: str, warnings: list[str]) -> str:
    return "; ".join([note, *warnings]) if warnings else note


def import_item(
    item: Item, report: CandidateImportReport, *, owner: User | None, imported_by: User | None
) -> None:
    """Take one item and add its line to the report. Never raises for bad input."""
    if item.record is None:
        report.refuse(item.label, _with_warnings(item.problem, item.warnings))
        return
    for attempt in (1, 2):
        try:
            outcome = services.candidate_import_record(
                record=item.record, owner=owner, imported_by=imported_by, item=item.label
            )
        except ValidationError as exc:
            report.refuse(item.label, _with_warnings(_reason(exc), item.warnings))
            return
        except IntegrityError:
            if attempt == 1:
                continue  # another import stored the same at the same moment: look again
            report.refuse(item.label, "could not be stored: it clashes with a stored record")
            return
        except DataError as exc:
            report.refuse(item.label, f"could not be stored: {str(exc).splitlines()[0][:200]}")
            return
        break
    warnings = item.warnings + outcome.warnings
    note = _with_warnings(outcome.note, warnings)
    if outcome.kind == services.CREATED:
        report.took(item.label, note)
    elif outcome.kind == services.MERGED:
        report.already(item.label, note)
        report.count("merged")
    elif outcome.kind == services.HELD:
        report.already(item.label, note)
        report.count("held_for_review")
    elif outcome.kind == services.PRESENT:
        report.already(item.label, note)
    else:
        report.refuse(item.label, note)


def import_candidates(
    files: Iterable[tuple[str, bytes]],
    *,
    owner: User | None,
    imported_by: User | None = None,
    format: str = "auto",
    mapping: dict[str, str] | None = None,
    source: str = "",
    progress: Callable[[int, int], None] | None = None,
    report: CandidateImportReport | None = None,
) -> CandidateImportReport:
    """Import every item of every file into `report` (a new one by default);
    `progress(done, total)` after each item of a file."""
    report = report if report is not None else CandidateImportReport()
    for name, data in files:
        parsed = parse_file(data, name, format=format, mapping=mapping, source=source)
        report.notes += [f"{name}: {note}" for note in parsed.notes]
        if parsed.problem:
            report.refuse(name, parsed.problem)
            continue
        total = len(parsed.items)
        for done, item in enumerate(parsed.items, 1):
            import_item(item, report, owner=owner, imported_by=imported_by)
            if progress is not None:
                progress(done, total)
    return report
