import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from candidly.accounts.models import User
from candidly.obligations.models import Obligation
from candidly.obligations.selectors import QUESTIONS, Tally, due_in, period_bounds, scorecard


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date like 2026-11-01.") from None


class Command(BaseCommand):
    help = (
        "The litmus scorecard: for each recruiter and kind of obligation due in the period, "
        "how many were met on time, late, missed or waived — and whether always."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="USERNAME", help="One recruiter (default: all).")
        parser.add_argument(
            "--since", metavar="YYYY-MM-DD", help="First day (default: the 1st of this month)."
        )
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="Last day (default: today).")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the scorecard as JSON."
        )

    def handle(self, *args, user, since, until, as_json, **options):
        last = _day(until) if until else timezone.localdate()
        first = _day(since) if since else last.replace(day=1)
        if first > last:
            raise CommandError("--since must not be after --until.")
        start, end = period_bounds(first, last)
        if user:
            owners = list(User.objects.filter(username=user))
            if not owners:
                raise CommandError(f"No user called “{user}”.")
        else:
            # Everyone who owed anything in the period (a probe of the scorecard index each).
            owing = Obligation.objects.filter(due_in(OuterRef("pk"), start, end))
            owners = list(User.objects.filter(Exists(owing)))
        card = scorecard(owner_ids=[u.pk for u in owners], since=start, until=end)
        names = {u.pk: u.username for u in owners}
        if as_json:
            data = card.as_json(names)
            data["since"], data["until"] = first.isoformat(), last.isoformat()
            self.stdout.write(json.dumps(data, indent=2))
            return
        console = Console(file=self.stdout, width=130)
        console.print(f"[bold]Litmus scorecard[/], {first:%b %-d, %Y} – {last:%b %-d, %Y}")
        rows = [(str(u), card.by_owner[u.pk]) for u in owners]
        if len(owners) > 1:
            rows.append(("Team", card.team))
        for kind, question in QUESTIONS:
            table = Table(title=question, title_justify="left")
            for column in ("Recruiter", "Due", "On time", "Late", "Missed", "Waived", "Rate",
                           "Always?"):  # fmt: skip
                table.add_column(column, justify="left" if column == "Recruiter" else "right")
            for name, tallies in rows:
                table.add_row(name, *_cells(tallies[kind]))
            console.print(table)


def _cells(t: Tally) -> list[str]:
    rate = "—" if t.rate is None else f"{t.rate:.0%}"
    always = "—" if t.always is None else ("Yes" if t.always else "No")
    return [str(t.due), str(t.on_time), str(t.late), str(t.missed), str(t.waived), rate, always]
