"""`make bench-latency`: from a report's commit to its e-mail in an inbox, at trust scale.

The budget (the performance issue, item 4): p95 from commit to e-mail received at most 2 s, none
lost and none duplicated; none lost with Redis stopped for 30 s in the middle; and the urgent
reports made while a reminder run for all 5,000 people is being delivered still within 2 s.
Three phases, each with its own figures:

1. steady: REPORTS reports over HTTP at a steady RATE a second (open loop), each by a signed-in
   member of staff of one of the 50 schools, each to that school's Head (a non-urgent category).
2. outage: the same again, with Redis stopped for OUTAGE seconds in the middle. It keeps nothing
   on disk, so what was queued dies with it; reports made while it is down are saved with their
   notifications pending. The sweeper (beat, every minute) must queue them all again once it is
   back: the phase waits, bounded, for every one.
3. reminders: a new version of every school's policy is published through the real services and
   each school's first reminder made due at once (first_reminder_days = 0), then the real
   reminder task is sent to the default worker, as beat does at 07:30: one e-mail for each of
   the 5,000 people. Once the first has arrived, URGENT Prevent reports are submitted (to the
   DSL and the Head, on the urgent queue) while the rest are being delivered.

What runs, on 127.0.0.1 only: this script's own redis-server on a free port (so stopping it
disturbs nothing else), gunicorn in production mode with bench.settings (as `make bench`), a
default Celery worker and an urgent one (`-Q urgent`) as docker-compose.yml runs them, celery
beat with its database scheduler (the sweeper), and an aiosmtpd sink. The database is its own,
LATENCY_DATABASE_URL, seeded with seed_scale on first use; what earlier runs added is removed.

Latency: from the notification row's created_at to the moment the sink has the whole message,
matched by its X-Notification-Id header. created_at is stamped inside the report's transaction
just before it commits, so the figure overstates commit-to-inbox by the last milliseconds of
that transaction: it is conservative. Both are this machine's wall clock. Lost: an e-mail row
written during a phase and not received DEADLINE_SECONDS (300) after the phase's last report.
Duplicated: one row received more than once, at any time during the run.

Writes bench/results/latency.json and latency.md (the processes' logs beside them) and exits 1
if a budget is missed. Every wait has a deadline; everything started is stopped, whatever happens.
"""

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from types import SimpleNamespace

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))  # run as a script: the project's packages

from bench.run import (  # noqa: E402
    BIN,
    HOST,
    REPORT_MARKER,
    RESULTS,
    Actors,
    Endpoint,
    Processes,
    Sample,
    configure_environment,
    endpoints,
    ensure_database,
    erase_earlier_runs,
    fixed_rate,
    free_port,
    percentile,
    prepare_data,
    sign_in,
    wait_until_up,
)

BUDGET_P95_MS = 2000
# A row not received this long after its phase's last report is lost: the sweeper queues a
# pending row again a minute after it was written or last queued, and runs every minute.
DEADLINE_SECONDS = 300
QUIET_SECONDS = 3  # a phase ends once everything expected has arrived and nothing more for this
REMINDER_SUMMARY = "[conduct-latency] Republished so that everyone is reminded to sign it."
NOTIFICATION_ID_HEADER = "X-Notification-Id"  # notifications.services.NOTIFICATION_ID_HEADER
# Makes request i: (method, path, session, form, expected status, expected Location prefix).
Maker = Callable[[int], tuple]
PREVENT = {
    "category": "prevent",
    "subject_kind": "pupil",
    "subject_description": "A pupil in Year 9",
}


def log(message: str) -> None:
    print(f"[latency {time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- the sink and the broker ---------------------------------------------------------------


class Inbox:
    """An aiosmtpd server on loopback that notes when each message arrived, by its outbox row."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.lock = threading.Lock()
        self.arrivals: dict[int, list[float]] = {}
        self.unmatched = 0
        self.total = 0
        self.running = False
        # server_hostname: no DNS look-up for the greeting.
        self.controller = Controller(self, hostname=HOST, port=port, server_hostname="sink")

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook
        arrived = time.time()
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        row = headers.get(NOTIFICATION_ID_HEADER, "")
        with self.lock:
            self.total += 1
            if row.isdigit():
                self.arrivals.setdefault(int(row), []).append(arrived)
            else:
                self.unmatched += 1
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    def snapshot(self) -> dict[int, list[float]]:
        with self.lock:
            return {pk: list(times) for pk, times in self.arrivals.items()}

    def count(self) -> int:
        with self.lock:
            return self.total


class RedisServer:
    """This run's own redis-server. Stopped, it loses everything (nothing is saved), as a crash
    would; started again, it listens on the same port, empty."""

    def __init__(self, processes: Processes, port: int, directory: Path, logs: Path) -> None:
        self.processes = processes
        self.logs = logs
        self.port = port
        self.directory = directory
        self.starts = 0
        self.process = None

    def start(self, timeout: float = 15) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.starts += 1
        self.process = self.processes.start(
            "redis",
            [executable, "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.directory)],
            self.logs / f"latency-redis-{self.starts}.log",
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return
            time.sleep(0.1)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(host=HOST, port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False


def celery(*args: str) -> list[str]:
    return [str(BIN / "celery"), "-A", "conduct_portal", *args]


def wait_for_workers(names: list[str], processes: Processes, timeout: float = 90) -> None:
    """Until every worker answers a ping through the broker (and nothing started has exited)."""
    from conduct_portal.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in processes.running:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited: see its log, latency-{name}.log")
        answered = {node.split("@")[0] for reply in app.control.ping(timeout=1) for node in reply}
        if set(names) <= answered:
            return
    raise RuntimeError(f"the workers {names} did not answer a ping in {timeout}s")


# --- the data ------------------------------------------------------------------------------


def erase_latency_runs() -> dict[str, int]:
    """`make bench`'s erasure (reports, their notifications, sessions), and this benchmark's
    reminders: the e-mails that are not about a case (seed_scale writes none)."""
    from notifications.models import Kind, Notification

    removed = erase_earlier_runs()
    removed["messages"] = Notification.objects.filter(kind=Kind.MESSAGE).delete()[0]
    return removed


def reporters() -> list[tuple[str, int]]:
    """(session key, school pk): a signed-in member of staff at each school, no other role."""
    from people.models import Membership, Role, School
    from signin.mfa import needs_mfa

    sessions = []
    for school in School.objects.order_by("slug"):
        leaders = Membership.objects.exclude(role=Role.STAFF).values("user")
        member = (
            Membership.objects.current()
            .filter(school=school, role=Role.STAFF)
            .exclude(user__in=leaders)
            .select_related("user")
            .order_by("user__email")
            .first()
        )
        if member:
            sessions.append((sign_in(member.user, mfa=needs_mfa(member.user)), school.pk))
    return sessions


def report_maker(sessions: list[tuple[str, int]], *, urgent: bool) -> Maker:
    """`make bench`'s report POST, from each school in turn; urgent: a Prevent concern."""
    makers = []
    for session, school_pk in sessions:
        found = endpoints(Actors(staff=session, school_pk=school_pk))
        makers.append(next(e for e in found if e.name == "report_post").make)

    def make(i: int) -> tuple:
        method, path, session, body, status, location = makers[i % len(makers)](i)
        return method, path, session, {**body, **PREVENT} if urgent else body, status, location

    return make


def reminder_run_prepare() -> int:
    """Publish a new version of every school's policy, as its Head would, and make each
    school's first reminder due at once: everyone is then due one. Returns how many people."""
    from django.utils import timezone

    from people.models import Membership, Role, School
    from policies.models import Policy
    from policies.services import draft_start, version_publish

    today = timezone.localdate()
    School.objects.update(first_reminder_days=0)
    for policy in Policy.objects.filter(school__isnull=False).select_related("school"):
        head = (
            Membership.objects.current().filter(school=policy.school, role=Role.HEAD).first().user
        )
        version_publish(
            version=draft_start(policy=policy, by=head),
            by=head,
            approved_by="The full governing body",
            approved_on=today,
            review_due=today + datetime.timedelta(days=365),
            summary_of_changes=REMINDER_SUMMARY,
        )
    # As signoff_reminders_send counts them: each school's current members, once a school.
    return (
        Membership.objects.current()
        .filter(school__isnull=False)
        .values("school", "user")
        .distinct()
        .count()
    )


def last_email_pk() -> int:
    from notifications.models import Channel, Notification

    row = Notification.objects.filter(channel=Channel.EMAIL).order_by("-pk").first()
    return row.pk if row else 0


# --- the phases ----------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    label: str
    first_pk: int  # the e-mail rows written during the phase are above it…
    last_pk: int = 0  # …and at most this
    submitted: Sample = field(default_factory=Sample)
    started: float = field(default_factory=time.time)  # wall clock
    notes: dict = field(default_factory=dict)
    outage: tuple[float, float] | None = None  # when Redis was stopped and started again
    load_before: list[float] = field(default_factory=load_average)
    load_after: list[float] = field(default_factory=list)


def submit(port: int, make: Maker, count: int, rate: float) -> Sample:
    """`count` reports at `rate` a second, open loop, with `make bench`'s generator."""
    endpoint = Endpoint("report", "report", make)
    return fixed_rate(port, endpoint, rate, (count + 0.5) / rate, 0)


def await_delivery(inbox: Inbox, first_pk: int, *, deadline: float, at_least: int = 0) -> int:
    """Until every e-mail row written since first_pk (at least `at_least` of them) has arrived
    and nothing more for QUIET_SECONDS, or the deadline. Returns the last row's pk."""
    from notifications.models import Channel, Notification

    quiet_since, last_count = time.monotonic(), -1
    rows: set[int] = set()
    while time.monotonic() < deadline:
        rows = set(
            Notification.objects.filter(pk__gt=first_pk, channel=Channel.EMAIL).values_list(
                "pk", flat=True
            )
        )
        count = inbox.count()
        if count != last_count:
            quiet_since, last_count = time.monotonic(), count
        arrived = inbox.snapshot().keys()
        quiet = time.monotonic() - quiet_since >= QUIET_SECONDS
        if len(rows) >= at_least and rows <= arrived and quiet:
            break
        time.sleep(0.5)
    return max(rows, default=first_pk)


def settle(inbox: Inbox) -> dict[str, int]:
    """Before measuring, deliver what the seeded data has due (its overdue escalations, anything
    pending), so that each phase's e-mail is only its own."""
    from incidents.triage import escalations_run
    from notifications.services import pending_requeue

    first = last_email_pk()
    escalated = len(escalations_run().done)
    requeued = pending_requeue(older_than=datetime.timedelta(0))
    await_delivery(inbox, first, deadline=time.monotonic() + 120)
    return {"escalated": escalated, "requeued": requeued}


def steady_phase(port: int, inbox: Inbox, make: Maker, args: argparse.Namespace) -> Phase:
    phase = Phase("steady", f"{args.reports} reports at {args.rate:g}/s", last_email_pk())
    phase.submitted = submit(port, make, args.reports, args.rate)
    phase.last_pk = await_delivery(
        inbox, phase.first_pk, deadline=time.monotonic() + DEADLINE_SECONDS
    )
    return phase


def outage_phase(
    port: int, inbox: Inbox, make: Maker, redis: RedisServer, args: argparse.Namespace
) -> Phase:
    label = (
        f"{args.reports} reports at {args.rate:g}/s, Redis stopped for {args.outage_seconds:g} s"
    )
    phase = Phase("outage", label, last_email_pk())
    seconds = args.reports / args.rate
    offset = max(0.0, (seconds - args.outage_seconds) / 2)
    outage: dict[str, float] = {}

    def interrupt() -> None:
        time.sleep(offset)
        outage["stopped"] = time.time()
        redis.stop()
        time.sleep(args.outage_seconds)
        redis.start()
        outage["restarted"] = time.time()

    thread = threading.Thread(target=interrupt)
    thread.start()
    try:
        phase.submitted = submit(port, make, args.reports, args.rate)
    finally:
        thread.join(timeout=args.outage_seconds + offset + 60)
    if "restarted" not in outage:
        raise RuntimeError("Redis was not restarted after the outage")
    phase.outage = (outage["stopped"], outage["restarted"])
    phase.notes["redis_stopped_after_s"] = round(outage["stopped"] - phase.started, 1)
    phase.notes["redis_down_s"] = round(outage["restarted"] - outage["stopped"], 1)
    log(f"outage: Redis was down for {phase.notes['redis_down_s']} s; waiting for the sweeper")
    phase.last_pk = await_delivery(
        inbox, phase.first_pk, deadline=time.monotonic() + DEADLINE_SECONDS
    )
    return phase


def reminders_phase(port: int, inbox: Inbox, make: Maker, args: argparse.Namespace) -> Phase:
    from conduct_portal.celery import app

    people = reminder_run_prepare()
    label = (
        f"{args.urgent_reports} urgent reports at {args.urgent_rate:g}/s while reminders to "
        f"{people:,} people are delivered"
    )
    phase = Phase("reminders", label, last_email_pk())
    phase.notes["people_reminded"] = people
    started = time.monotonic()
    app.send_task("acknowledgements.send_signoff_reminders")  # what beat sends at 07:30
    while time.monotonic() - started < 120 and not any(
        pk > phase.first_pk for pk in inbox.snapshot()
    ):
        time.sleep(0.1)
    phase.notes["first_reminder_after_s"] = round(time.monotonic() - started, 1)
    phase.submitted = submit(port, make, args.urgent_reports, args.urgent_rate)
    phase.last_pk = await_delivery(
        inbox,
        phase.first_pk,
        deadline=time.monotonic() + DEADLINE_SECONDS,
        at_least=people,  # the urgent reports' rows are written: their responses are back
    )
    return phase


# --- the figures ---------------------------------------------------------------------------


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def figures(rows: list[tuple[int, float]], arrivals: dict[int, list[float]]) -> dict:
    """Latency, lost and duplicated for (pk, created) rows."""
    latencies = [arrivals[pk][0] - created for pk, created in rows if pk in arrivals]
    lost = [pk for pk, _ in rows if pk not in arrivals]
    duplicated = [pk for pk, _ in rows if len(arrivals.get(pk, ())) > 1]
    return {
        "emails": len(rows),
        "received": len(latencies),
        "p50_ms": ms(percentile(latencies, 50)),
        "p95_ms": ms(percentile(latencies, 95)),
        "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(max(latencies, default=None)),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "lost_examples": lost[:5],
        "duplicated_examples": duplicated[:5],
    }


GROUPS = [
    "reports",
    "reports written before the stop",
    "reports written while Redis was down",
    "reports written after the restart",
    "urgent reports",
    "reminders",
    "other",  # anything else written meanwhile (beat's escalations, review reminders)
]


def when_in_outage(moment: float, stopped: float, restarted: float) -> str:
    if moment < stopped:
        return "written before the stop"
    if moment < restarted:
        return "written while Redis was down"
    return "written after the restart"


def summarise(phase: Phase, arrivals: dict[int, list[float]]) -> dict:
    from notifications.models import Channel, Kind, Notification

    rows = Notification.objects.filter(
        pk__gt=phase.first_pk, pk__lte=phase.last_pk, channel=Channel.EMAIL
    ).values_list("pk", "created_at", "kind", "urgent", "incident__description")
    groups: dict[str, list[tuple[int, float]]] = {}
    for pk, created, kind, urgent, description in rows:
        if (description or "").startswith(REPORT_MARKER):
            group = "urgent reports" if urgent else "reports"
            if phase.outage:
                group += " " + when_in_outage(created.timestamp(), *phase.outage)
        elif kind == Kind.MESSAGE:
            group = "reminders"
        else:
            group = "other"
        groups.setdefault(group, []).append((pk, created.timestamp()))
    every = [row for members in groups.values() for row in members]
    sample = phase.submitted
    result = {
        "name": phase.name,
        "label": phase.label,
        "submissions": {
            "reports": len(sample.latencies) + sample.errors,
            "errors": sample.errors,
            "p95_ms": ms(percentile(sample.latencies, 95)),
            "max_ms": ms(max(sample.latencies, default=None)),
            "error_examples": sample.error_examples,
        },
        "groups": {
            name: figures(groups[name], arrivals) for name in sorted(groups, key=GROUPS.index)
        },
        "all": figures(every, arrivals),
        "notes": phase.notes,
        "load_average_before": phase.load_before,
        "load_average_after": phase.load_after,
    }
    if phase.name == "reminders":
        reminders = [arrivals[pk][0] for pk, _ in groups.get("reminders", []) if pk in arrivals]
        urgent = [created for _, created in groups.get("urgent reports", [])]
        if reminders:
            first, last = min(reminders), max(reminders)
            result["notes"]["reminders_delivered_over_s"] = round(last - first, 1)
            # Urgent e-mail rows written between the first reminder's arrival and the last's.
            result["notes"]["urgent_emails_during_delivery"] = sum(
                first <= t <= last for t in urgent
            )
    return result


def judge(phase: dict) -> dict[str, bool]:
    """Each phase's budgets, from the issue; submissions that failed are misses everywhere."""
    every = phase["all"]
    budgets = {
        "none lost": every["lost"] == 0,
        "none duplicated": every["duplicated"] == 0,
        "no failed submission": phase["submissions"]["errors"] == 0,
    }
    measured = {"steady": "reports", "reminders": "urgent reports"}.get(phase["name"])
    if measured:
        p95 = phase["groups"].get(measured, {}).get("p95_ms")
        budgets[f"{measured} p95 ≤ {BUDGET_P95_MS} ms"] = p95 is not None and p95 <= BUDGET_P95_MS
    if phase["name"] == "reminders":
        # The claim is about urgent reports made while the reminders are being delivered.
        urgent = phase["groups"].get("urgent reports", {}).get("emails", 0)
        during = phase["notes"].get("urgent_emails_during_delivery", 0)
        budgets["all urgent reports made during the delivery"] = during == urgent > 0
    return budgets


NOTES = {
    "redis_stopped_after_s": "Redis stopped {} s into the phase",
    "redis_down_s": "down for {} s",
    "people_reminded": "{:,} people reminded",
    "first_reminder_after_s": "the first reminder arrived {} s after the task was sent",
    "reminders_delivered_over_s": "reminders arrived over {} s",
    "urgent_emails_during_delivery": "{} urgent e-mails written while reminders were arriving",
}


def markdown(report: dict) -> str:
    c = report["config"]
    lines = [
        f"# Notification latency — {report['finished_at']}",
        "",
        f"gunicorn {c['gunicorn_workers']} sync workers; Celery: a default worker "
        f"(concurrency {c['worker_concurrency']}, both queues) and an urgent worker "
        f"(`-Q urgent`, concurrency {c['urgent_concurrency']}); beat (database scheduler, "
        f"sweeper every minute); its own redis-server; PostgreSQL `{c['database']}` at trust "
        f"scale; an aiosmtpd sink. {c['cpus']} CPUs shared with the load generator and anything "
        f"else running: load average {c['load_average_before']} before, "
        f"{c['load_average_after']} after. Latency: the notification row's `created_at` (inside "
        "the report's transaction, just before its commit) to the sink having the message. "
        f"Lost: not received {DEADLINE_SECONDS} s after the phase's last report.",
        "",
        "| phase | verdict |",
        "| --- | --- |",
    ]
    for phase in report["phases"]:
        failed = [name for name, ok in phase["budgets"].items() if not ok]
        verdict = "ok" if not failed else "MISS: " + "; ".join(failed)
        lines.append(f"| {phase['name']}: {phase['label']} | {verdict} |")
    for n, phase in enumerate(report["phases"], 1):
        s = phase["submissions"]
        lines += [
            "",
            f"## {n}. {phase['name']}: {phase['label']}",
            "",
            "| e-mails | count | received | p50 ms | p95 ms | p99 ms | max ms | lost | dup. |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, f in [*phase["groups"].items(), ("all", phase["all"])]:
            lines.append(
                f"| {name} | {f['emails']} | {f['received']} | {f['p50_ms']} | {f['p95_ms']} | "
                f"{f['p99_ms']} | {f['max_ms']} | {f['lost']} | {f['duplicated']} |"
            )
        notes = "; ".join(NOTES[k].format(v) for k, v in phase["notes"].items())
        lines += [
            "",
            f"Submissions over HTTP: {s['reports']}, {s['errors']} failed, response p95 "
            f"{s['p95_ms']} ms, max {s['max_ms']} ms. Load average {phase['load_average_before']}"
            f" → {phase['load_average_after']}." + (f" {notes}." if notes else ""),
            "",
            "Budgets: "
            + "; ".join(f"{name} {'ok' if ok else 'MISS'}" for name, ok in phase["budgets"].items())
            + ".",
        ]
        for example in s["error_examples"]:
            lines.append(f"- failed submission: `{example}`")
    if report["processes_that_exited_during_the_run"]:
        exited = ", ".join(report["processes_that_exited_during_the_run"])
        lines += ["", f"**Exited during the run: {exited}** (see their logs, latency-*.log)."]
    if report["unmatched_emails"] or report["emails_outside_phases"]:
        lines += [
            "",
            f"E-mails without an X-Notification-Id: {report['unmatched_emails']}; for rows "
            f"outside the phases (the settling before them): {report['emails_outside_phases']}.",
        ]
    return "\n".join(lines) + "\n"


# --- the run -------------------------------------------------------------------------------

PHASES = ("steady", "outage", "reminders")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LATENCY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/conduct_latency"
        ),
    )
    parser.add_argument("--reports", type=int, default=500, help="reports in phases 1 and 2")
    parser.add_argument("--rate", type=float, default=10, help="reports a second")
    parser.add_argument("--outage-seconds", type=float, default=30)
    parser.add_argument("--urgent-reports", type=int, default=100)
    parser.add_argument("--urgent-rate", type=float, default=4)
    parser.add_argument("--gunicorn-workers", type=int, default=3)  # as docker-compose.yml
    # Celery's default, a process a CPU, for each worker (as docker-compose.yml runs them).
    parser.add_argument("--worker-concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--urgent-concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated, in order")
    parser.add_argument(
        "--settings", default="bench.settings", help="DJANGO_SETTINGS_MODULE of every process"
    )
    parser.add_argument("--out", default=str(RESULTS / "latency"))
    args = parser.parse_args(argv)
    args.phases = args.phases.split(",")
    if unknown := set(args.phases) - set(PHASES):
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    return args


def start_stack(
    processes: Processes, args: argparse.Namespace, web_port: int, directory: str
) -> None:
    """The production layout (docker-compose.yml): workers, beat and gunicorn, all answering."""
    logs = Path(args.out).parent
    processes.start(
        "worker",
        celery("worker", "-n", "default@%h", "--concurrency", str(args.worker_concurrency),
               "--loglevel", "WARNING"),
        logs / "latency-worker.log",
    )  # fmt: skip
    processes.start(
        "worker-urgent",
        celery("worker", "-Q", "urgent", "-n", "urgent@%h", "--concurrency",
               str(args.urgent_concurrency), "--loglevel", "WARNING"),
        logs / "latency-worker-urgent.log",
    )  # fmt: skip
    processes.start(
        "beat",
        celery("beat", "--loglevel", "WARNING", "--schedule", f"{directory}/beat"),
        logs / "latency-beat.log",
    )
    server = processes.start(
        "gunicorn",
        [str(BIN / "gunicorn"), "bench.wsgi:application", "--bind", f"{HOST}:{web_port}",
         "--workers", str(args.gunicorn_workers), "--log-level", "warning"],
        logs / "latency-gunicorn.log",
    )  # fmt: skip
    wait_until_up(web_port, server)
    wait_for_workers(["default", "urgent"], processes)


def run_phases(
    args: argparse.Namespace, web_port: int, inbox: Inbox, redis: RedisServer
) -> list[Phase]:
    sessions = reporters()
    normal = report_maker(sessions, urgent=False)
    urgent = report_maker(sessions, urgent=True)
    phases = []
    for name in args.phases:
        log(f"phase {name}…")
        if name == "steady":
            phase = steady_phase(web_port, inbox, normal, args)
        elif name == "outage":
            phase = outage_phase(web_port, inbox, normal, redis, args)
        else:
            phase = reminders_phase(web_port, inbox, urgent, args)
        phase.load_after = load_average()
        phases.append(phase)
        log(f"phase {name} done: its rows are {phase.first_pk + 1}–{phase.last_pk}")
    # A second copy of anything still on its way has a last chance to show up.
    time.sleep(QUIET_SECONDS)
    return phases


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    os.chdir(BASE_DIR)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    load_before = load_average()
    redis_port, smtp_port, web_port = free_port(), free_port(), free_port()
    configure_environment(
        SimpleNamespace(
            database_url=args.database_url,
            redis_url=f"redis://{HOST}:{redis_port}",
            smtp_port=smtp_port,
        )
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings

    processes = Processes()
    inbox = Inbox(smtp_port)
    seeded: dict = {}
    settled: dict[str, int] = {}
    phases: list[Phase] = []
    exited: list[str] = []
    with tempfile.TemporaryDirectory(prefix="latency-") as directory:
        redis = RedisServer(processes, redis_port, Path(directory), Path(args.out).parent)
        try:
            inbox.start()
            redis.start()  # first: erasing reports clears the dashboards' cache entries
            ensure_database(args.database_url)
            seeded = prepare_data(log)
            log(f"removed what earlier runs added: {erase_latency_runs()}")
            start_stack(processes, args, web_port, directory)
            log(f"up: gunicorn on {HOST}:{web_port}, workers, beat, Redis on {redis_port}")
            settled = settle(inbox)
            log(f"settled what the data had due: {settled}")
            phases = run_phases(args, web_port, inbox, redis)
            exited = [n for n, p in processes.running if n != "redis" and p.poll() is not None]
        finally:
            processes.stop_all()
            inbox.stop()
            log("stopped gunicorn, the workers, beat, Redis and the sink")

    arrivals = inbox.snapshot()
    results = [summarise(phase, arrivals) for phase in phases]
    for result in results:
        result["budgets"] = judge(result)
    outside = [pk for pk in arrivals if not any(p.first_pk < pk <= p.last_pk for p in phases)]
    report = {
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "config": {
            "reports": args.reports,
            "rate": args.rate,
            "outage_seconds": args.outage_seconds,
            "urgent_reports": args.urgent_reports,
            "urgent_rate": args.urgent_rate,
            "gunicorn_workers": args.gunicorn_workers,
            "worker_concurrency": args.worker_concurrency,
            "urgent_concurrency": args.urgent_concurrency,
            "budget_p95_ms": BUDGET_P95_MS,
            "deadline_seconds": DEADLINE_SECONDS,
            "settings": args.settings,
            "cpus": os.cpu_count(),
            "database": urllib.parse.urlparse(args.database_url).path.lstrip("/"),
            # Other work on the CPUs delays every process here: read the figures with these.
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "settled": settled,
            **seeded,
        },
        "processes_that_exited_during_the_run": exited,
        "unmatched_emails": inbox.unmatched,
        "emails_outside_phases": len(outside),
        "run_seconds": round(time.monotonic() - started, 1),
        "phases": results,
    }
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    missed = [
        f"{r['name']}: {name}" for r in results for name, ok in r["budgets"].items() if not ok
    ]
    if exited:
        missed.append(f"exited during the run: {', '.join(exited)}")
    if missed:
        log("BUDGETS MISSED — " + "; ".join(missed))
        return 1
    log("every budget met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
