"""`make bench`: the portal served the production way, at trust scale, under load.

1. Uses (creating it if need be) the PostgreSQL database BENCH_DATABASE_URL, migrates it, and runs
   `seed_scale` when it has no schools yet; collects the static files production serves.
2. Removes what an earlier run added (its sign-offs and reports, a sanctioned erasure), so every
   run starts from the same data, and signs in the people the pages are for by writing their
   sessions straight into the database (as allauth does after the password and, for the roles
   that need it, the two-factor code).
3. Starts an SMTP sink, a Celery worker on Redis and gunicorn (DJANGO_ENV=production, bench
   settings = production settings + the floor views + an X-Queries header) on loopback.
4. For each endpoint: a short warm-up, then FIXED_SECONDS at FIXED_RATE requests a second
   (open loop: a request's latency counts from when it was due, so a slow server cannot hide
   its queue), then SATURATION_SECONDS with CONCURRENCY clients back to back (requests a second
   at saturation). Every request must answer what the page answers a real user, or it counts
   as an error.
5. Writes bench/results/latest.json and latest.md, then stops everything it started.

Only 127.0.0.1 is ever requested; every loop is bounded in time and count.
"""

import argparse
import asyncio
import datetime
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
MARKER = "conduct-bench/1"  # the User-Agent of every bench request: how its rows are found again
REPORT_MARKER = "[conduct-bench]"

BUDGET_P95_MS = 150
BUDGET_DASHBOARD_P95_MS = 250
BUDGET_RATIO = 0.40
BUDGET_SIGNOFF_RPS = 150
BUDGET_QUERIES = 12


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def configure_environment(args) -> dict[str, str]:
    """The environment of every process: production, on loopback, with the bench additions."""
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_ENV": "production",
        "BENCH_FLOOR": "true",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "MFA_REQUIRED": "true",
        "DATABASE_URL": args.database_url,
        "CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": args.redis_url.rstrip("/") + "/7",
        "CACHE_URL": args.redis_url.rstrip("/") + "/8",
        "EMAIL_URL": f"smtp://{HOST}:{args.smtp_port}",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


# --- the database --------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')  # the name is our own setting


def manage(*args: str) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=BASE_DIR, check=True)  # noqa: S603


def prepare_data(log, factor: int = 1) -> dict:
    """Migrate, seed if empty (`factor` times the trust-scale dataset), collect static files;
    returns the seed's timing if it ran."""
    manage("migrate", "--no-input", "-v0")
    import django

    django.setup()
    from people.models import School

    seeded = {}
    if not School.objects.exists():
        log(f"seeding the trust-scale dataset (seed_scale --factor {factor})…")
        started = time.monotonic()
        manage("seed_scale", "--factor", str(factor))
        seeded["seed_scale_seconds"] = round(time.monotonic() - started, 1)
    if not (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
        manage("collectstatic", "--no-input", "-v0")
    return seeded


def erase_earlier_runs() -> dict[str, int]:
    """What an earlier run added is removed, so each run sees the same dataset: its sign-offs,
    reports and case views (evidence anywhere else: only this sanctioned erasure may delete
    them in the bench's own database), and its sessions. seed_scale writes no case views and no
    sessions, so every one in the bench database is the bench's."""
    from django.contrib.sessions.models import Session

    from acknowledgements.models import SignOff
    from incidents.models import CaseAccess, CaseEntry, Evidence, Incident, RoutingDecision
    from lib.immutability import erasure_permitted
    from notifications.models import Notification, NotificationAttempt

    removed = {}
    with erasure_permitted():
        removed["signoffs"] = SignOff.objects.filter(user_agent=MARKER).delete()[0]
        incidents = Incident.objects.filter(description__startswith=REPORT_MARKER)
        NotificationAttempt.objects.filter(notification__incident__in=incidents).delete()
        Notification.objects.filter(incident__in=incidents).delete()
        for model in (CaseAccess, CaseEntry, Evidence, RoutingDecision):
            model.objects.filter(incident__in=incidents).delete()
        removed["reports"] = incidents.delete()[0]
        removed["case views"] = CaseAccess.objects.all().delete()[0]
    removed["sessions"] = Session.objects.all().delete()[0]
    return removed


def database_tune(url: str) -> None:
    """The database as a production server keeps it (bench/README.md, "The database"): vacuumed
    and with fresh planner statistics (VACUUM ANALYZE; autovacuum keeps both, and where it is
    off, as on the machine of these figures, a bulk-seeded database has no statistics, so the
    planner hashes whole tables to join one case's rows, and the rows an earlier run added and
    this one removed stay in the indexes the queue reads), and random_page_cost 1.1 for pages
    in memory or on SSD (the default of 4 is for spinning disks: it makes the planner scan every
    report rather than look up a person's few hundred by key). For connections opened from now
    on: the servers start later."""
    from django.db import connection

    name = urllib.parse.urlparse(url).path.lstrip("/")
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')  # our own name
        cursor.execute("VACUUM (ANALYZE)")


def authenticator_for(user) -> int:
    """The person's authenticator app (one is set up for the benchmark if they have none)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    found = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return (found or TOTP.activate(user, generate_totp_secret()).instance).pk


def sign_in(user, *, mfa: bool) -> str:
    """A session as allauth leaves it after a sign-in (and its two-factor step): its key."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from signin import sessions

    now = time.time()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[sessions.STARTED] = session[sessions.SEEN] = now
    session[sessions.AUTHENTICATION_RECORDS_USER_KEY] = str(user.pk)
    methods = [{"method": "password", "at": now, "email": user.email}]
    if mfa:
        # The code step counts only with an authenticator that exists (signin.mfa).
        methods.append({"method": "mfa", "at": now, "id": authenticator_for(user), "type": "totp"})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = methods
    session.create()
    return session.session_key


@dataclass
class Actors:
    staff: str = ""
    head: str = ""
    chair: str = ""
    school_slug: str = ""
    school_pk: int = 0
    policy_pk: int = 0
    case_pks: list[int] = field(default_factory=list)
    # (session key, version pk, content sha256) of people who have yet to sign a current version
    signers: list[tuple[str, int, str]] = field(default_factory=list)


def prepare_actors(school_slug: str, signer_limit: int) -> Actors:
    from acknowledgements.models import SignOff
    from incidents.models import RoutingDecision
    from people.models import Membership, Role, School
    from policies.models import Policy, PolicyVersion, VersionStatus
    from signin.mfa import needs_mfa

    school = School.objects.get(slug=school_slug)
    members = Membership.objects.current().filter(school=school).select_related("user")
    head = members.filter(role=Role.HEAD).first().user
    chair = members.filter(role=Role.CHAIR).first().user
    signed_current = SignOff.objects.filter(version__status=VersionStatus.PUBLISHED)
    # The staff member: signed their school's current version, so home shows their usual page.
    staff = (
        members.filter(role=Role.STAFF)
        .exclude(user__memberships__role__in=[Role.HEAD, Role.DSL, Role.DEPUTY_HEAD])
        .filter(user__in=signed_current.values("user"))
        .order_by("user__email")
        .first()
        .user
    )
    actors = Actors(
        staff=sign_in(staff, mfa=needs_mfa(staff)),
        head=sign_in(head, mfa=True),
        chair=sign_in(chair, mfa=True),
        school_slug=school.slug,
        school_pk=school.pk,
        policy_pk=Policy.objects.get(school=school).pk,
        case_pks=list(
            RoutingDecision.objects.filter(recipient=head, incident__school=school)
            .order_by("-incident__created_at")
            .values_list("incident_id", flat=True)[:200]
        ),
    )
    # Everyone who still has a current version to sign, in a fixed order.
    current = list(PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED))
    for version in current:
        policy = version.policy
        scope = Membership.objects.current()
        scope = (
            scope.filter(school_id=policy.school_id)
            if policy.school_id
            else scope.filter(school__trust_id=policy.trust_id)
        )
        unsigned = (
            scope.exclude(user__signoffs__version=version)
            .values_list("user", flat=True)
            .distinct()
            .order_by("user")
        )
        for user_id in unsigned:
            actors.signers.append((user_id, version.pk, version.content_sha256))
    actors.signers.sort(key=lambda s: (s[0] * 7919) % 10007)  # spread over schools
    actors.signers = actors.signers[:signer_limit]
    from people.models import User

    users = User.objects.in_bulk({u for u, _, _ in actors.signers})
    keys: dict[int, str] = {}
    for user_id, _, _ in actors.signers:
        if user_id not in keys:
            keys[user_id] = sign_in(users[user_id], mfa=needs_mfa(users[user_id]))
    actors.signers = [(keys[u], v, sha) for u, v, sha in actors.signers]
    return actors


# --- the services --------------------------------------------------------------------------


class SmtpSink:
    """A minimal SMTP server on loopback that accepts and counts every message."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    async def _client(self, reader, writer) -> None:
        writer.write(b"220 bench sink\r\n")
        in_data = False
        while line := await reader.readline():
            if in_data:
                if line in (b".\r\n", b".\n"):
                    in_data = False
                    self.messages += 1
                    writer.write(b"250 OK\r\n")
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                in_data = True
                writer.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            elif verb in (b"EHLO", b"HELO"):
                writer.write(b"250 bench\r\n")
            else:
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, HOST, self.port))
        self.loop.run_forever()
        server.close()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


class Processes:
    """Everything started, stopped in reverse order whatever happens."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], log: Path) -> subprocess.Popen:
        handle = log.open("w")
        process = subprocess.Popen(  # noqa: S603
            command, cwd=BASE_DIR, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append((name, process))
        return process

    def stop_all(self) -> None:
        # SIGTERM to each main process only: gunicorn and Celery then stop their own children
        # gracefully (a task being delivered finishes); the group is killed only if they hang.
        for _name, process in reversed(self.running):
            if process.poll() is None:
                process.terminate()
        for _name, process in reversed(self.running):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.running.clear()


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            status, _, _ = request(port, "GET", "/healthz", session=None)
            if status in (200, 503):
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz: see bench/results/gunicorn.log")


class CpuMeter:
    """CPU seconds used by the server side: gunicorn's and Celery's processes and the database's
    backends. Divided by the requests served, it is what a page costs whatever else the
    machine is doing, unlike requests a second, which other work on the CPUs takes from."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, roots: list[int], database_url: str) -> None:
        self.roots = roots
        self.database_url = database_url

    @staticmethod
    def _children(pid: int) -> list[int]:
        try:
            found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in found]

    def _pids(self) -> set[int]:
        import psycopg

        pids, todo = set(), list(self.roots)
        while todo:
            pid = todo.pop()
            pids.add(pid)
            todo.extend(self._children(pid))
        name = urllib.parse.urlparse(self.database_url).path.lstrip("/")
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            ).fetchall()
        return pids | {row[0] for row in rows}

    def seconds(self) -> dict[int, float]:
        used = {}
        for pid in self._pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[pid] = (int(fields[11]) + int(fields[12])) / self.TICK  # utime + stime
        return used

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(t - before.get(pid, 0.0) for pid, t in after.items())


# --- the load generator --------------------------------------------------------------------

CSRF = secrets.token_hex(16)  # 32 characters: Django accepts an unmasked secret in the form


def request(
    port: int, method: str, path: str, *, session: str | None, body: dict | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"User-Agent": MARKER, "Host": HOST, "Cookie": f"csrftoken={CSRF}"}
    if session:
        headers["Cookie"] += f"; sessionid={session}"
    data = None
    if body is not None:
        data = urllib.parse.urlencode({**body, "csrfmiddlewaretoken": CSRF})
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        content = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content
    finally:
        conn.close()


@dataclass
class Endpoint:
    name: str
    label: str
    # Returns (method, path, session, body, expected status, expected Location prefix)
    make: Callable[[int], tuple]
    budget_p95_ms: float = BUDGET_P95_MS
    is_floor: bool = False
    pool: int | None = None  # at most this many requests (each sign-off can happen once)


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    queries: list[int] = field(default_factory=list)
    error_examples: list[str] = field(default_factory=list)


def one(port: int, endpoint: Endpoint, i: int, sample: Sample, lock: threading.Lock, due: float):
    method, path, session, body, expected, location = endpoint.make(i)
    ok, note, queries = False, "", None
    try:
        status, headers, _ = request(port, method, path, session=session, body=body)
        queries = int(headers.get("x-queries", "-1"))
        ok = status == expected and (
            location is None or headers.get("location", "").startswith(location)
        )
        note = f"{status} {headers.get('location', '')}"
    except OSError as error:
        note = repr(error)
    latency = time.monotonic() - due
    with lock:
        if ok:
            sample.latencies.append(latency)
        else:
            sample.errors += 1
            if len(sample.error_examples) < 3:
                sample.error_examples.append(f"{method} {path}: {note}")
        if queries is not None and queries >= 0:
            sample.queries.append(queries)


def fixed_rate(port: int, endpoint: Endpoint, rate: float, seconds: float, start: int) -> Sample:
    """Open loop: request i is due at t0 + i/rate, sent then whatever the others are doing."""
    sample, lock = Sample(), threading.Lock()
    total = int(rate * seconds)
    if endpoint.pool is not None:
        total = min(total, endpoint.pool - start)
    with ThreadPoolExecutor(max_workers=64) as pool:
        t0 = time.monotonic() + 0.05
        for i in range(total):
            due = t0 + i / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            pool.submit(one, port, endpoint, start + i, sample, lock, due)
    return sample


def saturate(
    port: int, endpoint: Endpoint, clients: int, seconds: float, start: int
) -> tuple[Sample, float]:
    """Closed loop: `clients` clients, each sending its next request when the last answered."""
    sample, lock = Sample(), threading.Lock()
    counter = iter(range(start, start + 10**7))
    limit = endpoint.pool if endpoint.pool is not None else 10**9
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                i = next(counter)
            if i >= limit:
                return
            one(port, endpoint, i, sample, lock, time.monotonic())

    t0 = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    return sample, elapsed


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def endpoints(actors: Actors) -> list[Endpoint]:
    today = datetime.date.today().isoformat()
    cases = actors.case_pks or [0]
    signers = actors.signers
    receipt = "/acknowledgements/receipts/"

    def report(i: int):
        return (
            "POST",
            "/incidents/report/",
            actors.staff,
            {
                "school": actors.school_pk,
                "category": "social_media_misuse",
                "subject_kind": "parent",
                "subject_description": "A parent in the Year 4 class group",
                "happened_on": today,
                "platform": "Facebook",
                "description": f"{REPORT_MARKER} Posts about a member of staff, number {i}.",
            },
            302,
            "/incidents/",
        )

    def sign(i: int):
        session, version, sha = signers[i]
        return (
            "POST",
            f"/acknowledgements/sign/{version}/",
            session,
            {"text_sha256": sha},
            302,
            receipt,
        )

    def get(path: str, session: str | None):
        return lambda i: ("GET", path, session, None, 200, None)

    slug = actors.school_slug
    return [
        Endpoint(
            "floor_bare",
            "Floor: bare JSON, no middleware",
            get("/_bench/floor/bare/", None),
            is_floor=True,
        ),
        Endpoint(
            "floor_full",
            "Floor: full stack, signed in",
            get("/_bench/floor/full/", actors.staff),
            is_floor=True,
        ),
        Endpoint("home", "Staff home `/`", get("/", actors.staff)),
        Endpoint(
            "policy_read",
            "Policy read `/policies/<pk>/`",
            get(f"/policies/{actors.policy_pk}/", actors.staff),
        ),
        Endpoint("signoff_post", "Sign-off POST", sign, pool=len(signers)),
        Endpoint("queue", "Head's queue, first page", get("/incidents/queue/", actors.head)),
        Endpoint(
            "queue_filtered",
            "Head's queue `?status=new&category=breach`",
            get("/incidents/queue/?status=new&category=breach", actors.head),
        ),
        Endpoint(
            "case",
            "A case `/incidents/<pk>/`",
            lambda i: ("GET", f"/incidents/{cases[i % len(cases)]}/", actors.head, None, 200, None),
        ),
        Endpoint(
            "dashboard",
            "Governors' dashboard",
            get(f"/governance/schools/{slug}/", actors.chair),
            budget_p95_ms=BUDGET_DASHBOARD_P95_MS,
        ),
        Endpoint("report_post", "Report submission POST", report),
    ]


def summarise(endpoint: Endpoint, fixed: Sample, sat: Sample, elapsed: float) -> dict:
    ms = lambda v: None if v is None else round(v * 1000, 1)  # noqa: E731
    queries = sorted(fixed.queries + sat.queries)
    return {
        "name": endpoint.name,
        "label": endpoint.label,
        "saturation": {
            "rps": round(len(sat.latencies) / elapsed, 1) if elapsed else None,
            "requests": len(sat.latencies) + sat.errors,
            "errors": sat.errors,
            "seconds": round(elapsed, 2),
            "p50_ms": ms(percentile(sat.latencies, 50)),
            "p95_ms": ms(percentile(sat.latencies, 95)),
        },
        "fixed_rate": {
            "requests": len(fixed.latencies) + fixed.errors,
            "errors": fixed.errors,
            "p50_ms": ms(percentile(fixed.latencies, 50)),
            "p95_ms": ms(percentile(fixed.latencies, 95)),
            "p99_ms": ms(percentile(fixed.latencies, 99)),
            "max_ms": ms(max(fixed.latencies, default=None)),
        },
        "queries": {
            "min": queries[0] if queries else None,
            "median": queries[len(queries) // 2] if queries else None,
            "max": queries[-1] if queries else None,
        },
        "error_examples": fixed.error_examples + sat.error_examples,
        "budget_p95_ms": endpoint.budget_p95_ms,
        "is_floor": endpoint.is_floor,
    }


def judge(results: list[dict]) -> None:
    full = next(r for r in results if r["name"] == "floor_full")
    floor = full["saturation"]["rps"] or 0
    floor_cpu = full.get("server_cpu_ms_per_request")
    for r in results:
        cpu = r.get("server_cpu_ms_per_request")
        r["cpu_ratio_to_full_floor"] = round(floor_cpu / cpu, 3) if floor_cpu and cpu else None
        r["ratio_to_full_floor"] = (
            round(r["saturation"]["rps"] / floor, 3) if floor and r["saturation"]["rps"] else None
        )
        if r["is_floor"]:
            r["budgets"] = {}
            continue
        fixed, sat = r["fixed_rate"], r["saturation"]
        budgets = {
            "p95": fixed["p95_ms"] is not None and fixed["p95_ms"] <= r["budget_p95_ms"],
            # By server CPU: what the page costs, whatever else shares the CPUs (the load
            # generator does); the throughput ratio is beside it in the table.
            "ratio": (r["cpu_ratio_to_full_floor"] or 0) >= BUDGET_RATIO,
            # The median: the session's once-a-minute save adds one to a few requests.
            "queries": r["queries"]["median"] is not None
            and r["queries"]["median"] <= BUDGET_QUERIES,
            "errors": fixed["errors"] == 0 and sat["errors"] == 0,
        }
        if r["name"] == "signoff_post":
            budgets["rps"] = (sat["rps"] or 0) >= BUDGET_SIGNOFF_RPS
        r["budgets"] = budgets


def markdown(report: dict) -> str:
    c = report["config"]
    lines = [
        f"# Benchmark — {report['finished_at']}",
        "",
        f"gunicorn {c['gunicorn_workers']} sync workers, 1 Celery worker, PostgreSQL + Redis, "
        f"{c['cpus']} CPUs shared with the load generator. Fixed rate: {c['fixed_rate']} req/s "
        f"for {c['fixed_seconds']} s (open loop). Saturation: {c['concurrency']} clients for "
        f"{c['saturation_seconds']} s (closed loop). Load average before the run "
        f"{c['load_average_before']}, after {c['load_average_after']}. Server CPU: gunicorn, "
        "Celery and PostgreSQL CPU time per request at saturation. Ratio to floor: the full "
        "floor's server CPU per request over the page's (the throughput ratio idle, dedicated "
        "CPUs would give; the throughput ratio, lower, shares the CPUs with the load generator). "
        f"Dataset: {c.get('factor', 1)}× trust scale ({c['database']}).",
        "",
        "| endpoint | ratio to floor (server CPU) | goal | sat. rps | goal | server CPU ms/req | "
        "throughput ratio | p50 ms | p95 ms | goal | p99 ms | errors | queries | budgets |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| --- |",
    ]
    for r in report["endpoints"]:
        f, s, q = r["fixed_rate"], r["saturation"], r["queries"]
        qtext = f"{q['min']}" if q["min"] == q["max"] else f"{q['min']}–{q['max']}"
        failed = [k for k, ok in r["budgets"].items() if not ok]
        verdict = "ok" if not failed else "MISS: " + ", ".join(failed)
        verdict = "floor" if r["is_floor"] else verdict
        ratio_goal = "" if r["is_floor"] else f"≥ {BUDGET_RATIO:.2f}"
        p95_goal = "" if r["is_floor"] else f"≤ {r['budget_p95_ms']:g}"
        rps_goal = f"≥ {BUDGET_SIGNOFF_RPS}" if r["name"] == "signoff_post" else ""
        lines.append(
            f"| {r['label']} | {r['cpu_ratio_to_full_floor']} | {ratio_goal} | {s['rps']} | "
            f"{rps_goal} | {r['server_cpu_ms_per_request']} | {r['ratio_to_full_floor']} | "
            f"{f['p50_ms']} | {f['p95_ms']} | {p95_goal} | {f['p99_ms']} | "
            f"{f['errors'] + s['errors']} | {qtext} | {verdict} |"
        )
    lines += ["", "Errors seen:" if any(r["error_examples"] for r in report["endpoints"]) else ""]
    for r in report["endpoints"]:
        for example in r["error_examples"]:
            lines.append(f"- {r['name']}: `{example}`")
    return "\n".join(lines).rstrip() + "\n"


def database_args(parser: argparse.ArgumentParser) -> None:
    """The options `make bench` and `make profile` share: which data, which services."""
    parser.add_argument(
        "--factor",
        type=int,
        default=1,
        help="Times the trust-scale dataset (10: 500 schools, 50,000 people, 200,000 reports), "
        "in its own database, conduct_bench_x10, unless --database-url says otherwise.",
    )
    parser.add_argument("--database-url", help="Default: BENCH_DATABASE_URL, or conduct_bench.")
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
    )
    parser.add_argument("--school", default="school-01")


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    server = "postgres://postgres@127.0.0.1:5432/"
    if args.database_url is None and args.factor == 1:
        args.database_url = os.environ.get("BENCH_DATABASE_URL", server + "conduct_bench")
    elif args.database_url is None:
        args.database_url = f"{server}conduct_bench_x{args.factor}"
    args.smtp_port = free_port()
    return args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    database_args(parser)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    parser.add_argument("--fixed-rate", type=float, default=20)
    parser.add_argument("--fixed-seconds", type=float, default=10)
    parser.add_argument("--saturation-seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup-seconds", type=float, default=2)
    parser.add_argument("--only", help="comma-separated endpoint names (the floors always run)")
    parser.add_argument("--out", default=str(RESULTS / "latest"))
    args = parse(parser, argv)
    port = free_port()
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[bench {time.monotonic() - started:6.1f}s] {message}", flush=True)

    sys.path.insert(0, str(BASE_DIR))
    os.chdir(BASE_DIR)
    load_before = [round(x, 2) for x in os.getloadavg()]
    configure_environment(args)
    ensure_database(args.database_url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    seeded = prepare_data(log, args.factor)
    removed = erase_earlier_runs()
    log(f"removed what earlier runs added: {removed}")
    actors = prepare_actors(args.school, signer_limit=5000)
    database_tune(args.database_url)  # after the sign-ins: the sessions are counted too
    log(f"signed in: staff, head, chair and {len(actors.signers)} people with a version to sign")
    from django.db import connections

    connections.close_all()

    sink = SmtpSink(args.smtp_port)
    processes = Processes()
    results: list[dict] = []
    try:
        sink.start()
        processes.start(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "conduct_portal",
                "worker",
                "-Q",
                "celery,urgent",
                "--concurrency",
                "1",
                "--loglevel",
                "WARNING",
            ],
            RESULTS / "worker.log",
        )
        server = processes.start(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "bench.wsgi:application",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            RESULTS / "gunicorn.log",
        )
        wait_until_up(port, server)
        meter = CpuMeter([p.pid for _, p in processes.running], args.database_url)
        log(f"gunicorn ({args.workers} workers) on {HOST}:{port}, worker and SMTP sink up")
        chosen = set(args.only.split(",")) if args.only else None
        for endpoint in endpoints(actors):
            if chosen and endpoint.name not in chosen and not endpoint.is_floor:
                continue
            start = 0
            if endpoint.pool is None and args.warmup_seconds:
                saturate(port, endpoint, args.concurrency, args.warmup_seconds, 10**6)
            fixed = fixed_rate(port, endpoint, args.fixed_rate, args.fixed_seconds, start)
            start += len(fixed.latencies) + fixed.errors
            cpu_before = meter.seconds()
            sat, elapsed = saturate(
                port, endpoint, args.concurrency, args.saturation_seconds, start
            )
            cpu = CpuMeter.spent(cpu_before, meter.seconds())
            result = summarise(endpoint, fixed, sat, elapsed)
            served = len(sat.latencies) + sat.errors
            result["server_cpu_ms_per_request"] = round(cpu * 1000 / served, 2) if served else None
            results.append(result)
            log(
                f"{endpoint.name:15} sat {result['saturation']['rps']:>7} rps  "
                f"p50 {result['fixed_rate']['p50_ms']} p95 {result['fixed_rate']['p95_ms']} "
                f"p99 {result['fixed_rate']['p99_ms']} ms  errors "
                f"{fixed.errors + sat.errors}  queries {result['queries']}"
            )
        # Let the worker deliver the reports' e-mail: until the sink has had none for 3 s.
        deadline, last = time.monotonic() + 30, -1
        while time.monotonic() < deadline and sink.messages != last:
            last = sink.messages
            time.sleep(3)
    finally:
        processes.stop_all()
        sink.stop()
        log("stopped gunicorn, the worker and the SMTP sink")

    judge(results)
    report = {
        "finished_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "config": {
            "gunicorn_workers": args.workers,
            "cpus": os.cpu_count(),
            "fixed_rate": args.fixed_rate,
            "fixed_seconds": args.fixed_seconds,
            "saturation_seconds": args.saturation_seconds,
            "concurrency": args.concurrency,
            "warmup_seconds": args.warmup_seconds,
            "school": args.school,
            "factor": args.factor,
            "database": urllib.parse.urlparse(args.database_url).path.lstrip("/"),
            # Anything else running on the machine takes CPU from the server: compare runs only
            # with a load average near zero before the start.
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            **seeded,
        },
        "emails_received_by_sink": sink.messages,
        "run_seconds": round(time.monotonic() - started, 1),
        "endpoints": results,
    }
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    missed = [r["name"] for r in results if not all(r["budgets"].values())]
    log(f"done; budgets missed by: {', '.join(missed) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
