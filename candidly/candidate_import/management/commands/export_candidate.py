import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from candidly.candidate_import.jsonresume import candidate_as_resume
from candidly.people.models import Candidate


class Command(BaseCommand):
    help = "Write a candidate as a JSON Resume document (to standard output, or --out FILE)."

    def add_arguments(self, parser):
        parser.add_argument("candidate_id", metavar="ID", type=int)
        parser.add_argument("--out", metavar="FILE", help="Write to this file.")

    def handle(self, *args, candidate_id, out, **options):
        candidate = Candidate.objects.filter(pk=candidate_id).first()
        if candidate is None:
            raise CommandError(f"No candidate #{candidate_id}.")
        text = json.dumps(candidate_as_resume(candidate), indent=2, ensure_ascii=False) + "\n"
        if out:
            try:
                Path(out).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {out}: {exc.strerror or exc}") from None
            self.stdout.write(f"{candidate.full_name} written to {out}.")
        else:
            self.stdout.write(text, ending="")
