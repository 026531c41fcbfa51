"""Encrypted backups of the database and the private evidence files, and their restore.

One file holds everything: a manifest, the database as `pg_dump --format=custom` and the files
under PRIVATE_MEDIA_ROOT as a tar, one after the other, encrypted as they are written. Nothing
is written to disk unencrypted, and without BACKUP_KEY the file is noise.

The encryption: AES-256-GCM in chunks of 1 MiB under a key derived (HKDF) from BACKUP_KEY and
a random salt in the file's header, so no two backups share a key. Each chunk's nonce is its
number and whether it is the last, and the header is authenticated with every chunk: a chunk
changed, reordered, dropped or cut off at the end makes the file refuse to decrypt. The header
also carries a check value of the derived key, so a wrong key is told apart from damage.
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connections
from django.utils import timezone

MAGIC = b"CONDUCT-PORTAL-BACKUP 1\n"
SALT_BYTES = 16
CHECK_BYTES = 32
HEADER_BYTES = len(MAGIC) + SALT_BYTES + CHECK_BYTES
CHUNK = 1 << 20
KEY_VARIABLE = "BACKUP_KEY"

# Owners and grants are the old server's: the restoring role owns everything it restores.
DUMP_OPTIONS = ["--format=custom", "--no-owner", "--no-privileges"]
RESTORE_OPTIONS = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]

MANIFEST = "manifest.json"
DATABASE = "database.pgdump"
MEDIA = "private_media.tar"


class BackupError(Exception):
    """Something the person running backup or restore must be told, in plain words."""


def key_new() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def key_from_environment() -> bytes:
    raw = os.environ.get(KEY_VARIABLE, "").strip()
    if not raw:
        raise BackupError(
            f"{KEY_VARIABLE} is not set. `python manage.py backup --new-key` prints a new one; "
            "keep it apart from the backups (a password manager, a sealed envelope in the safe)."
        )
    try:
        key = base64.urlsafe_b64decode(raw.encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(f"{KEY_VARIABLE} must be 32 bytes in URL-safe base64 (see --new-key).")
    return key


def _file_key(key: bytes, salt: bytes) -> tuple[AESGCM, bytes]:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"conduct-portal backup 1"
    ).derive(key)
    check = hmac.new(derived, b"key check", hashlib.sha256).digest()
    return AESGCM(derived), check


def _nonce(number: int, final: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class EncryptingWriter:
    """A write-only stream that encrypts what it is given into `out`, chunk by chunk."""

    def __init__(self, out: BinaryIO, key: bytes) -> None:
        salt = os.urandom(SALT_BYTES)
        self._aead, check = _file_key(key, salt)
        self._header = MAGIC + salt + check
        self._out = out
        self._out.write(self._header)
        self._buffer = bytearray()
        self._number = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        """Writes the last chunk, marked as the last: a file without it is cut off."""
        self._emit(bytes(self._buffer), final=True)
        self._buffer.clear()

    def _emit(self, chunk: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._number, final), chunk, self._header)
        self._out.write(len(sealed).to_bytes(4, "big") + sealed)
        self._number += 1


class DecryptingReader:
    """A read-only stream of what EncryptingWriter was given; refuses a wrong key or damage."""

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        header = source.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
            raise BackupError("This is not a Conduct Portal backup (or its beginning is missing).")
        salt = header[len(MAGIC) : len(MAGIC) + SALT_BYTES]
        self._aead, check = _file_key(key, salt)
        if not hmac.compare_digest(check, header[-CHECK_BYTES:]):
            raise BackupError(
                f"Wrong key: this backup was not made with this {KEY_VARIABLE}. Nothing was "
                "restored."
            )
        self._header = header
        self._source = source
        self._buffer = bytearray()
        self._number = 0
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._buffer += self._next_chunk()
        if size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _next_chunk(self) -> bytes:
        length = self._source.read(4)
        sealed = self._source.read(int.from_bytes(length, "big")) if len(length) == 4 else b""
        if not sealed:
            raise BackupError("The backup is cut off: it ends before its last part.")
        for final in (False, True):
            try:
                chunk = self._aead.decrypt(_nonce(self._number, final), sealed, self._header)
            except InvalidTag:
                continue
            self._number += 1
            self._done = final
            return chunk
        raise BackupError(f"The backup is damaged: part {self._number + 1} fails its check.")


# The encrypted stream holds entries one after the other: b"F", the name's length (2 bytes) and
# name, then frames of (4-byte length, data) ending with an empty frame; b"E" ends the stream.
# Frames let pg_dump's output be written as it comes, without knowing its size first.


class _EntryWriter:
    def __init__(self, stream: EncryptingWriter) -> None:
        self._stream = stream

    def write(self, data: bytes) -> int:
        if data:
            self._stream.write(len(data).to_bytes(4, "big") + bytes(data))
        return len(data)


@contextmanager
def _entry(stream: EncryptingWriter, name: str) -> Iterator[_EntryWriter]:
    encoded = name.encode()
    stream.write(b"F" + len(encoded).to_bytes(2, "big") + encoded)
    yield _EntryWriter(stream)
    stream.write((0).to_bytes(4, "big"))


class _EntryReader:
    def __init__(self, stream: DecryptingReader) -> None:
        self._stream = stream
        self._left = 0
        self.finished = False

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while not self.finished and (size < 0 or len(out) < size):
            if not self._left:
                self._left = int.from_bytes(_exactly(self._stream, 4), "big")
                if not self._left:
                    self.finished = True
                    break
            take = self._left if size < 0 else min(self._left, size - len(out))
            out += _exactly(self._stream, take)
            self._left -= take
        return bytes(out)

    def drain(self) -> None:
        while not self.finished:
            self.read(CHUNK)


def _exactly(stream: DecryptingReader, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise BackupError("The backup is cut off in the middle of an entry.")
    return data


def _entries(stream: DecryptingReader) -> Iterator[tuple[str, _EntryReader]]:
    while True:
        kind = _exactly(stream, 1)
        if kind == b"E":
            return
        if kind != b"F":
            raise BackupError("The backup's contents are not in the expected form.")
        name = _exactly(stream, int.from_bytes(_exactly(stream, 2), "big")).decode()
        reader = _EntryReader(stream)
        yield name, reader
        reader.drain()


def _postgresql(using: str = "default") -> tuple[dict[str, str], str]:
    """The environment pg_dump and pg_restore connect with (no password on a command line)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise BackupError(
            "backup and restore work on PostgreSQL. The SQLite demo is one file (db.sqlite3): "
            "stop the server and copy it."
        )
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for variable, key in [("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")]:
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env, db["NAME"]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _media_root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT)


def backup_create(*, to: Path, key: bytes, using: str = "default") -> Path:
    """Write one encrypted, dated backup into the directory `to`; return its path."""
    env, _ = _postgresql(using)
    pg_dump = _tool("pg_dump")
    to.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    target = to / f"conduct-portal-{stamp}.backup"
    partial = to / f".{target.name}.partial"
    manifest = {
        "format": 1,
        "created_at": timezone.now().isoformat(),
        "database": connections[using].settings_dict["NAME"],
    }
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(descriptor, "wb") as out, tempfile.TemporaryFile() as errors:
            stream = EncryptingWriter(out, key)
            with _entry(stream, MANIFEST) as entry:
                entry.write(json.dumps(manifest).encode())
            with _entry(stream, DATABASE) as entry:
                dump = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
                    [pg_dump, *DUMP_OPTIONS],
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    env=env,
                )
                assert dump.stdout is not None  # noqa: S101 - Popen with PIPE gives a stream
                while block := dump.stdout.read(CHUNK):
                    entry.write(block)
                if dump.wait() != 0:
                    errors.seek(0)
                    raise BackupError("pg_dump failed: " + errors.read().decode(errors="replace"))
            with _entry(stream, MEDIA) as entry, tarfile.open(fileobj=entry, mode="w|") as tar:
                if _media_root().is_dir():
                    tar.add(_media_root(), arcname=".")
            stream.write(b"E")
            stream.close()
            out.flush()
            os.fsync(out.fileno())
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def backup_check(*, path: Path, key: bytes) -> dict:
    """Decrypt the whole backup without writing anything: a damaged or cut-off file, or a wrong
    key, is refused before a restore touches the database. Returns its manifest."""
    manifest: dict = {}
    with open(path, "rb") as source:
        for name, entry in _entries(DecryptingReader(source, key)):
            if name == MANIFEST:
                manifest = json.loads(entry.read())
    if not manifest:
        raise BackupError("The backup has no manifest.")
    return manifest


def _database_tables(using: str) -> list[str]:
    return connections[using].introspection.table_names()


def _media_files() -> list[Path]:
    root = _media_root()
    return [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []


@dataclass
class Verification:
    signoffs: int = 0
    evidence: int = 0
    problems: list[str] = field(default_factory=list)


def restored_verify() -> Verification:
    """Every sign-off's hash against its version's text, every evidence file against its row."""
    from acknowledgements.models import SignOff
    from incidents.models import Evidence
    from policies.models import PolicyVersion, content_sha256

    result = Verification()
    versions = PolicyVersion.objects.filter(signoffs__isnull=False).distinct()
    for version in versions.prefetch_related("clauses"):
        text_hash = content_sha256(list(version.clauses.order_by("position")))
        if text_hash != version.content_sha256:
            result.problems.append(f"policy version {version.pk}: its text does not match its hash")
        for signoff_id, signed_hash in SignOff.objects.filter(version=version).values_list(
            "pk", "text_sha256"
        ):
            result.signoffs += 1
            if signed_hash != text_hash:
                result.problems.append(f"sign-off {signoff_id}: hash does not match the text")
    for evidence in Evidence.objects.all():
        result.evidence += 1
        try:
            digest = hashlib.sha256(evidence.path.read_bytes()).hexdigest()
        except FileNotFoundError:
            result.problems.append(f"evidence {evidence.pk}: its file is missing")
            continue
        if digest != evidence.sha256:
            result.problems.append(f"evidence {evidence.pk}: file does not match its SHA-256")
    return result


def backup_restore(
    *, path: Path, key: bytes, force: bool = False, using: str = "default"
) -> Verification:
    """Restore a backup into this database and PRIVATE_MEDIA_ROOT, then verify it.

    Refuses a database with any table, or evidence files already there, unless `force`: then
    everything in the database is dropped first (DROP SCHEMA: the immutability triggers guard
    rows, not the schema) and files are written over those of the same name.
    """
    env, name = _postgresql(using)
    pg_restore = _tool("pg_restore")
    tables, files = _database_tables(using), _media_files()
    if (tables or files) and not force:
        raise BackupError(
            f"Refusing to restore over data: the database {name} has {len(tables)} tables and "
            f"{_media_root()} has {len(files)} files. Restore into a fresh database and an empty "
            "directory, or pass --force to replace them."
        )
    backup_check(path=path, key=key)
    connection = connections[using]
    if tables:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()
    with open(path, "rb") as source, tempfile.TemporaryFile() as errors:
        for entry_name, entry in _entries(DecryptingReader(source, key)):
            if entry_name == DATABASE:
                # One transaction: a restore that fails leaves the database as it was.
                restore = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
                    [pg_restore, *RESTORE_OPTIONS, "--dbname", name],
                    stdin=subprocess.PIPE,
                    stderr=errors,
                    env=env,
                )
                assert restore.stdin is not None  # noqa: S101
                try:
                    while block := entry.read(CHUNK):
                        restore.stdin.write(block)
                    restore.stdin.close()
                except BrokenPipeError:
                    pass  # pg_restore stopped early: its exit status and message say why
                if restore.wait() != 0:
                    errors.seek(0)
                    raise BackupError(
                        "pg_restore failed: " + errors.read().decode(errors="replace")
                    )
            elif entry_name == MEDIA:
                _media_root().mkdir(parents=True, exist_ok=True)
                with tarfile.open(fileobj=entry, mode="r|") as tar:
                    # The "data" filter refuses absolute paths, links out of the directory and
                    # device files: a backup cannot write outside PRIVATE_MEDIA_ROOT.
                    tar.extractall(_media_root(), filter="data")
    return restored_verify()
