"""Evidence files and transactions: a file appears in the evidence folder only when its report
commits, a failure leaves no file, and the daily sweep removes what a rollback left behind."""

import logging
import os
import time

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connections, transaction

import incidents.tasks  # noqa: F401 - registers the Celery task the beat entry names
from conduct_portal.celery import app
from incidents.evidence import evidence_sweep
from incidents.models import Evidence, Incident
from tests.reports import pdf, png, submit

HOUR = 60 * 60


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def aged(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def evidence_dir(private_media):
    return private_media / "evidence"


@pytest.fixture
def incoming(evidence_dir):
    return evidence_dir / ".incoming"


def test_a_file_appears_in_the_evidence_folder_only_when_its_report_commits(
    se, evidence_dir, incoming, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident = submit(se.teacher, se.school, files=[png()])
        name = incident.evidence.get().stored_name
    assert files_in(evidence_dir) == []
    assert files_in(incoming) == [name]
    for callback in callbacks:
        callback()
    assert files_in(evidence_dir) == [name]
    assert files_in(incoming) == []


@pytest.mark.django_db(transaction=True)
def test_a_report_whose_commit_fails_leaves_no_file_and_no_record(
    st_elisabeths, alice, bob, private_media, monkeypatch
):
    connection = connections["default"]

    def commit_fails() -> None:
        raise DatabaseError("the database went away during COMMIT")

    monkeypatch.setattr(connection, "commit", commit_fails)
    with pytest.raises(DatabaseError):
        submit(bob, st_elisabeths, files=[png(), pdf()])
    monkeypatch.undo()
    assert not Incident.objects.exists()
    assert [p for p in private_media.rglob("*") if p.is_file()] == []


def test_a_report_its_caller_rolls_back_leaves_nothing_in_place_and_the_sweep_removes_the_rest(
    se, evidence_dir, incoming, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submit(se.teacher, se.school, files=[png()])
        raise RuntimeError("the caller's own work failed after the report was saved")
    assert not Incident.objects.exists()
    assert files_in(evidence_dir) == []  # nothing ever appeared where evidence is read
    (left,) = incoming.iterdir()  # Django has no hook for a rollback: the sweep clears it
    aged(left, 2 * HOUR)
    assert evidence_sweep() == [left.name]
    assert files_in(incoming) == []


def test_the_sweep_removes_an_orphan_and_keeps_named_and_fresh_files(
    se, evidence_dir, incoming, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = submit(se.teacher, se.school, files=[png()])
    named = evidence_dir / incident.evidence.get().stored_name
    aged(named, 30 * 24 * HOUR)
    orphan, fresh = evidence_dir / ("a" * 48), evidence_dir / ("b" * 48)
    stale_incoming, fresh_incoming = incoming / ("c" * 48), incoming / ("d" * 48)
    for path in (orphan, fresh, stale_incoming, fresh_incoming):
        path.write_bytes(b"left behind by a rolled-back report")
    aged(orphan, HOUR + 60)
    aged(stale_incoming, 3 * HOUR)
    aged(fresh, HOUR - 60)  # may be a report being saved right now

    with caplog.at_level(logging.INFO, logger="incidents.evidence.storage"):
        removed = evidence_sweep()

    assert sorted(removed) == [orphan.name, stale_incoming.name]
    assert named.exists() and fresh.exists() and fresh_incoming.exists()
    assert not orphan.exists() and not stale_incoming.exists()
    assert Evidence.objects.filter(stored_name=named.name).exists()
    logged = [r.getMessage() for r in caplog.records if r.name == "incidents.evidence.storage"]
    assert logged == [
        f"Evidence sweep removed {name}, which no evidence record names" for name in removed
    ]


def test_the_sweep_finishes_moving_a_named_file_its_commit_left_behind(
    se, evidence_dir, incoming, django_capture_on_commit_callbacks
):
    # The commit happened but its callback, the move into place, did not run (a crash).
    with django_capture_on_commit_callbacks(execute=False):
        incident = submit(se.teacher, se.school, files=[png()])
    evidence = incident.evidence.get()
    aged(incoming / evidence.stored_name, 2 * HOUR)
    assert evidence_sweep() == []
    assert evidence.path.exists() and files_in(incoming) == []


def test_the_sweep_runs_daily_from_beat_and_as_a_command(settings, evidence_dir, db, capsys):
    entry = settings.CELERY_BEAT_SCHEDULE["evidence-sweep"]
    assert entry["task"] == "incidents.sweep_evidence"
    assert "incidents.sweep_evidence" in app.tasks
    evidence_dir.mkdir(parents=True)
    orphan = evidence_dir / ("e" * 48)
    orphan.write_bytes(b"x")
    aged(orphan, 2 * HOUR)
    call_command("sweep_evidence")
    assert "Removed 1 evidence files that no record names." in capsys.readouterr().out
    assert not orphan.exists()
    orphan.write_bytes(b"x")
    aged(orphan, 2 * HOUR)
    assert app.tasks["incidents.sweep_evidence"].apply().get() == 1
    assert not orphan.exists()


def test_the_sweep_of_an_evidence_folder_that_does_not_exist_yet_removes_nothing(db):
    assert evidence_sweep() == []
