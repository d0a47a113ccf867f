import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from candidly.demo.builder import DEMO_PASSWORD, LEAD_USERNAME, DemoBuilder
from candidly.people.models import Candidate


class Command(BaseCommand):
    help = (
        "Load the demo agency: recruiters, clients, openings, candidates and three years of work."
    )

    def add_arguments(self, parser):
        parser.add_argument("--candidates", type=int, default=4000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--activities-per-candidate",
            type=int,
            default=None,
            help="Average activities per candidate (default 16, or 10 above 20,000 candidates).",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if candidates exist already."
        )
        parser.add_argument(
            "--flush", action="store_true", help="Delete all data first (asks no question)."
        )

    def handle(self, *args, candidates, seed, activities_per_candidate, if_empty, flush, **opts):
        if flush:
            call_command("flush", interactive=False, verbosity=0)
        existing = Candidate.objects.count()
        if existing and if_empty:
            self.stdout.write(f"The database already has {existing:,} candidates; no demo loaded.")
            return
        if existing:
            raise CommandError(
                f"The database already has {existing:,} candidates. "
                "Use --flush to start over, or --if-empty to keep them."
            )
        if candidates < 1:
            raise CommandError("--candidates must be at least 1.")
        started = time.perf_counter()
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            disable=opts["verbosity"] == 0,
        ) as progress:
            task = progress.add_task("Building the demo agency", total=candidates)
            builder = DemoBuilder(
                candidates=candidates,
                seed=seed,
                activities_per_candidate=activities_per_candidate,
                progress=lambda n: progress.advance(task, n),
            )
            counts = builder.build()
        elapsed = time.perf_counter() - started
        rows = sum(counts.values())
        for name, count in sorted(counts.items()):
            self.stdout.write(f"  {name:<16} {count:>12,}")
        self.stdout.write(
            f"Loaded {rows:,} rows in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s). "
            f"Log in as {LEAD_USERNAME} (team lead) or maya, ryan, … "
            f"with the password {DEMO_PASSWORD}."
        )
