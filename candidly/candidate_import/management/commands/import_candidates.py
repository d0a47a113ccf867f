import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from candidly.accounts.models import User
from candidly.candidate_import.importer import CandidateImportReport, import_candidates
from candidly.candidate_import.parsers import FORMATS, MappingError, parse_mapping
from candidly.candidate_import.records import FIELDS


def owner_for(username: str | None) -> User:
    """The recruiter who looks after new candidates: the one named, or the only user."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user called “{username}”.")
        return user
    users = list(User.objects.filter(is_active=True).order_by("username")[:6])
    if len(users) == 1:
        return users[0]
    if not users:
        raise CommandError("There are no users yet: create one first (candidly createsuperuser).")
    names = ", ".join(u.username for u in users[:5]) + (", …" if len(users) > 5 else "")
    raise CommandError(f"Say who looks after the new candidates: --owner USERNAME ({names}).")


class Command(BaseCommand):
    help = (
        "Import candidates from CSV files (LinkedIn connections, a Greenhouse-style export, any "
        "CSV with a column mapping) and JSON Resume documents. Duplicates by email, phone or "
        "profile URL are merged; likely duplicates by name and company wait for a recruiter."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--format", choices=FORMATS, default="auto", help="Default: told from the content."
        )
        parser.add_argument(
            "--map",
            dest="mapping",
            metavar='"Column Name=field,…"',
            default="",
            help=f"Name the CSV columns; fields: {', '.join(FIELDS)} (or ignore).",
        )
        parser.add_argument(
            "--owner",
            metavar="USERNAME",
            help="Who looks after the new candidates (needed unless there is only one user).",
        )
        parser.add_argument(
            "--source", default="", help="How these candidates were found, when a row says not."
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON."
        )

    def handle(self, *args, files, format, mapping, owner, source, as_json, **options):
        try:
            columns = parse_mapping(mapping)
        except MappingError as exc:
            raise CommandError(f"--map: {exc}") from None
        user = owner_for(owner)
        report = CandidateImportReport()
        readable = []
        for path in files:
            try:
                readable.append((Path(path).name, Path(path).read_bytes()))
            except OSError as exc:
                report.refuse(path, f"cannot be read: {exc.strerror or exc}")
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=options["verbosity"] == 0 or not sys.stderr.isatty(),
            transient=True,
        ) as progress:
            task = progress.add_task("Importing candidates", total=None)
            import_candidates(
                readable,
                owner=user,
                imported_by=user,
                format=format,
                mapping=columns,
                source=source,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                report=report,
            )
        report.write(self.stdout, as_json=as_json)
