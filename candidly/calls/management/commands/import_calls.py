"""`candidly import-calls FILE.csv`: a phone system's call log in, with a report per row."""

import argparse
import io
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from candidly.accounts.models import User
from candidly.calls import columns
from candidly.calls.importer import BULK_THRESHOLD, count_rows
from candidly.calls.services import calls_import


class Command(BaseCommand):
    help = (
        "Import a call log (CSV): each call with a candidate or hiring manager becomes an "
        "activity; a missed call or voicemail from a candidate opens a callback. Prints what "
        "was taken, what was already present and what was refused, and why."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("epilog", columns.help_text())
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="the call log, a CSV file with a header line ('-': stdin)")
        parser.add_argument(
            "--recruiter",
            metavar="USERNAME",
            help="every call in the file is this recruiter's (a log from one person's phone); "
            "otherwise the recruiter column, the recruiter's line, or the candidate's recruiter",
        )
        parser.add_argument(
            "--map",
            metavar='"Their Column=our_field,…"',
            default="",
            help=f"read other exports: our fields are {', '.join(columns.FIELDS)}",
        )
        parser.add_argument(
            "--time-zone",
            default="",
            help="the zone of times without an offset (default: the site's TIME_ZONE)",
        )
        parser.add_argument(
            "--region",
            default="",
            help="how numbers without a country code are read (default: PHONE_DEFAULT_REGION)",
        )
        parser.add_argument(
            "--date-format",
            default="",
            help='a strptime format for the start column, e.g. "%%m/%%d/%%Y %%I:%%M %%p"',
        )
        parser.add_argument("--encoding", default="utf-8", help="the file's encoding (utf-8)")
        path = parser.add_mutually_exclusive_group()
        path.add_argument(
            "--bulk",
            dest="bulk",
            action="store_true",
            default=None,
            help=f"write in chunks, then rebuild obligations once (the default above "
            f"{BULK_THRESHOLD:,} rows)",
        )
        path.add_argument(
            "--one-by-one",
            dest="bulk",
            action="store_false",
            help="record each call as it is read (the default for smaller files)",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, file, recruiter, map, time_zone, region, date_format, encoding,
               bulk, json, **options):  # fmt: skip
        user = None
        if recruiter:
            user = User.objects.filter(username=recruiter).first()
            if user is None:
                raise CommandError(f"No user “{recruiter}”.")
        try:
            mapping = columns.parse_mapping(map) if map else None
        except ValueError as exc:
            raise CommandError(f"--map: {exc}") from None
        try:
            stream = io.BytesIO(sys.stdin.buffer.read()) if file == "-" else open(file, "rb")
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        console = Console(stderr=True)
        with (
            stream,
            Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                disable=json or options["verbosity"] == 0 or not console.is_terminal,
            ) as progress,
        ):
            task = progress.add_task("Importing calls", total=count_rows(stream))
            try:
                report, importer = calls_import(
                    stream=stream, name="stdin" if file == "-" else file, recruiter=user,
                    time_zone=time_zone, region=region, date_format=date_format, encoding=encoding,
                    mapping=mapping, bulk=bulk, progress=lambda n: progress.advance(task, n),
                )  # fmt: skip
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
        report.write(self.stdout, as_json=json)
        if importer.rebuilt is not None and not json:
            self.stdout.write("Obligations brought up to date (rebuilt after the bulk import).")
        if importer.failed:
            raise CommandError(importer.failed)
