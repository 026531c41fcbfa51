"""`make profile`: where each benchmarked page spends its time, by cProfile, as the bench runs it.

The same database, data, settings (production + bench), signed-in people and requests as `make
bench`, but served in this one process by the same WSGI application gunicorn runs, so the
profiler sees every call of the request: middleware, view, ORM, templates. For each endpoint it
warms up, measures REQUESTS requests' CPU time (this process's and its PostgreSQL backend's),
profiles REQUESTS more and writes, to bench/results/profile.md, the share of the time spent in
what a Django page is made of (running SQL, compiling SQL, rendering templates and widgets,
loading the session), the functions with the most time of their own, and the portal's
functions with the most time with what they call.

Nothing here is served over the network; the requests are the benchmark's own.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import run  # noqa: E402

REQUESTS = 200
WARMUP = 20
TOP = 12
# What a page is made of: the cumulative time of the outermost call of each of these (a
# category's share includes what it calls, so SQL run from a template counts in both).
PARTS = {
    "running SQL (waiting for the database included)": (
        "django.db.backends.utils.CursorWrapper._execute"
    ),
    "compiling SQL": "django.db.models.sql.compiler.SQLCompiler.as_sql",
    "rendering templates": "django.template.base.Template.render",
    "rendering form widgets": "django.forms.boundfield.BoundField.as_widget",
    "loading the session": "django.contrib.sessions.backends.db.SessionStore.load",
}


def environ_for(method: str, path: str, session: str | None, body: dict | None) -> dict:
    from wsgiref.util import setup_testing_defaults

    path, _, query = path.partition("?")
    data = b""
    cookie = f"csrftoken={run.CSRF}" + (f"; sessionid={session}" if session else "")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": run.HOST,
        "HTTP_HOST": run.HOST,
        "HTTP_COOKIE": cookie,
        "HTTP_USER_AGENT": run.MARKER,
        "REMOTE_ADDR": run.HOST,
    }
    if body is not None:
        data = urllib.parse.urlencode({**body, "csrfmiddlewaretoken": run.CSRF}).encode()
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    environ["CONTENT_LENGTH"] = str(len(data))
    environ["wsgi.input"] = io.BytesIO(data)
    setup_testing_defaults(environ)
    return environ


def serve(application, endpoint: run.Endpoint, i: int) -> str:
    """One request through the WSGI application; its status line."""
    method, path, session, body, _, _ = endpoint.make(i)
    status = []
    result = application(environ_for(method, path, session, body), lambda s, h: status.append(s))
    try:
        for _chunk in result:
            pass
    finally:
        getattr(result, "close", lambda: None)()
    return status[0]


def code_key(dotted: str) -> tuple[str, int, str]:
    """The profiler's key of a function named by its dotted path."""
    module, _, qualname = dotted.partition(".")
    target = __import__(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    code = target.__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def database_backend() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def backend_seconds(pid: int) -> float:
    """CPU seconds the PostgreSQL backend has used (it runs on this machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cumulative(stats: pstats.Stats, dotted: str) -> float:
    row = stats.stats.get(code_key(dotted))
    return row[3] if row else 0.0


def own_code(key: tuple) -> bool:
    """The portal's functions, without `__call__`s: the portal's are its middleware's, each
    holding the whole rest of the request, which would fill the table with the same 90%."""
    filename, _, function = key
    return (
        filename.startswith(str(BASE_DIR))
        and "/.venv/" not in filename
        and not filename.startswith(str(BASE_DIR / "bench"))
        and function != "__call__"
    )


def short(key: tuple) -> str:
    filename, line, function = key
    for marker in ("site-packages/", str(BASE_DIR) + "/", "lib/python3"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({function})" if line else function


def profile_endpoint(
    application, endpoint: run.Endpoint, requests: int, offset: int, dump: Path | None
) -> str:
    count = min(requests, (endpoint.pool - offset) // 2) if endpoint.pool else requests
    if endpoint.pool is None:
        for i in range(WARMUP):
            serve(application, endpoint, 10**6 + i)
    # First without the profiler: this process's CPU time per request, steadier on a shared
    # machine than the wall clock, and its database backend's (PostgreSQL on this machine).
    backend = database_backend()
    cpu, database = time.process_time(), backend_seconds(backend)
    for i in range(count):
        serve(application, endpoint, offset + i)
    cpu_ms = (time.process_time() - cpu) * 1000 / count
    database_ms = (backend_seconds(backend) - database) * 1000 / count
    if database_backend() != backend:
        database_ms = float("nan")  # the connection was replaced: its CPU is not all counted
    profiler = cProfile.Profile()
    profiler.enable()
    statuses = [serve(application, endpoint, offset + count + i) for i in range(count)]
    profiler.disable()
    stats = pstats.Stats(profiler)
    if dump:
        dump.mkdir(parents=True, exist_ok=True)
        stats.dump_stats(dump / f"{endpoint.name}.prof")
    total = sum(row[2] for row in stats.stats.values())  # every function's own time
    lines = [
        f"### {endpoint.label}",
        "",
        f"{count} requests, each {cpu_ms:.1f} ms of this process's CPU and {database_ms:.1f} ms "
        f"of its PostgreSQL backend's (without the profiler), statuses {sorted(set(statuses))}.",
        "",
        "| part | share |",
        "| --- | ---: |",
    ]
    for label, dotted in PARTS.items():
        lines.append(f"| {label} | {cumulative(stats, dotted) / total:.0%} |")
    lines += ["", "| own time | calls | function |", "| ---: | ---: | --- |"]
    top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:TOP]
    for key, (_, calls, own, _, _) in top:
        lines.append(f"| {own / total:.1%} | {calls // count} | `{short(key)}` |")
    lines += ["", "| with what it calls | calls | the portal's function |", "| ---: | ---: | --- |"]
    ours = [item for item in stats.stats.items() if own_code(item[0])]
    for key, (_, calls, _, cum, _) in sorted(ours, key=lambda item: -item[1][3])[:TOP]:
        lines.append(f"| {cum / total:.0%} | {calls / count:g} | `{short(key)}` |")
    return "\n".join(lines) + "\n"


def plans_of(application, endpoint: run.Endpoint) -> str:
    """Every SELECT one request of the endpoint makes, with PostgreSQL's plan as it ran it
    (EXPLAIN ANALYZE, on the same connection with the same parameters)."""
    from django.core.cache import cache
    from django.db import connection

    serve(application, endpoint, 0)  # warm: the session's once-a-minute save is behind us
    ran: list[tuple[str, object]] = []

    def keep(execute, sql, params, many, context):
        ran.append((sql, params))
        return execute(sql, params, many, context)

    cache.clear()  # what the page computes, not what it kept: the dashboard counts afresh
    with connection.execute_wrapper(keep):
        status = serve(application, endpoint, 1)
    lines = [
        f"### {endpoint.label}",
        "",
        f"One request ({status}) with nothing in the cache, its queries in order.",
        "",
    ]
    for sql, params in ran:
        if not sql.lstrip(" (").upper().startswith("SELECT"):
            lines += [f"- not a SELECT: `{sql[:80]}…`", ""]
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        lines += ["```", sql[:300] + ("…" if len(sql) > 300 else ""), *plan, "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    run.database_args(parser)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--only", help="comma-separated endpoint names")
    parser.add_argument("--out", default=str(run.RESULTS / "profile.md"))
    parser.add_argument("--dump", type=Path, help="a directory for each endpoint's pstats file")
    parser.add_argument(
        "--plans", action="store_true", help="write each query's plan (EXPLAIN ANALYZE) instead"
    )
    args = run.parse(parser, argv)  # nothing listens on its SMTP port: no e-mail is sent
    os.chdir(BASE_DIR)
    run.configure_environment(args)
    # Its own broker database, emptied at the end: the reports' e-mails are never sent.
    broker = os.environ["CELERY_BROKER_URL"] = args.redis_url.rstrip("/") + "/9"
    run.ensure_database(args.database_url)
    run.prepare_data(print, args.factor)
    run.erase_earlier_runs()
    actors = run.prepare_actors(args.school, signer_limit=2 * args.requests)
    run.database_tune(args.database_url)
    from django.db import connection

    connection.close()  # the next one has the database's settings

    from bench.wsgi import application

    chosen = set(args.only.split(",")) if args.only else None
    endpoints = [e for e in run.endpoints(actors) if not chosen or e.name in chosen]
    if args.plans:
        title = f"Query plans, {args.factor}× trust scale"
        sections = [plans_of(application, endpoint) for endpoint in endpoints]
    else:
        title = f"Profile of the benchmarked pages, {args.factor}× trust scale"
        sections = [
            profile_endpoint(application, endpoint, args.requests, 0, args.dump)
            for endpoint in endpoints
        ]
    import redis

    redis.Redis.from_url(broker).flushdb()
    text = f"# {title}\n\n" + "\n".join(sections)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
