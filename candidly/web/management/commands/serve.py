from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from candidly.accounts.models import User
from candidly.demo.builder import DEMO_PASSWORD, LEAD_USERNAME


class Command(BaseCommand):
    help = "Serve Candidly on this machine (Django's development server)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        host, _, port = addrport.rpartition(":")
        url = f"http://{host or '127.0.0.1'}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nCandidly is at {url}"))
        if User.objects.filter(username=LEAD_USERNAME).exists():
            self.stdout.write(
                f"Log in as {LEAD_USERNAME} (team lead, also admin) or as a recruiter "
                f"(maya, daniel, … ryan) with the password {DEMO_PASSWORD}\n"
            )
        else:
            self.stdout.write("Create a login with: candidly createsuperuser\n")
        # Static files are served by the app itself so the product works without a web server.
        call_command("runserver", addrport, insecure_serving=not settings.DEBUG, use_reloader=False)
