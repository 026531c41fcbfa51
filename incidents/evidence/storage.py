"""Evidence on disk: written so that a transaction that fails leaves no file behind.

A file is written under its final random name in `evidence/.incoming/` and moved into
`evidence/` only when the transaction that records it commits (`transaction.on_commit`). Django
has no hook for a rollback, so:

- a function that stores evidence in its own transaction is wrapped in
  `removed_unless_committed` (outside its `@transaction.atomic`): if it or its commit fails,
  every file it wrote is removed there and then;
- a transaction rolled back further out (the caller's) cannot be seen: its files stay in
  `.incoming/`, never in `evidence/`, and `evidence_sweep` (daily) removes them.

The sweep removes any file, in either folder, that no Evidence row names and that is more than
an hour old (younger ones may belong to a report being saved right now).
"""

import contextlib
import datetime
import functools
import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

from django.db import transaction

from incidents.models import Evidence, evidence_root

logger = logging.getLogger(__name__)

INCOMING = ".incoming"
SWEEP_MIN_AGE = datetime.timedelta(hours=1)

P = ParamSpec("P")
R = TypeVar("R")

# The names written by the removed_unless_committed call in progress, if any.
_written: ContextVar[list[str] | None] = ContextVar("evidence_written", default=None)


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    sha256: str
    size: int


def incoming_root() -> Path:
    return evidence_root() / INCOMING


def store(data: bytes) -> StoredFile:
    """Write `data` under a random name, readable by the portal's user only, to appear in the
    evidence folder when the current transaction commits. The SHA-256 is of exactly `data`."""
    root = evidence_root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    incoming_root().mkdir(mode=0o700, exist_ok=True)
    stored_name = secrets.token_hex(24)
    written = _written.get()
    if written is not None:
        written.append(stored_name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(incoming_root() / stored_name, flags, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    # robust: a failed move must not stop the other callbacks of the commit (the report's
    # notifications); the row is committed, and the sweep finishes the move.
    transaction.on_commit(functools.partial(_publish, stored_name), robust=True)
    return StoredFile(stored_name, hashlib.sha256(data).hexdigest(), len(data))


def _publish(stored_name: str) -> None:
    os.rename(incoming_root() / stored_name, evidence_root() / stored_name)
    _sync_folder(evidence_root())


def _sync_folder(folder: Path) -> None:
    """Make a rename durable: without it a power cut can undo the move after the commit."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def discard(stored_names: list[str]) -> None:
    """Remove files written for a report that was then not saved, or deleted, wherever they are."""
    for stored_name in stored_names:
        for folder in (evidence_root(), incoming_root()):
            with contextlib.suppress(FileNotFoundError):
                (folder / stored_name).unlink()


def removed_unless_committed(function: Callable[P, R]) -> Callable[P, R]:
    """Put outside `@transaction.atomic` on a service that stores evidence: if the service
    raises, or its transaction fails to commit, the files it wrote are removed."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        written: list[str] = []
        token = _written.set(written)
        try:
            return function(*args, **kwargs)
        except BaseException:
            discard(written)
            raise
        finally:
            _written.reset(token)

    return wrapper


def evidence_sweep(*, min_age: datetime.timedelta = SWEEP_MIN_AGE) -> list[str]:
    """Remove every file of the evidence folders that no Evidence row names and that is older
    than `min_age`; finish moving a named file a failed commit callback left in `.incoming/`.
    Returns the names removed. Each removal is logged with the file's (random) name only."""
    cutoff = time.time() - min_age.total_seconds()
    candidates: list[Path] = []
    for folder in (evidence_root(), incoming_root()):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            info = path.lstat()
            if path.is_dir() and not path.is_symlink():
                continue  # .incoming itself, or a folder nobody here made: left alone
            if info.st_mtime < cutoff:
                candidates.append(path)
    named: set[str] = set()
    names = sorted({path.name for path in candidates})
    for start in range(0, len(names), 1000):
        named.update(
            Evidence.objects.filter(stored_name__in=names[start : start + 1000]).values_list(
                "stored_name", flat=True
            )
        )
    removed = []
    for path in candidates:
        if path.name in named:
            final = evidence_root() / path.name
            if path.parent != evidence_root() and not final.exists():
                os.rename(path, final)
                logger.warning("Evidence sweep moved %s into place after its commit", path.name)
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path.name)
            logger.info("Evidence sweep removed %s, which no evidence record names", path.name)
    return removed
