"""Times a person reads are local times: the database keeps UTC, London does not."""

import datetime

from incidents.models import CaseEntry, Category, EntryKind
from incidents.selectors import case_for, chronology
from incidents.triage import case_acknowledge, case_correct
from tests.reports import submit


def test_a_correction_names_the_corrected_entry_by_its_local_time(se):
    incident = submit(se.teacher, se.school, category=Category.PREVENT)
    case_acknowledge(incident=incident, by=se.dsl)
    # 23:30 UTC on 30 June 2027 is 00:30 BST on 1 July: the note was written on 1 July.
    note = CaseEntry.objects.create(
        incident=incident, kind=EntryKind.NOTE, author=se.dsl, text="Called the parent",
        at=datetime.datetime(2027, 6, 30, 23, 30, tzinfo=datetime.UTC),
    )  # fmt: skip
    case_correct(incident=incident, entry=note, by=se.dsl, text="Called the carer")
    [correction] = [i for i in chronology(case_for(incident)) if i.what.startswith("Correction")]
    assert "1 Jul 2027" in correction.what
    assert "00:30" in correction.what
    assert "30 Jun" not in correction.what
