"""Reminders to sign (daily from beat): the first and second reminders, then the Head's digest."""

import datetime
import logging
from dataclasses import dataclass
from typing import cast

from django.db import IntegrityError, transaction
from django.utils import timezone

from acknowledgements.models import ReminderStep, SignOff, SignOffReminder
from acknowledgements.selectors import current_versions_for_school
from acknowledgements.services.common import email_on_commit
from lib.batch import run_each
from people.models import Membership, Role, School, User
from people.selectors import holders_of
from policies.models import PolicyVersion

logger = logging.getLogger(__name__)


def _days_outstanding(version: PolicyVersion, membership: Membership, today: datetime.date) -> int:
    since = max(timezone.localdate(version.published_at), membership.starts_on)
    return (today - since).days


@dataclass(frozen=True)
class _Reminder:
    """One step due for one person (first, second), or a school's digest for the Head."""

    step: str
    version: PolicyVersion
    school: School
    people: tuple[User, ...]

    @property
    def key(self) -> str:
        # Ids only: it names the item in logs and in lib.batch's failure counts.
        who = f"s{self.school.pk}" if self.step == ReminderStep.DIGEST else f"u{self.people[0].pk}"
        return f"{self.step}:v{self.version.pk}:{who}"


def signoff_reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Remind each outstanding person at the school's first and second thresholds, then tell
    the Head who is still outstanding. Each step happens once per person per version.

    Each school is read, and each reminder and digest written and queued, in its own
    transaction (lib.batch): one that fails is logged, counted under "failed", tried again on a
    later run, and stops no other.
    """
    today = today or timezone.localdate()
    planned = run_each(
        "signoff-reminders-plan",
        School.objects.order_by("pk"),
        lambda school: _reminders_due(school, today),
    )
    found = [cast(list[_Reminder], items) for items in planned.outcomes.values()]
    due = {item.key: item for items in found for item in items}
    run = run_each("signoff-reminders", due.values(), _remind, key=lambda item: item.key)
    counts = {step: 0 for step in ReminderStep}
    for key in run.done:
        counts[due[key].step] += cast(int, run.outcomes[key])
    counts["failed"] = len(planned.failed) + len(run.failed)
    logger.info("Sign-off reminders sent: %s", counts)
    return counts


def _reminders_due(school: School, today: datetime.date) -> list[_Reminder]:
    memberships = list(
        Membership.objects.current(on=today).filter(school=school).select_related("school")
    )
    if not memberships:
        return []
    return [
        reminder
        for version in current_versions_for_school(school)
        for reminder in _due_for_version(school, version, memberships, today)
    ]


def _due_for_version(
    school: School, version: PolicyVersion, memberships: list[Membership], today: datetime.date
) -> list[_Reminder]:
    signed = set(SignOff.objects.filter(version=version).values_list("user_id", flat=True))
    done = set(SignOffReminder.objects.filter(version=version).values_list("user_id", "step"))
    # A person's earliest current membership here says when their clock started.
    starts: dict[int, Membership] = {}
    for membership in sorted(memberships, key=lambda m: m.starts_on):
        starts.setdefault(membership.user_id, membership)
    thresholds = [
        (ReminderStep.DIGEST, school.digest_days),
        (ReminderStep.SECOND, school.second_reminder_days),
        (ReminderStep.FIRST, school.first_reminder_days),
    ]
    due: dict[str, list[int]] = {step: [] for step in ReminderStep}
    for user_id, membership in starts.items():
        if user_id in signed:
            continue
        days = _days_outstanding(version, membership, today)
        # The latest step reached that has not gone out yet; earlier steps are not sent late.
        for step, threshold in thresholds:
            if days >= threshold:
                if (user_id, step) not in done:
                    due[step].append(user_id)
                break
    people = User.objects.in_bulk([uid for ids in due.values() for uid in ids])
    reminders = [
        _Reminder(step, version, school, (people[user_id],))
        for step in (ReminderStep.FIRST, ReminderStep.SECOND)
        for user_id in due[step]
    ]
    if due[ReminderStep.DIGEST]:
        digest = tuple(people[uid] for uid in due[ReminderStep.DIGEST])
        reminders.append(_Reminder(ReminderStep.DIGEST, version, school, digest))
    return reminders


def _remind(reminder: _Reminder) -> int | bool:
    """Log the step and queue its e-mail together; False if another run already did."""
    version = reminder.version
    if reminder.step != ReminderStep.DIGEST:
        [person] = reminder.people
        if not _log_step(person.pk, version, reminder.step):
            return False
        email_on_commit(
            "signoff_reminder",
            to=person,
            context={"version": version, "second": reminder.step == ReminderStep.SECOND},
        )
        return 1
    digest = [p for p in reminder.people if _log_step(p.pk, version, ReminderStep.DIGEST)]
    if not digest:
        return False
    for head in holders_of(Role.HEAD, reminder.school):
        email_on_commit(
            "signoff_digest",
            to=head,
            context={"version": version, "school": reminder.school, "outstanding": digest},
        )
    return len(digest)


def _log_step(user_id: int, version: PolicyVersion, step: str) -> bool:
    """Record the step; False if another run already did (the unique constraint decides)."""
    try:
        with transaction.atomic():
            SignOffReminder.objects.create(user_id=user_id, version=version, step=step)
    except IntegrityError:
        return False
    return True
