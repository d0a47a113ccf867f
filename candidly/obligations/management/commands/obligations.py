import json
import time

from django.core.management.base import BaseCommand
from rich.console import Console

from candidly.obligations.rebuild import obligations_rebuild


class Command(BaseCommand):
    help = "Work on obligations. `rebuild`: derive them all again from the recorded facts."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser(
            "rebuild", help="After a change of service levels or a bulk import."
        )
        rebuild.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the counts as JSON."
        )

    def handle(self, *args, action, as_json: bool = False, **options):
        console = Console(stderr=True)
        started = time.perf_counter()
        with console.status("Rebuilding obligations…") as status:
            counts = obligations_rebuild(progress=lambda step: status.update(f"Reading {step}…"))
        seconds = time.perf_counter() - started
        if as_json:
            self.stdout.write(json.dumps({**counts, "seconds": round(seconds, 2)}, indent=2))
            return
        self.stdout.write(
            f"{counts['written']:,} obligations in {seconds:.1f} s "
            f"({counts['written'] / max(seconds, 1e-9):,.0f} rows/s): "
            f"{counts['open']:,} open, {counts['met']:,} met, {counts['waived']:,} waived."
        )
