"""Dates on a case's chronology read as they do everywhere else: "1 December 2026"."""

import datetime

from django.utils import timezone

from incidents.models import Agency, Category
from incidents.selectors import case_for, chronology
from incidents.triage import case_acknowledge, case_correct, case_refer
from tests.reports import submit


def test_a_referral_and_a_correction_give_the_day_without_a_leading_zero(se):
    incident = submit(se.teacher, se.school, category=Category.PREVENT)
    case_acknowledge(incident=incident, by=se.dsl)
    referral = case_refer(
        incident=incident, by=se.dsl, agency=Agency.CHANNEL,
        referred_on=datetime.date(2026, 11, 1), reference="CH-1",
    )  # fmt: skip
    case_correct(incident=incident, entry=referral, by=se.dsl, text="The reference is CH-2.")
    items = chronology(case_for(incident))
    [referred] = [item for item in items if item.what.startswith("Referred to")]
    assert referred.detail == "on 1 November 2026, their reference CH-1"
    [correction] = [item for item in items if item.what.startswith("Correction")]
    assert "entry of 0" not in correction.what
    day = timezone.localtime(referral.at).day
    assert correction.what.startswith(f"Correction to the entry of {day} ")
