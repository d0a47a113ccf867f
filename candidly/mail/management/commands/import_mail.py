from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from candidly.accounts.models import User
from candidly.lib.importreport import ImportReport
from candidly.mail.importers import mail_import


class Command(BaseCommand):
    help = (
        "Import mail from .eml files, mbox files and Maildir folders (a whole export): each "
        "message is matched to a candidate or hiring manager and recorded as an email activity."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--owner",
            required=True,
            help="The recruiter whose mailbox this is (username or email address).",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        rebuild = parser.add_mutually_exclusive_group()
        rebuild.add_argument(
            "--rebuild-obligations",
            action="store_true",
            default=None,
            dest="rebuild",
            help="Rebuild all obligations once at the end (default for imports over 20 MB).",
        )
        rebuild.add_argument(
            "--upkeep",
            action="store_false",
            dest="rebuild",
            help="Bring obligations up to date message by message (default for small imports).",
        )

    def handle(self, *args, paths, owner, as_json, no_progress, rebuild, **options):
        user = User.objects.filter(Q(username=owner) | Q(email__iexact=owner)).first()
        if user is None:
            raise CommandError(f"No user “{owner}”.")
        report = ImportReport()
        console = Console(stderr=True)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=no_progress or as_json or options["verbosity"] == 0,
        ) as bar:

            def progress(total: int):
                task = bar.add_task("Importing mail", total=total)
                return lambda n: bar.advance(task, n)

            mail_import(paths=paths, owner=user, report=report, progress=progress, rebuild=rebuild)
        report.write(self.stdout, as_json=as_json)
