"""A backup, the database wiped, the backup restored: every sign-off's hash and every evidence
file's SHA-256 still check out, and a backup is useless without its key.

On PostgreSQL (as CI runs it): pg_dump and pg_restore do the work, in other processes, so the
data is committed (transactional_db). "Wiped" is a fresh database: the schema is dropped, which
the immutability triggers (guarding rows, not the schema) cannot refuse.
"""

import base64
import hashlib
import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from acknowledgements.models import SignOff
from incidents.models import Evidence
from ops.backup import CHUNK, BackupError, DecryptingReader, EncryptingWriter, key_new
from policies.models import content_sha256
from tests.acknowledgements.test_signoff import sign
from tests.reports import pdf, png, submit
from tests.support import require

KEY = key_new()


@pytest.fixture
def postgresql(transactional_db):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    require(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump and pg_restore")


@pytest.fixture
def backup_key(monkeypatch):
    monkeypatch.setenv("BACKUP_KEY", KEY)
    return KEY


def wipe(private_media) -> None:
    """What a lost server leaves: no tables at all, no evidence files."""
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    shutil.rmtree(private_media, ignore_errors=True)
    assert connection.introspection.table_names() == []


def snapshot() -> dict:
    return {
        "signoffs": sorted(SignOff.objects.values_list("pk", "user__email", "text_sha256")),
        "evidence": sorted(Evidence.objects.values_list("pk", "stored_name", "sha256")),
    }


def assert_everything_checks_out() -> None:
    signoffs = list(SignOff.objects.select_related("version"))
    assert signoffs
    for signoff in signoffs:
        clauses = list(signoff.version.clauses.order_by("position"))
        assert signoff.text_sha256 == content_sha256(clauses) == signoff.version.content_sha256
    evidence = list(Evidence.objects.all())
    assert evidence
    for item in evidence:
        assert hashlib.sha256(item.path.read_bytes()).hexdigest() == item.sha256


def test_a_backup_restored_into_a_fresh_database_keeps_every_hash(
    postgresql, backup_key, tmp_path, private_media, se, se_policy, capsys
):
    for person in (se.head, se.teacher, se.dsl):
        sign(person, se_policy)
    submit(se.teacher, se.school, files=[png("post.png"), pdf("letter.pdf")])
    before = snapshot()
    assert len(before["signoffs"]) == 3 and len(before["evidence"]) == 2

    call_command("backup", "--to", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").glob("conduct-portal-*.backup")
    assert (backup.stat().st_mode & 0o777) == 0o600
    raw = backup.read_bytes()
    # Encrypted: neither a person's e-mail, the policy text nor the PNG's bytes are in it.
    assert se.teacher.email.encode() not in raw
    assert b"social media" not in raw.lower() and b"IHDR" not in raw

    with pytest.raises(CommandError, match="Refusing to restore over data"):
        call_command("restore", str(backup))

    wipe(private_media)
    call_command("restore", str(backup))
    assert "3 sign-offs match their policy text, 2 evidence files match" in capsys.readouterr().out
    assert snapshot() == before
    assert_everything_checks_out()

    # Over a database that has data, --force replaces it.
    call_command("restore", str(backup), "--force")
    assert snapshot() == before
    assert_everything_checks_out()


def test_a_backup_with_the_wrong_key_is_refused_and_nothing_is_touched(
    postgresql, backup_key, tmp_path, private_media, se, se_policy, monkeypatch
):
    sign(se.teacher, se_policy)
    call_command("backup", "--to", str(tmp_path))
    (backup,) = tmp_path.glob("conduct-portal-*.backup")
    before = snapshot()

    monkeypatch.setenv("BACKUP_KEY", key_new())
    with pytest.raises(CommandError, match="Wrong key: this backup was not made with this"):
        call_command("restore", str(backup), "--force")
    assert snapshot() == before


def test_a_damaged_backup_is_refused_before_the_database_is_touched(
    postgresql, backup_key, tmp_path, private_media, se, se_policy
):
    sign(se.teacher, se_policy)
    call_command("backup", "--to", str(tmp_path))
    (backup,) = tmp_path.glob("conduct-portal-*.backup")
    data = bytearray(backup.read_bytes())
    data[-100] ^= 0x01
    backup.write_bytes(bytes(data))
    before = snapshot()
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(backup), "--force")
    assert snapshot() == before


def test_without_a_key_backup_says_how_to_make_one(db, tmp_path, monkeypatch):
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    with pytest.raises(CommandError, match=r"BACKUP_KEY is not set.*--new-key"):
        call_command("backup", "--to", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def encrypt(data: bytes, key: bytes) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key)
    writer.write(data)
    writer.close()
    return out.getvalue()


def test_the_encryption_round_trips_across_chunks_and_refuses_a_cut_off_file():
    key = base64.urlsafe_b64decode(key_new())
    data = bytes(range(256)) * (CHUNK // 256 * 2 + 7)  # two whole chunks and a part
    sealed = encrypt(data, key)
    assert DecryptingReader(io.BytesIO(sealed), key).read() == data
    # Dropping the last chunk leaves a file that still decrypts chunk by chunk: refused.
    last = len(sealed) - (len(data) - 2 * CHUNK + 16 + 4)
    with pytest.raises(BackupError, match="cut off"):
        DecryptingReader(io.BytesIO(sealed[:last]), key).read()
