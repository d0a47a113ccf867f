"""Builds the demo agency: deterministic for a seed and a day, realistic, and fast enough to
reach a million candidates.

Rows are generated as tuples with their ids assigned here, then written in chunks through
`candidly.lib.bulk.bulk_insert`. Everything lies in the past except interviews booked for the
coming days, so the pipeline looks alive.
"""

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from candidly.accounts.models import Team, User
from candidly.activity.models import Activity
from candidly.demo import data
from candidly.lib.bulk import (
    bulk_insert,
    bulk_session,
    next_id,
    refresh_statistics,
    reset_sequences,
)
from candidly.obligations.models import ServiceLevel
from candidly.obligations.rebuild import obligations_rebuild
from candidly.people.models import Candidate, Company, ContactPoint, Department, HiringManager
from candidly.pipeline.models import (
    Interview,
    Offer,
    Placement,
    Requisition,
    StageChange,
    Submission,
)

DEMO_PASSWORD = "candidly-demo"
LEAD_USERNAME = "sofia"
CHUNK = 5000  # candidates written per transaction

ACTIVITY_COLUMNS = (
    "id", "kind", "direction", "outcome", "candidate", "hiring_manager", "recruiter",
    "occurred_at", "minutes", "side", "submission", "interview", "subject", "body", "source",
    "external_id", "created_at",
)  # fmt: skip
CANDIDATE_COLUMNS = (
    "id", "first_name", "last_name", "time_zone", "created_at", "owner", "headline",
    "current_company", "location", "skills", "source", "referred_by_candidate",
    "referred_by_manager",
)  # fmt: skip
CONTACT_COLUMNS = ("id", "kind", "value", "label", "candidate", "hiring_manager")
SUBMISSION_COLUMNS = ("id", "candidate", "requisition", "stage", "stage_changed_at", "created_at")
STAGE_COLUMNS = ("id", "submission", "from_stage", "to_stage", "changed_at", "changed_by")
INTERVIEW_COLUMNS = (
    "id", "submission", "kind", "starts_at", "ends_at", "time_zone", "location", "interviewers",
    "status", "created_at",
)  # fmt: skip
OFFER_COLUMNS = (
    "id", "submission", "salary", "extended_at", "status", "decided_at", "decline_reason", "note",
)  # fmt: skip
PLACEMENT_COLUMNS = (
    "id", "submission", "start_date", "fall_off_date", "fall_off_reason", "created_at",
)  # fmt: skip

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@dataclass
class Recruiter:
    id: int
    care: float  # 0..1: how reliably this recruiter meets what they owe candidates


@dataclass
class Req:
    id: int
    company: int
    manager: int
    recruiter: Recruiter
    title: str
    department: str
    opened: datetime
    closed: datetime | None
    time_zone: str
    city: str


@dataclass
class Rows:
    """Rows waiting to be written, one list per table."""

    tables: dict = field(default_factory=dict)

    def add(self, model, row: tuple) -> None:
        self.tables.setdefault(model, []).append(row)


ORDER = [
    (Candidate, CANDIDATE_COLUMNS),
    (ContactPoint, CONTACT_COLUMNS),
    (Submission, SUBMISSION_COLUMNS),
    (StageChange, STAGE_COLUMNS),
    (Interview, INTERVIEW_COLUMNS),
    (Offer, OFFER_COLUMNS),
    (Placement, PLACEMENT_COLUMNS),
    (Activity, ACTIVITY_COLUMNS),
]


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower()) or "x"


class DemoBuilder:
    def __init__(
        self,
        *,
        candidates: int = 4000,
        seed: int = 7,
        end: datetime | None = None,
        activities_per_candidate: int | None = None,
        progress: Callable[[int], None] | None = None,
    ):
        self.n_candidates = candidates
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        end = end or timezone.now()
        # Naive UTC, on the hour: the same seed on the same day builds the same agency.
        self.end = timezone.make_naive(end, UTC).replace(minute=0, second=0, microsecond=0)
        self.start = self.end - timedelta(days=3 * 365)
        self.per_candidate = activities_per_candidate or (16 if candidates <= 20000 else 10)
        self.progress = progress or (lambda n: None)
        scale = max(1.0, candidates / 4000)
        self.n_recruiters = max(len(data.RECRUITERS), round(candidates / 20000))
        self.n_companies = round(40 * scale**0.5)
        self.n_managers = round(120 * scale)
        self.n_requisitions = round(250 * scale)
        self.counts: dict[str, int] = {}
        self.first_names = [self.fake.first_name() for _ in range(700)]
        self.last_names = [self.fake.last_name() for _ in range(900)]

    # --- ids -------------------------------------------------------------------------------

    def _ids(self) -> None:
        self.next = {model: next_id(model) for model, _ in ORDER}
        self.first_candidate_id = self.next[Candidate]

    def _id(self, model) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value

    # --- the agency ------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        with bulk_session():
            return self._build()

    def _build(self) -> dict[str, int]:
        self._ids()
        with transaction.atomic():
            self._users()
            self._clients()
        done = 0
        while done < self.n_candidates:
            size = min(CHUNK, self.n_candidates - done)
            rows = Rows()
            for _ in range(size):
                self._candidate(rows)
            with transaction.atomic():
                self._write(rows)
            done += size
            self.progress(size)
        self._settle_requisitions()
        refresh_statistics(*(model for model, _ in ORDER), Requisition)
        reset_sequences(*(model for model, _ in ORDER), Requisition, Company, Department,
                        HiringManager, User)  # fmt: skip
        # What every recruiter owed, and whether they met it, from three years of facts.
        self.counts["obligations"] = obligations_rebuild()["written"]
        return self.counts

    def _write(self, rows: Rows) -> None:
        for model, columns in ORDER:
            batch = rows.tables.get(model, [])
            if batch:
                bulk_insert(model, columns, batch)
                name = model._meta.verbose_name_plural
                self.counts[name] = self.counts.get(name, 0) + len(batch)

    def _users(self) -> None:
        password = make_password(DEMO_PASSWORD)
        people = list(data.RECRUITERS)
        while len(people) < self.n_recruiters:
            i = len(people)
            care = 0.3 + 0.68 * self.rng.random()
            people.append(
                (f"recruiter{i + 1}", self.fake.first_name(), self.fake.last_name(), care)
            )
        users = [
            User(username=u, first_name=f, last_name=last, password=password,
                 email=f"{u}@candidly.example")
            for u, f, last, _ in people
        ]  # fmt: skip
        users.append(
            User(username=LEAD_USERNAME, first_name="Sofia", last_name="Alvarez", password=password,
                 email=f"{LEAD_USERNAME}@candidly.example", is_staff=True, is_superuser=True)
        )  # fmt: skip
        created = User.objects.bulk_create(users)
        by_name = {u.username: u for u in created}
        if not all(u.pk for u in created):  # backends that don't return ids
            by_name = {u.username: u for u in User.objects.filter(username__in=by_name)}
        self.recruiters = [Recruiter(by_name[u].pk, care) for u, _, _, care in people]
        self.counts["users"] = len(users)
        # One team, led by the lead, working to the default service levels in the site's zone.
        team = Team.objects.create(name="Agency", lead=by_name[LEAD_USERNAME])
        User.objects.filter(pk__in=[u.pk for u in by_name.values()]).update(team=team)
        ServiceLevel.objects.create(team=team)

    def _clients(self) -> None:
        rng, fake = self.rng, self.fake
        names: set[str] = set()
        companies = []
        while len(companies) < self.n_companies:
            name = fake.company()
            if name.lower() in names:
                continue
            names.add(name.lower())
            city, tz = self._pick(data.CITIES)
            companies.append(
                Company(name=name, industry=self._pick(data.INDUSTRIES), city=city,
                        website=f"https://{_ascii(name)[:20]}.example",
                        created_at=timezone.make_aware(self.start, UTC))
            )  # fmt: skip
        companies = Company.objects.bulk_create(companies)
        departments = []
        for company in companies:
            for name in rng.sample(data.DEPARTMENTS, self._int(3, 6)):
                departments.append(Department(company=company, name=name))
        departments = Department.objects.bulk_create(departments)
        by_company: dict[int, list[Department]] = {}
        for d in departments:
            by_company.setdefault(d.company_id, []).append(d)
        zones = {c.pk: dict(data.CITIES)[c.city] for c in companies}

        manager_rows, contact_rows = [], []
        managers = []
        hm_id = next_id(HiringManager)
        for i in range(self.n_managers):
            company = companies[i % len(companies)]
            dept = self._pick(by_company[company.pk])
            first, last = self._pick(self.first_names), self._pick(self.last_names)
            manager_rows.append(
                (hm_id, first, last, zones[company.pk], self.start, company.pk, dept.pk,
                 f"Head of {dept.name}" if rng.random() < 0.4 else f"{dept.name} Manager")
            )  # fmt: skip
            email = f"{_ascii(first)}.{_ascii(last)}.{hm_id}@{_ascii(company.name)[:20]}.example"
            contact_rows.append((self._id(ContactPoint), "email", email, "work", None, hm_id))
            contact_rows.append(
                (self._id(ContactPoint), "phone", self._phone(5_000_000 + hm_id), "work", None,
                 hm_id)
            )  # fmt: skip
            managers.append((hm_id, company, dept))
            hm_id += 1
        bulk_insert(
            HiringManager,
            ("id", "first_name", "last_name", "time_zone", "created_at", "company", "department",
             "title"),
            manager_rows,
        )  # fmt: skip
        bulk_insert(ContactPoint, CONTACT_COLUMNS, contact_rows)
        self.counts["hiring managers"] = len(manager_rows)
        self.counts["companies"] = len(companies)

        req_rows = []
        self.requisitions: list[Req] = []
        req_id = next_id(Requisition)
        span = (self.end - self.start).total_seconds()
        activities = Rows()
        for _ in range(self.n_requisitions):
            manager_id, company, dept = self._pick(managers)
            opened = self._work_time(self.start + timedelta(seconds=span * rng.random()))
            age = (self.end - opened).days
            closed, status = None, "open"
            if age > 150 or (age > 45 and rng.random() < 0.4):
                closed = opened + timedelta(days=self._int(30, min(150, age)))
                status = "closed"  # or "filled": settled once the hires are known
            elif rng.random() < 0.08:
                status = "on_hold"
            recruiter = self._recruiter()
            title = self._pick(data.TITLES[dept.name])
            city, _ = self._pick(data.CITIES)
            req = Req(req_id, company.pk, manager_id, recruiter, title, dept.name, opened, closed,
                      zones[company.pk], company.city)  # fmt: skip
            self.requisitions.append(req)
            req_rows.append(
                (req_id, title, company.pk, dept.pk, manager_id, recruiter.id,
                 self._pick([company.city, "Remote", "Hybrid"]), status, opened, closed)
            )  # fmt: skip
            self._manager_activity(activities, req)
            req_id += 1
        bulk_insert(
            Requisition,
            ("id", "title", "company", "department", "hiring_manager", "recruiter", "location",
             "status", "opened_at", "closed_at"),
            req_rows,
        )  # fmt: skip
        self.counts["requisitions"] = len(req_rows)
        self._write(activities)
        self.requisitions.sort(key=lambda r: r.opened)

    def _settle_requisitions(self) -> None:
        """A closed opening is "filled" when someone was hired into it, else just "closed"."""
        hired = Submission.objects.filter(stage="hired").values("requisition_id")
        closed = Requisition.objects.filter(closed_at__isnull=False)
        with transaction.atomic():
            closed.filter(pk__in=hired).update(status="filled")
            closed.exclude(pk__in=hired).update(status="closed")

    def _manager_activity(self, rows: Rows, req: Req) -> None:
        """The hiring-manager side of a requisition: intake, then regular calls and emails."""
        until = min(req.closed or self.end, self.end)
        self._act(
            rows,
            "meeting",
            "outbound",
            req.opened,
            req.recruiter.id,
            hm=req.manager,
            minutes=45,
            subject=f"Intake: {req.title}",
            body=self._pick(data.MANAGER_NOTES),
        )
        t = req.opened
        while True:
            t = self._work_time(t + timedelta(days=self._int(6, 20)))
            if t >= until:
                break
            kind = self._pick(["call", "email", "email", "meeting"])
            direction = self._pick(["outbound", "inbound"]) if kind != "meeting" else "outbound"
            self._act(rows, kind, direction, t, req.recruiter.id, hm=req.manager,
                      subject=req.title if kind == "email" else "",
                      body=self._pick(data.MANAGER_NOTES))  # fmt: skip

    # --- one candidate ---------------------------------------------------------------------

    def _candidate(self, rows: Rows) -> None:
        rng = self.rng
        cid = self._id(Candidate)
        recruiter = self._recruiter()
        first, last = self._pick(self.first_names), self._pick(self.last_names)
        dept = self._pick(data.DEPARTMENTS)
        city, tz = self._pick(data.CITIES)
        created = self._work_time(
            self.start + timedelta(seconds=(self.end - self.start).total_seconds() * rng.random())
        )
        referred_c = referred_m = None
        roll = rng.random()
        if roll < 0.08 and cid > self.first_candidate_id:
            referred_c = self._int(self.first_candidate_id, cid - 1)
        elif roll < 0.1:
            referred_m = self._pick(self.requisitions).manager
        skills = ", ".join(
            rng.sample(data.SKILLS[dept], min(len(data.SKILLS[dept]), self._int(2, 5)))
        )
        rows.add(
            Candidate,
            (cid, first, last, tz, created, recruiter.id, self._pick(data.TITLES[dept]),
             self._pick(self.last_names) + self._pick([" Inc", " LLC", " Group", " Labs"]),
             city, skills, "Referral" if referred_c or referred_m else self._pick(data.SOURCES),
             referred_c, referred_m),
        )  # fmt: skip
        email = f"{_ascii(first)}.{_ascii(last)}{cid}@{self._pick(data.EMAIL_DOMAINS)}"
        rows.add(ContactPoint, (self._id(ContactPoint), "email", email, "personal", cid, None))
        if rng.random() < 0.8:
            rows.add(
                ContactPoint,
                (self._id(ContactPoint), "phone", self._phone(cid), "mobile", cid, None),
            )
        if rng.random() < 0.45:
            url = f"https://linkedin.com/in/{_ascii(first)}-{_ascii(last)}-{cid}"
            rows.add(ContactPoint, (self._id(ContactPoint), "url", url, "LinkedIn", cid, None))

        before = len(rows.tables.get(Activity, ()))
        care = recruiter.care
        horizon = min(self.end, created + timedelta(days=self._int(120, 720)))
        self._act(
            rows,
            self._pick(["call", "email"]),
            "outbound",
            created,
            recruiter.id,
            cand=cid,
            outcome="connected",
            subject="Introduction",
            body="First conversation.",
        )
        for _ in range(self._few(3)):
            self._inbound_and_answer(rows, cid, recruiter.id, care, created, horizon)
        n_subs = 0 if rng.random() < 0.4 else (1 if rng.random() < 0.7 else 2)
        taken: set[int] = set()
        for _ in range(n_subs):
            self._submission(rows, cid, created, taken)
        # Everyday touches until this candidate's activity reaches the agency's average.
        missing = self.per_candidate - (len(rows.tables.get(Activity, ())) - before)
        for _ in range(max(0, missing + self._int(-2, 2))):
            t = self._between(created, horizon)
            kind = self._pick(["call", "call", "email", "email", "text", "note", "meeting"])
            direction = "internal" if kind == "note" else "outbound"
            outcome = (
                self._pick(["connected", "no_answer", "voicemail_left"]) if kind == "call" else ""
            )
            self._act(rows, kind, direction, t, recruiter.id, cand=cid, outcome=outcome,
                      subject=self._pick(data.EMAIL_SUBJECTS) if kind == "email" else "",
                      body=self._pick(data.CALL_NOTES))  # fmt: skip

    def _inbound_and_answer(self, rows, cid, rid, care, created, horizon) -> None:
        """A call, voicemail or email from the candidate, answered as this recruiter tends to."""
        rng = self.rng
        t = self._between(created, horizon)
        kind = self._pick(["call", "voicemail", "email"])
        subject = self._pick(data.EMAIL_SUBJECTS) if kind == "email" else ""
        outcome = ""
        if kind == "call":  # a call the recruiter picked up asks nothing more
            outcome = "connected" if rng.random() < 0.3 else "no_answer"
        self._act(rows, kind, "inbound", t, rid, cand=cid, subject=subject, outcome=outcome,
                  body=self._pick(data.CALL_NOTES))  # fmt: skip
        if rng.random() > care:
            return  # never answered
        if rng.random() < care:
            delay = timedelta(minutes=self._int(15, 180))
        else:
            delay = timedelta(hours=self._int(20, 96))
        answer = t + delay
        if answer >= self.end:
            return
        if kind == "email":
            self._act(
                rows,
                "email",
                "outbound",
                answer,
                rid,
                cand=cid,
                subject=f"Re: {subject}",
                body="Replied with the details.",
            )
        else:
            self._act(rows, "call", "outbound", answer, rid, cand=cid,
                      outcome=self._pick(["connected", "connected", "voicemail_left"]),
                      body="Called back.")  # fmt: skip

    def _submission(self, rows: Rows, cid: int, created: datetime, taken: set[int]) -> None:
        rng = self.rng
        req = self._requisition_for(created)
        if req is None or req.id in taken:
            return
        taken.add(req.id)
        care = req.recruiter.care
        rid = req.recruiter.id
        sid = self._id(Submission)
        t = self._work_time(max(created, req.opened) + timedelta(days=self._int(1, 20)))
        if t >= self.end:
            self.next[Submission] -= 1
            return
        window_end = req.closed or self.end
        stage, stage_at, created_at = "sourced", t, t
        changes = [(None, "sourced", t)]
        interviews, offers, placement = [], [], None

        def move(to: str, at: datetime) -> None:
            nonlocal stage, stage_at
            changes.append((stage, to, at))
            stage, stage_at = to, at

        def reject(at: datetime) -> None:
            if at >= self.end:
                return
            move("rejected", at)
            if rng.random() < care - 0.05:  # closing the loop, personally
                self._act(
                    rows,
                    "call",
                    "outbound",
                    at + timedelta(hours=self._int(2, 40)),
                    rid,
                    cand=cid,
                    sub=sid,
                    outcome="connected",
                    body=self._pick(data.LOOP_NOTES),
                )

        t = self._work_time(t + timedelta(days=self._int(1, 5)))
        if t >= self.end:
            pass
        elif rng.random() < 0.2 and t < window_end:
            reject(t)
        else:
            move("submitted", t)
            # The hiring manager's feedback on the submittal.
            # A recruiter who chases gets it within a day or two; others wait longer.
            wait = self._int(1, 2) if rng.random() < care else self._int(2, 8)
            fb = self._work_time(t + timedelta(days=wait))
            if fb < self.end and rng.random() < 0.6 + 0.4 * care:
                self._act(
                    rows,
                    "email",
                    "inbound",
                    fb,
                    rid,
                    hm=req.manager,
                    sub=None,
                    subject=f"Feedback: candidate for {req.title}",
                    body="Manager feedback on the submittal.",
                )
            t = self._work_time(t + timedelta(days=self._int(3, 9)))
            if t >= window_end or rng.random() < 0.45:
                reject(min(t, self.end - HOUR) if t < self.end else t)
            else:
                last_interview = None
                for kind in ("phone", "onsite"):
                    if kind == "phone":
                        kind = "video" if rng.random() < 0.5 else "phone"
                    starts = self._work_time(t + timedelta(days=self._int(2, 8)))
                    if starts > self.end + timedelta(days=10):
                        break
                    iid = self._id(Interview)
                    if stage != "interviewing":
                        move("interviewing", min(t, self.end - HOUR))
                    length = timedelta(minutes=45 if kind != "onsite" else 240)
                    status = "completed" if starts + length < self.end else "scheduled"
                    interviews.append(
                        (iid, sid, kind, starts, starts + length, req.time_zone,
                         {"video": "Video call", "phone": "Phone"}.get(kind, req.city),
                         "", status, t)
                    )  # fmt: skip
                    lead = timedelta(
                        hours=self._int(3, 20) if kind != "onsite" else self._int(26, 72)
                    )
                    prep_at = starts - lead
                    if prep_at < self.end and rng.random() < care:
                        self._act(rows, "prep", "outbound", max(prep_at, t), rid, cand=cid, sub=sid,
                                  iv=iid, body=self._pick(data.PREP_NOTES))  # fmt: skip
                    last_interview = starts
                    if status == "scheduled" or rng.random() < 0.35:
                        break
                    t = starts + DAY
                if last_interview and last_interview < self.end - 2 * DAY:
                    t = self._work_time(last_interview + timedelta(days=self._int(2, 6)))
                    if len(interviews) == 2 and rng.random() < 0.6 and t < self.end:
                        offer_id = self._id(Offer)
                        move("offer", t)
                        decided = t + timedelta(days=self._int(1, 7))
                        salary = rng.randrange(70_000, 220_000, 5_000)
                        if decided >= self.end:
                            offers.append((offer_id, sid, salary, t, "extended", None, "", ""))
                        elif rng.random() < 0.3 + 0.65 * care:
                            offers.append((offer_id, sid, salary, t, "accepted", decided, "", ""))
                            start_date = (decided + timedelta(days=self._int(14, 35))).date()
                            fall_off = None
                            if rng.random() < 0.02 + 0.15 * (1 - care):
                                fall_off = start_date + timedelta(days=self._int(10, 200))
                                if fall_off > self.end.date():
                                    fall_off = None
                            placement = (
                                self._id(Placement),
                                sid,
                                start_date,
                                fall_off,
                                "Left for another role" if fall_off else "",
                                decided,
                            )
                            move("hired", decided)
                            self._check_ins(rows, cid, rid, care, start_date)
                        else:
                            reason = self._decline_reason(care)
                            offers.append((offer_id, sid, salary, t, "declined", decided, reason,
                                           "Told us on the phone."))  # fmt: skip
                            move("withdrawn", decided)
                    elif t < window_end and t < self.end and rng.random() < 0.6:
                        reject(t)
        pending_offer = offers and offers[-1][4] == "extended"
        if (
            stage in ("sourced", "submitted", "interviewing", "offer")
            and req.closed
            and not (pending_offer)
        ):
            # The opening closed with this candidate still in process: turned down then.
            reject(max(stage_at + HOUR, req.closed))
        rows.add(Submission, (sid, cid, req.id, stage, stage_at, created_at))
        for from_stage, to_stage, at in changes:
            rows.add(StageChange, (self._id(StageChange), sid, from_stage or "", to_stage, at, rid))
        for row in interviews:
            rows.add(Interview, row)
        for row in offers:
            rows.add(Offer, row)
        if placement:
            rows.add(Placement, placement)

    def _check_ins(self, rows, cid, rid, care, start_date) -> None:
        start = datetime.combine(start_date, datetime.min.time()) + timedelta(hours=15)
        for days in (7, 30, 90, 365, 730):
            on_time = self.rng.random() < care
            slip = self._int(-3, -1) if on_time else self._int(1, 12)
            at = self._work_time(start + timedelta(days=days + slip))
            if at >= self.end:
                break
            if self.rng.random() < 0.5 + 0.5 * care:
                self._act(
                    rows,
                    "check_in",
                    "outbound",
                    at,
                    rid,
                    cand=cid,
                    body=self._pick(data.CHECKIN_NOTES),
                )

    def _decline_reason(self, care: float) -> str:
        reasons = ["compensation", "counter_offer", "another_offer", "role_or_team", "location",
                   "process", "personal", "unknown"]  # fmt: skip
        weights = [3, 3, 3, 1, 1, 1 + 6 * (1 - care), 1, 1 + 3 * (1 - care)]
        return self.rng.choices(reasons, weights)[0]

    # --- small helpers ---------------------------------------------------------------------
    # random.choice and randint cost a microsecond each; these are a few times faster, and at a
    # million candidates they are called tens of millions of times.

    def _pick(self, seq):
        return seq[int(self.rng.random() * len(seq))]

    def _int(self, low: int, high: int) -> int:
        return low + int(self.rng.random() * (high - low + 1))

    def _act(self, rows, kind, direction, when, rid, *, cand=None, hm=None, minutes=None,
             outcome="", sub=None, iv=None, subject="", body="") -> None:  # fmt: skip
        if when >= self.end:
            return
        if kind != "call":
            outcome = ""  # only a call has an outcome
        if minutes is None:
            base = Activity.DEFAULT_MINUTES[kind]
            minutes = max(1, base + self._int(-base // 3, base // 2))
        rows.add(
            Activity,
            (self._id(Activity), kind, direction, outcome, cand, hm, rid, when, minutes,
             "candidate" if cand else "hiring_manager", sub, iv, subject, body, "demo", None, when),
        )  # fmt: skip

    def _recruiter(self) -> Recruiter:
        return self._pick(self.recruiters)

    def _requisition_for(self, created: datetime) -> Req | None:
        for _ in range(6):
            req = self._pick(self.requisitions)
            if (req.closed or self.end) > created + 3 * DAY:
                return req
        return None

    def _few(self, most: int) -> int:
        return min(most, int(self.rng.expovariate(1.0)))

    def _between(self, a: datetime, b: datetime) -> datetime:
        if b <= a:
            return a
        return self._work_time(a + timedelta(seconds=(b - a).total_seconds() * self.rng.random()))

    def _work_time(self, t: datetime) -> datetime:
        """Move a moment onto a weekday between 13:00 and 22:00 UTC (office hours in the US)."""
        if t.weekday() >= 5:
            t += timedelta(days=7 - t.weekday())
        return t.replace(hour=13 + self._int(0, 8), minute=self._int(0, 59),
                         second=0, microsecond=0)  # fmt: skip

    @staticmethod
    def _phone(n: int) -> str:
        """A unique, well-formed North American number for n below about 96 million."""
        area = data.AREA_CODES[n % len(data.AREA_CODES)]
        m = n // len(data.AREA_CODES)
        return f"+1{area}{200 + (m // 10000) % 800}{m % 10000:04d}"
