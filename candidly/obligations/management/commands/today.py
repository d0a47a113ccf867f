import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from candidly.accounts.models import User
from candidly.obligations.selectors import today_queue


class Command(BaseCommand):
    help = "A recruiter's Today queue: overdue, due today, and the week ahead."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, metavar="USERNAME")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the queue as JSON."
        )

    def handle(self, *args, user: str, as_json: bool, **options):
        try:
            owner = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"No user called “{user}”.") from None
        queue = today_queue(owner.pk)
        if as_json:
            self.stdout.write(json.dumps({"user": owner.username, **queue.as_json()}, indent=2))
            return
        console = Console(file=self.stdout, width=120)
        console.print(
            f"[bold]{owner}[/]: {queue.overdue_count} overdue, {queue.today_count} due today, "
            f"{queue.coming_count} in the week ahead"
        )
        for title, rows, hidden in (
            ("Overdue (most recent first)", queue.overdue, queue.overdue_hidden),
            ("Due today", queue.today, 0),
            ("Coming", queue.coming, 0),
        ):
            if not rows:
                continue
            table = Table(title=title, title_justify="left")
            for column in ("Who", "Why", "Since", "Due", "Context"):
                table.add_column(column)
            for row in rows:
                table.add_row(
                    row.person,
                    row.kind_label,
                    f"{timezone.localtime(row.opened_at):%b %-d %H:%M}",
                    f"{timezone.localtime(row.due_at):%b %-d %H:%M}",
                    row.context,
                )
            console.print(table)
            if hidden:
                console.print(f"… and {hidden:,} more overdue.")
