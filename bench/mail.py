"""Mail import: an mbox of generated messages through `candidly import-mail`'s importer,
beside the standard library's parse-only pass over the same file, in the same run.

Run in its own process against a scratch database (`make bench` does this):

    python -m bench.mail --messages 100000 --candidates 3000

It builds the demo agency with `--candidates` candidates, writes an mbox of `--messages`
messages (cached in var/ by size and seed) with a realistic mix, then measures:

- parse-only: `for message in mailbox.mbox(path)` — the standard library reading and parsing
  every message (compat32, the default), nothing stored; run before and after the first
  import, and the mean of the two taken, so a machine that gets busier or quieter meanwhile
  does not tilt the ratio;
- first import: `mail_import()` over the file (keys, dedupe, parse, HTML to text, matching,
  threads, messages, attachments and activities written, obligations brought up to date —
  a file this size rebuilds them once at the end, included in the time);
- re-import: the same again; it must add nothing.

The mix (per 100 messages): 25 inbound from candidates (a third of them replies in a thread),
15 outbound from the recruiter to candidates (mostly replies), 7 to or from hiring managers,
25 from people nobody knows, 13 newsletters (List-Id, Precedence: bulk), 5 auto-replies from
candidates, 5 without a Message-ID; 30% multipart/alternative with an HTML part, 5% with a
20 KB attachment; three Received headers and a DKIM signature each, as delivered mail has.
"""

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "thanks for the update about the role I would like to discuss the next steps with the "
    "team before Friday could we schedule a call to talk about compensation and the start "
    "date my current notice period is four weeks I have attached my portfolio please let me "
    "know if anything else is needed looking forward to hearing from you best regards"
).split()
SUBJECTS = [
    "Senior Backend Engineer role", "Interview next week", "Following up", "Offer details",
    "Quick question", "Your application", "References", "Availability for a call",
    "Portfolio", "Start date",
]  # fmt: skip


def _paragraphs(rng: random.Random) -> str:
    return "\n\n".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))).capitalize() + "."
        for _ in range(rng.randint(2, 5))
    )


class Generator:
    def __init__(self, *, seed, owner, candidates, managers):
        self.rng = random.Random(seed)
        self.owner = owner
        self.candidates = candidates  # [(name, address)]
        self.managers = managers
        self.conversations: list[tuple[str, str, str, list[str]]] = []  # person, subject, ids

    def _headers(self, n, at, sender, to, subject, message_id, extra):
        rng = self.rng
        lines = [
            f"Return-Path: <{sender[1]}>",
            *(
                f"Received: from mail{rng.randint(1, 99)}.relay.example (mail.relay.example "
                f"[10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}])\n"
                f"\tby mx.agency.example with ESMTPS id {rng.getrandbits(64):x};\n"
                f"\t{format_datetime(at)}"
                for _ in range(3)
            ),
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=relay.example; s=s1;\n"
            "\th=from:to:subject:date:message-id; bh="
            + "".join(rng.choice("ABCDEFGHabcdefgh0123456789") for _ in range(44))
            + ";\n\tb="
            + "\n\t ".join(
                "".join(rng.choice("ABCDEFGHIJKLMabcdefghijklm0123456789+/") for _ in range(70))
                for _ in range(5)
            ),
            f'From: "{sender[0]}" <{sender[1]}>',
            f'To: "{to[0]}" <{to[1]}>',
            f"Subject: {subject}",
            f"Date: {format_datetime(at)}",
        ]
        if message_id:
            lines.append(f"Message-ID: <{message_id}>")
        lines += extra
        lines.append("MIME-Version: 1.0")
        return lines

    def message(self, n: int, at: datetime) -> bytes:
        rng = self.rng
        roll = rng.random()
        extra: list[str] = []
        person = None
        subject = rng.choice(SUBJECTS)
        message_id = f"{n}.{rng.getrandbits(40):x}@mail.bench.example"
        stranger = (f"Pat Stranger{n}", f"pat.stranger{n % 5000}@elsewhere.example")
        if roll < 0.25:  # inbound from a candidate
            person = rng.choice(self.candidates)
            sender, to = person, self.owner
        elif roll < 0.40:  # outbound to a candidate
            person = rng.choice(self.candidates)
            sender, to = self.owner, person
        elif roll < 0.47:  # with a hiring manager
            person = rng.choice(self.managers)
            sender, to = (person, self.owner) if rng.random() < 0.5 else (self.owner, person)
        elif roll < 0.72:  # somebody nobody knows
            sender, to = stranger, self.owner
        elif roll < 0.85:  # a newsletter
            sender = ("Jobs Weekly", f"news@list{n % 7}.example")
            to = self.owner
            extra = [
                f"List-Id: <weekly.list{n % 7}.example>",
                f"List-Unsubscribe: <mailto:leave@list{n % 7}.example>",
                "Precedence: bulk",
            ]
        elif roll < 0.90:  # an auto-reply from a candidate
            sender, to = rng.choice(self.candidates), self.owner
            subject = "Automatic reply: " + subject
            extra = ["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"]
        else:  # no Message-ID
            sender, to = stranger, self.owner
            message_id = ""
        replies = self.conversations and person is not None and rng.random() < 0.5
        if replies:
            _, subject0, ids = rng.choice(self.conversations)
            subject = "Re: " + subject0
            extra += [f"In-Reply-To: <{ids[-1]}>", "References: " + " ".join(f"<{i}>" for i in ids)]
            if message_id:
                ids.append(message_id)
        elif person is not None and message_id:
            self.conversations.append((person, subject, [message_id]))
            if len(self.conversations) > 2000:
                self.conversations.pop(0)
        head = self._headers(n, at, sender, to, subject, message_id, extra)
        text = _paragraphs(rng)
        kind = rng.random()
        if kind < 0.65:
            head.append("Content-Type: text/plain; charset=utf-8")
            head.append("Content-Transfer-Encoding: 8bit")
            body = text
        else:
            boundary = f"=_b{n:x}"
            html = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
            parts = [
                f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n{text}",
                f"--{boundary}\nContent-Type: text/html; charset=utf-8\n\n"
                f"<html><head><style>p{{margin:0}}</style></head><body>{html}</body></html>",
            ]
            if kind > 0.95:
                letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                data = "\n".join(
                    "".join(rng.choice(letters) for _ in range(76)) for _ in range(270)
                )
                parts.append(
                    f'--{boundary}\nContent-Type: application/pdf; name="cv.pdf"\n'
                    'Content-Disposition: attachment; filename="cv.pdf"\n'
                    f"Content-Transfer-Encoding: base64\n\n{data}"
                )
                head.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
            else:
                head.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
            body = "\n".join(parts) + f"\n--{boundary}--"
        return ("\n".join(head) + "\n\n" + body + "\n").encode()


def write_mbox(path: Path, messages: int, gen: Generator) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(seconds=(365 * 86400) // messages)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        for n in range(messages):
            at = start + step * n
            raw = gen.message(n, at)
            raw = raw.replace(b"\nFrom ", b"\n>From ")
            f.write(b"From bench@example " + at.strftime("%a %b %d %H:%M:%S %Y").encode())
            f.write(b"\n" + raw + b"\n")
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candidly.settings")
    engine, drop = _scratch()
    try:
        measure(args, engine)
    finally:
        drop()


def measure(args, engine: str) -> None:
    import django

    django.setup()
    import mailbox

    from django.core.management import call_command

    from candidly.accounts.models import User
    from candidly.activity.models import Activity
    from candidly.lib.importreport import ImportReport
    from candidly.mail import importers
    from candidly.mail.models import MailMessage
    from candidly.obligations import rebuild as rebuild_module
    from candidly.obligations.models import Obligation
    from candidly.people.models import ContactPoint

    call_command("migrate", verbosity=0)
    call_command("demo", candidates=args.candidates, flush=True, verbosity=0)
    owner = User.objects.filter(is_superuser=False).exclude(email="").order_by("id").first()
    emails = ContactPoint.objects.filter(kind="email")
    candidates = [
        (c.candidate.full_name, c.value)
        for c in emails.filter(candidate__isnull=False).select_related("candidate")
    ]
    managers = [
        (c.hiring_manager.full_name, c.value)
        for c in emails.filter(hiring_manager__isnull=False).select_related("hiring_manager")
    ]
    path = ROOT / "var" / f"bench-mail-{args.messages}-{args.seed}.mbox"
    if not path.exists():
        gen = Generator(
            seed=args.seed,
            owner=(owner.get_full_name(), owner.email),
            candidates=sorted(candidates),
            managers=sorted(managers),
        )
        write_mbox(path, args.messages, gen)

    def parse_only() -> tuple[int, float]:
        started = time.perf_counter()
        n = sum(1 for _ in mailbox.mbox(path))
        return n, time.perf_counter() - started

    parsed, reference_before = parse_only()

    rebuild_seconds = []
    real_rebuild = rebuild_module.obligations_rebuild

    def timed_rebuild(**kw):
        t = time.perf_counter()
        out = real_rebuild(**kw)
        rebuild_seconds.append(time.perf_counter() - t)
        return out

    importers.obligations_rebuild = timed_rebuild
    before = (MailMessage.objects.count(), Activity.objects.count(), Obligation.objects.count())
    first = ImportReport(keep_lines=False)
    started = time.perf_counter()
    importers.mail_import(paths=[path], owner=owner, report=first)
    first_seconds = time.perf_counter() - started
    after_first = (
        MailMessage.objects.count(),
        Activity.objects.count(),
        Obligation.objects.count(),
    )
    # The machine may be busier or quieter later: the reference is measured on both sides of
    # the first import, and their mean taken.
    _, reference_after = parse_only()
    again = ImportReport(keep_lines=False)
    started = time.perf_counter()
    importers.mail_import(paths=[path], owner=owner, report=again)
    again_seconds = time.perf_counter() - started
    after_again = (
        MailMessage.objects.count(),
        Activity.objects.count(),
        Obligation.objects.count(),
    )
    print(
        json.dumps(
            {
                "engine": engine,
                "messages": args.messages,
                "bytes": path.stat().st_size,
                "candidates": args.candidates,
                "parsed": parsed,
                "reference_seconds": (reference_before + reference_after) / 2,
                "reference_runs": [reference_before, reference_after],
                "first_seconds": first_seconds,
                "rebuild_seconds": sum(rebuild_seconds),
                "first": first.as_json() | {"refused": len(first.refused)},
                "again_seconds": again_seconds,
                "again": again.as_json() | {"refused": len(again.refused)},
                "rows_before": before,
                "rows_after_first": after_first,
                "rows_after_again": after_again,
            }
        )
    )


def _scratch() -> tuple[str, Callable[[], None]]:
    """Point Django at a scratch database of its own, named after this process so that two
    runs side by side never share one: a SQLite file in var/, or a database beside
    DATABASE_URL's on the same PostgreSQL server. Returns the engine and how to drop it."""
    if os.environ.get("DATABASE_URL"):
        import psycopg

        admin_url = os.environ["DATABASE_URL"]
        scratch_db = f"candidly_bench_mail_{os.getpid()}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {scratch_db}")
            conn.execute(f"CREATE DATABASE {scratch_db}")
        os.environ["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{scratch_db}"

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {scratch_db}")

        return "PostgreSQL", drop
    path = ROOT / "var" / f"bench-mail-{os.getpid()}.sqlite3"
    os.environ["SQLITE_PATH"] = str(path)

    def remove() -> None:
        from django.db import connections

        connections.close_all()
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    return "SQLite", remove


def run(messages: int, candidates: int, report_rate) -> None:
    """From `make bench`: run the above in its own process and print its figures."""
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "bench.mail", "--messages", str(messages), "--candidates",
         str(candidates)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    show(json.loads(out.strip().splitlines()[-1]), report_rate)


def show(r: dict, report_rate) -> None:
    n = r["messages"]
    reference = r["parsed"] / r["reference_seconds"]
    first = n / r["first_seconds"]
    again = n / r["again_seconds"]
    f = r["first"]
    report_rate(
        f"mail import, first ({n:,} messages, {r['bytes'] / 1e6:,.0f} MB mbox)",
        first,
        reference,
        f"messages/s vs stdlib mailbox.mbox parse-only; {f['imported']:,} imported, "
        f"{f.get('unmatched', 0):,} unmatched, {f.get('automated', 0):,} automated, "
        f"{f['refused']} refused; obligations rebuild {r['rebuild_seconds']:.1f} s included",
    )
    added = [b - a for a, b in zip(r["rows_after_first"], r["rows_after_again"], strict=True)]
    report_rate(
        "mail re-import of the same mbox",
        again,
        first,
        f"messages/s vs the first import; {r['again']['duplicates']:,} already present, "
        f"added {added[0]} messages, {added[1]} activities, {added[2]} obligations",
    )


if __name__ == "__main__":
    main()
