"""`candidly worker`: run background tasks, and the periodic runner once a minute.

One loop in one thread: a scheduling pass when a minute has gone by, then every task that
is ready (django-tasks-db's worker, in batch mode), then a short wait. Run as many workers
as you like, on one machine or several; they claim tasks and reminders atomically.
"""

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker

from candidly.reminders.schedule import schedule_due_reminders

logger = logging.getLogger("candidly.worker")

SCHEDULE_EVERY = 60.0  # seconds


class Command(BaseCommand):
    help = "Run background tasks, and queue due reminders every minute."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="One scheduling pass, then run the tasks that are ready, then exit.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when no task is ready (default: %(default)s).",
        )
        parser.add_argument(
            "--queue-name",
            default="*",
            help="Queues to take tasks from, separated by commas; * for all (default).",
        )
        parser.add_argument(
            "--no-schedule",
            dest="schedule",
            action="store_false",
            help="Only run tasks; leave scheduling to other workers.",
        )

    def handle(self, *, once, interval, queue_name, schedule, verbosity, **options):
        if verbosity > 1:
            logging.getLogger("django_tasks").setLevel(logging.INFO)
        worker = Worker(
            queue_names=queue_name.split(","),
            interval=0,
            batch=True,  # run() returns when no task is ready
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        stopping = threading.Event()
        if not once:
            self._stop_on_signals(stopping, worker)
        next_pass = 0.0
        while True:
            if schedule and time.monotonic() >= next_pass:
                next_pass = time.monotonic() + SCHEDULE_EVERY
                self._schedule(raise_errors=once, verbosity=verbosity)
                self._periodic_passes(raise_errors=once)
            worker.run()
            if once or stopping.is_set():
                return
            wait = interval if not schedule else min(interval, next_pass - time.monotonic())
            stopping.wait(max(wait, 0))

    def _schedule(self, *, raise_errors: bool, verbosity: int) -> None:
        try:
            done = schedule_due_reminders()
        except Exception:
            if raise_errors:
                raise
            # A failing pass must not stop the tasks; the next pass tries again.
            logger.exception("The scheduling pass failed")
            return
        if verbosity > 1 or (verbosity and (done.digests or done.lead_alerts or done.requeued)):
            self.stdout.write(str(done))

    def _periodic_passes(self, *, raise_errors: bool) -> None:
        """Other apps' periodic work, named in settings.PERIODIC_PASSES (dotted paths of
        functions taking no arguments), e.g. queueing mailbox syncs."""
        for path in getattr(settings, "PERIODIC_PASSES", []):
            try:
                import_string(path)()
            except Exception:
                if raise_errors:
                    raise
                logger.exception("The periodic pass %s failed", path)

    def _stop_on_signals(self, stopping: threading.Event, worker: Worker) -> None:
        """Finish the task at hand, then exit; a second signal stops at once."""

        def stop(signum, frame):
            self.stderr.write(f"{signal.strsignal(signum)}: stopping after the current task.")
            stopping.set()
            worker.running = False
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, stop)
