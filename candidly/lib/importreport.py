"""What an import did with each item: taken, already present, or refused and why.

Every importer (mail, calendars, call logs, candidate files) fills one of these; the command
prints it line by line or as JSON, and the upload page shows the same.

JSON shape: {"imported": n, "duplicates": n, "refused": [{"item": "...", "reason": "..."}],
...any further counts the importer adds (e.g. "unmatched": n)}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TextIO

TAKEN, ALREADY, REFUSED = "taken", "already present", "refused"


@dataclass
class Line:
    item: str
    outcome: str  # TAKEN, ALREADY or REFUSED
    note: str = ""  # the reason for a refusal, or what was made of a taken item


@dataclass
class ImportReport:
    lines: list[Line] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    keep_lines: bool = True  # a million-row import keeps counts and refusals only

    imported: int = 0
    duplicates: int = 0
    refused: list[Line] = field(default_factory=list)

    def took(self, item: str, note: str = "") -> None:
        self.imported += 1
        if self.keep_lines:
            self.lines.append(Line(item, TAKEN, note))

    def already(self, item: str, note: str = "") -> None:
        self.duplicates += 1
        if self.keep_lines:
            self.lines.append(Line(item, ALREADY, note))

    def refuse(self, item: str, reason: str) -> None:
        line = Line(item, REFUSED, reason)
        self.refused.append(line)
        if self.keep_lines:
            self.lines.append(line)

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def merge(self, other: ImportReport) -> None:
        self.imported += other.imported
        self.duplicates += other.duplicates
        self.refused += other.refused
        self.lines += other.lines
        for name, n in other.counts.items():
            self.count(name, n)

    def as_json(self) -> dict:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "refused": [{"item": r.item, "reason": r.note} for r in self.refused],
            **self.counts,
        }

    def write(self, out: TextIO, *, as_json: bool = False) -> None:
        if as_json:
            out.write(json.dumps(self.as_json(), indent=2) + "\n")
            return
        marks = {TAKEN: "+", ALREADY: "=", REFUSED: "!"}
        for line in self.lines:
            note = f" — {line.note}" if line.note else ""
            out.write(f"{marks[line.outcome]} {line.item}{note}\n")
        if not self.keep_lines:
            for line in self.refused:
                out.write(f"! {line.item} — {line.note}\n")
        out.write(self.summary() + "\n")

    def summary(self) -> str:
        parts = [
            f"{self.imported:,} imported",
            f"{self.duplicates:,} already present",
            f"{len(self.refused):,} refused",
        ]
        parts += [f"{n:,} {name.replace('_', ' ')}" for name, n in self.counts.items()]
        return ", ".join(parts) + "."
