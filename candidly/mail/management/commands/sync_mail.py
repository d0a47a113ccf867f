from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from candidly.accounts.models import User
from candidly.lib.importreport import ImportReport
from candidly.mail.imap import BATCH_SIZE, mailbox_sync
from candidly.mail.models import MailboxConnection


class Command(BaseCommand):
    help = (
        "Read the new mail of every enabled mailbox connection (or one recruiter's): each "
        "message is matched and recorded like an imported one, and taken once however often "
        "this runs. Exits with status 1 when a mailbox could not be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Only this recruiter's mailboxes (username).")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help="Messages fetched per request; progress is recorded after each batch "
            "(default: %(default)s).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, user, as_json, batch_size, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        connections = MailboxConnection.objects.filter(enabled=True).select_related("user")
        if user:
            owner = User.objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"No user called “{user}”.")
            connections = connections.filter(user=owner)
        report = ImportReport()
        failed = 0
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=no_progress or as_json or options["verbosity"] == 0,
        ) as bar:
            for connection in connections.order_by("user__username", "host", "folder"):
                task = bar.add_task(str(connection), total=None)
                result = mailbox_sync(
                    connection=connection,
                    report=report,
                    batch_size=batch_size,
                    progress=lambda done, total, task=task: bar.update(
                        task, completed=done, total=total
                    ),
                )
                failed += not result.ok
        report.write(self.stdout, as_json=as_json)
        if failed:
            raise SystemExit(1)
