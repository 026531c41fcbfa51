"""Real services on loopback for the reliability tests: Redis, Celery workers, an SMTP relay.

Every process is started in its own session and killed with its whole group at teardown, and
every wait has a deadline, so a failing test neither hangs nor leaves processes behind.
"""

import contextlib
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"gave up after {timeout}s waiting for {what}")


class Processes:
    """Started processes, each in its own process group, all killed by stop_all()."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen] = []

    def start(self, args: list[str], *, env: dict, log: Path) -> subprocess.Popen:
        with log.open("ab") as out:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def stop_all(self) -> None:
        for process in reversed(self.running):
            with contextlib.suppress(ProcessLookupError):
                self.kill(process, signal.SIGTERM)
        self.running.clear()


class Redis:
    def __init__(self, processes: Processes, tmp: Path, port: int | None = None) -> None:
        self.processes = processes
        self.tmp = tmp
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Redis":
        self.process = self.processes.start(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.tmp)],
            env=dict(os.environ),
            log=self.tmp / f"redis-{self.port}.log",
        )  # fmt: skip
        wait_until(self.ping, timeout=15, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def queue_length(self, queue: str) -> int:
        return redis.Redis(port=self.port).llen(queue)


class Worker:
    """A `celery -A conduct_portal worker` process, as production runs it."""

    def __init__(self, processes: Processes, env: dict, log: Path, queues: str) -> None:
        self.log = log
        name = f"{log.stem}@127.0.0.1"
        self.process = processes.start(
            [sys.executable, "-m", "celery", "-A", "conduct_portal", "worker", "--pool=solo",
             "-Q", queues, "-n", name, "--loglevel=INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            env=env,
            log=log,
        )  # fmt: skip
        wait_until(self.ready, timeout=60, what=f"the worker to be ready (log: {log})")

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited: {self.log.read_text()[-3000:]}")
        return self.log.exists() and " ready." in self.log.read_text()


class SMTPRelay:
    """A minimal SMTP server that keeps the messages it accepts.

    With `stall_next` set, it reads the next message to its end and then never answers, like a
    relay that hangs mid-delivery; the message counts only if the server says 250.
    """

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.stall_next = False
        self.stalled = threading.Event()
        relay = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self) -> None:
                recipients: list[str] = []
                self.reply("220 relay.test ESMTP")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb == b"EHLO":
                        self.reply("250-relay.test")
                        self.reply("250 8BITMIME")
                    elif verb == b"RCPT":
                        recipients.append(line.decode().split(":", 1)[1].strip(" <>\r\n"))
                        self.reply("250 OK")
                    elif verb == b"DATA":
                        self.reply("354 go ahead")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk
                        if relay.stall_next:
                            relay.stall_next = False
                            relay.stalled.set()
                            while self.rfile.readline():  # until the client goes away
                                pass
                            return
                        relay.messages.append((recipients, data))
                        recipients = []
                        self.reply("250 queued")
                    elif verb == b"QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 OK")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def sent_to(self) -> list[str]:
        return sorted(address for recipients, _ in self.messages for address in recipients)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
