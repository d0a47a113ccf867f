"""`candidly import-calendar PATH... [--recruiter USERNAME] [--time-zone ZONE] [--json]`"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from candidly.accounts.models import User
from candidly.calendars.services import AHEAD_DAYS, PAST_DAYS, calendar_import


def _files(paths: list[str]):
    """(name, bytes) for each file, and every .ics file in a folder; problems as refusals."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".ics" and p.is_file())
            yield from ((str(p), p) for p in found)
        else:
            yield raw, path


class Command(BaseCommand):
    help = (
        "Import .ics calendar files: events with a candidate among the attendees become "
        "interviews or prep sessions. Importing again changes only what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help=".ics files or folders")
        parser.add_argument(
            "--recruiter",
            metavar="USERNAME",
            help="Whose calendar it is (default: each event's organizer, when a user).",
        )
        parser.add_argument(
            "--time-zone",
            metavar="ZONE",
            default="",
            help="Zone for times written without one (default: the recruiter's, else the site's).",
        )
        parser.add_argument(
            "--past-days",
            type=int,
            default=PAST_DAYS,
            metavar="N",
            help=f"Take events from N days back (default {PAST_DAYS}).",
        )
        parser.add_argument(
            "--ahead-days",
            type=int,
            default=AHEAD_DAYS,
            metavar="N",
            help=f"…to N days ahead (default {AHEAD_DAYS}).",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON."
        )

    def handle(self, *args, paths, recruiter, time_zone, past_days, ahead_days, as_json, **opts):
        user = None
        if recruiter:
            user = User.objects.filter(username=recruiter).first()
            if user is None:
                raise CommandError(f"No user called “{recruiter}”.")
        if past_days < 0 or ahead_days < 0:
            raise CommandError("--past-days and --ahead-days are numbers of days, 0 or more.")
        unreadable = []
        files = []
        for name, path in _files(paths):
            try:
                files.append((name, path.read_bytes()))
            except OSError as exc:
                unreadable.append((name, exc.strerror or str(exc)))
        try:
            report = calendar_import(
                files=files,
                recruiter=user,
                time_zone=time_zone,
                past_days=past_days,
                ahead_days=ahead_days,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        for name, reason in unreadable:
            report.refuse(name, f"could not be opened: {reason}")
        report.write(self.stdout, as_json=as_json)
