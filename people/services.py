"""Writes about people: adding them, their roles, leavers, staff-list imports, invitations."""

import datetime
import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from notifications.services import email_queue
from people.models import (
    TRUST_ONLY_ROLES,
    Invitation,
    Membership,
    Role,
    School,
    StaffImport,
    User,
)
from people.signals import memberships_written
from people.staff_import import (
    MAX_BYTES,
    ImportPlan,
    ImportRefused,
    RowPlan,
    decode,
    plan_import,
)

logger = logging.getLogger(__name__)


def _audit(by: User | None, school: School, record, detail: str) -> None:
    audit_record(action=Action.PEOPLE, actor=by, school=school, record=record, detail=detail)


def _school_roles(roles: list[str]) -> list[str]:
    if not roles:
        raise ValidationError({"roles": "Choose at least one role."})
    if set(roles) & TRUST_ONLY_ROLES:
        raise ValidationError({"roles": "The trust's Head of HR is a trust role, not a school's."})
    return roles


@transaction.atomic
def person_add(
    *,
    school: School,
    by: User,
    full_name: str,
    email: str,
    staff_category: str,
    roles: list[str],
    starts_on: datetime.date,
    employed_centrally: bool = False,
) -> User:
    """Add a person to a school: a new account, invited by e-mail, or the account they already
    have elsewhere in the portal, which gains memberships here and nothing else (its name,
    password and other memberships are theirs; no invitation or reset is sent to it)."""
    email = email.strip().lower()
    _school_roles(roles)
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "password": make_password(None)}
    )
    if not created:
        here = list(Membership.objects.filter(school=school, user=user))
        if any(m.ends_on is None or m.ends_on >= timezone.localdate() for m in here):
            raise ValidationError({"email": f"{email} is already at {school}: change their roles."})
        last_day = max((m.ends_on for m in here), default=None)
        if last_day and starts_on <= last_day:
            # A leaver of this school, so the Head already knows them: their new roles here
            # cannot overlap the ones that ended.
            raise ValidationError(
                {
                    "starts_on": f"{email} left {school} on {last_day:%d %B %Y}: their new "
                    "start date must be after it."
                }
            )
    Membership.objects.bulk_create(
        Membership(
            user=user,
            school=school,
            role=role,
            staff_category=staff_category,
            employed_centrally=employed_centrally and school.trust_id is not None,
            starts_on=starts_on,
        )
        for role in roles
    )
    memberships_written(school_ids=[school.pk])
    if created:
        invitation_send(user=user, by=by)
    _audit(by, school, user, f"added with roles {', '.join(roles)}")
    logger.info("User %s added to school %s by %s", user.pk, school.pk, by.pk)
    return user


@transaction.atomic
def person_roles_set(*, school: School, user: User, roles: list[str], by: User) -> None:
    """Give the person exactly these roles at the school from today."""
    _school_roles(roles)
    today = timezone.localdate()
    held = list(Membership.objects.current().filter(school=school, user=user))
    if not held:
        raise ValidationError("This person is not at the school today.")
    if user == by and Role.HEAD in {m.role for m in held} and Role.HEAD not in roles:
        raise ValidationError(
            {"roles": "You cannot remove your own Head role: ask the Chair or support to do it."}
        )
    for membership in held:
        if membership.role not in roles:
            _end(membership, today - datetime.timedelta(days=1))
    held_roles = {m.role for m in held}
    Membership.objects.bulk_create(
        Membership(
            user=user,
            school=school,
            role=role,
            staff_category=held[0].staff_category,
            employed_centrally=held[0].employed_centrally,
            starts_on=today,
        )
        for role in roles
        if role not in held_roles
    )
    memberships_written(school_ids=[school.pk])
    _audit(by, school, user, f"roles set to {', '.join(roles)}")
    logger.info("Roles of user %s at school %s set by %s", user.pk, school.pk, by.pk)


def _end(membership: Membership, ends_on: datetime.date) -> None:
    """End a membership; one that had not started yet is removed, as it never applied."""
    if ends_on < membership.starts_on:
        membership.delete()
    else:
        membership.ends_on = ends_on
        membership.save(update_fields=["ends_on"])


@transaction.atomic
def person_leave(*, school: School, user: User, ends_on: datetime.date, by: User) -> int:
    """Record a leaver: their memberships at the school end on `ends_on`. Everything they
    signed, declared or reported stays."""
    if user == by:
        raise ValidationError("You cannot record yourself as a leaver.")
    memberships = Membership.objects.filter(school=school, user=user).exclude(ends_on__lt=ends_on)
    ended = 0
    for membership in memberships:
        _end(membership, ends_on)
        ended += 1
    if not ended:
        raise ValidationError("This person has no role at the school to end.")
    memberships_written(school_ids=[school.pk])
    _audit(by, school, user, f"recorded as leaving on {ends_on:%d %B %Y}")
    logger.info(
        "User %s leaves school %s on %s (recorded by %s)", user.pk, school.pk, ends_on, by.pk
    )
    return ended


# Invitations


REMINDER_LADDER = ("first_reminder_days", "second_reminder_days", "digest_days")


@transaction.atomic
def school_reminders_set(
    *,
    school: School,
    by: User,
    first_reminder_days: int,
    second_reminder_days: int,
    digest_days: int,
) -> bool:
    """Set when people who have not signed are reminded, and when the Head is told. Validated
    by School.clean (the steps climb); False, and nothing recorded, if nothing changed."""
    # What is stored, not the object's attributes: a ModelForm has already set those. Locked,
    # so two Heads saving at once are audited in the order they were saved.
    before = list(
        School.objects.select_for_update().values_list(*REMINDER_LADDER).get(pk=school.pk)
    )
    after = [first_reminder_days, second_reminder_days, digest_days]
    for field, days in zip(REMINDER_LADDER, after, strict=True):
        setattr(school, field, days)
    try:
        school.full_clean()
    except ValidationError:
        # The caller's object goes back to what is stored, so nothing half-set lingers.
        for field, days in zip(REMINDER_LADDER, before, strict=True):
            setattr(school, field, days)
        raise
    if before == after:
        return False
    school.save(update_fields=list(REMINDER_LADDER))
    # Days, not people: the audit says what the ladder was and became.
    _audit(
        by, school, school,
        "reminder ladder set from days {} to days {}".format(
            "/".join(map(str, before)), "/".join(map(str, after))
        ),
    )  # fmt: skip
    logger.info("Reminder ladder of school %s set by %s", school.pk, by.pk)
    return True


def school_lado_set(*, school: School, by: User, lado_contact: str, lado_phone: str) -> bool:
    """Set who reporters contact outside the portal (the LADO). False if nothing changed."""
    after = (lado_contact.strip(), lado_phone.strip())
    if (school.lado_contact, school.lado_phone) == after:
        return False
    school.lado_contact, school.lado_phone = after
    school.save(update_fields=["lado_contact", "lado_phone"])
    _audit(by, school, school, "LADO contact changed")
    logger.info("LADO contact of school %s set by %s", school.pk, by.pk)
    return True


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_send(*, user: User, by: User | None) -> Invitation:
    """(Re)send the invitation with a new token; any earlier link stops working."""
    invitation, _ = Invitation.objects.select_for_update().get_or_create(
        user=user, defaults={"invited_by": by}
    )
    if invitation.accepted_at:
        raise ValidationError(f"{user} has already accepted their invitation.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_sha256 = _hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + Invitation.VALID_FOR
    invitation.sent_count += 1
    invitation.save()
    link = settings.SITE_URL + reverse("invitation_accept", args=[token])
    email_queue(
        recipient=user,
        template="invitation",
        context={"link": link, "invitation": invitation},
        secret=True,  # the link signs them in: it leaves the outbox once sent
    )
    return invitation


@transaction.atomic
def invitation_resend(*, school: School, user: User, by: User) -> Invitation:
    """A Head sends a new invitation to someone at their school who has not yet set a password.

    Never to someone who has left the school, and never to an account already in use (its own
    password, or an accepted invitation), whichever school it came from: that would be a
    password reset sent by a school on someone else's behalf."""
    if not Membership.objects.not_ended().filter(school=school, user=user).exists():
        raise ValidationError(f"{user} is no longer at {school}: no invitation was sent.")
    if (
        user.has_usable_password()
        or Invitation.objects.filter(user=user, accepted_at__isnull=False).exists()
    ):
        raise ValidationError(
            f"{user} already signs in with their own password: if they have forgotten it, "
            "they can reset it from the sign-in page."
        )
    invitation = invitation_send(user=user, by=by)
    _audit(by, school, user, "invitation sent again")
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("user").filter(token_sha256=_hash(token)).first()
    return invitation if invitation and invitation.is_usable else None


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError("This invitation has expired or has already been used.")
    user = invitation.user
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.accepted_at = timezone.now()
    invitation.token_sha256 = None
    invitation.save(update_fields=["accepted_at", "token_sha256"])
    logger.info("User %s accepted their invitation", user.pk)
    return user


@transaction.atomic
def invitation_accept_by_single_sign_on(*, invitation: Invitation) -> User:
    """The invited person signed in with their school's provider (signin.adapters): accepted,
    and no password is set; the link can no longer be used."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError("This invitation has expired or has already been used.")
    invitation.accepted_at = timezone.now()
    invitation.token_sha256 = None
    invitation.save(update_fields=["accepted_at", "token_sha256"])
    logger.info("User %s accepted their invitation by single sign-on", invitation.user_id)
    return invitation.user


# Staff-list imports


def staff_import_preview(*, school: School, by: User, filename: str, data: bytes) -> StaffImport:
    """Keep the uploaded file for its preview; raises ImportRefused for a file it cannot read."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; a staff list is at most 5 MB."
        )
    text = decode(data)
    plan_import(school, text)  # refuses a file with no usable header before it is kept
    return StaffImport.objects.create(
        school=school, uploaded_by=by, filename=filename[:255], text=text
    )


def _import_start(row: RowPlan, today: datetime.date) -> datetime.date:
    """A new person starts when the file says; a new role of someone here starts today at the
    earliest; someone back after leaving starts after their last day, not inside it."""
    if row.action != "create":
        return max(row.starts_on, today)
    return max(row.starts_on, row.back_from) if row.back_from else row.starts_on


@transaction.atomic
def staff_import_apply(*, staff_import: StaffImport, by: User) -> ImportPlan:
    """Write the file's plan, all or nothing. Importing the same file again changes nothing."""
    staff_import = StaffImport.objects.select_for_update().get(pk=staff_import.pk)
    if staff_import.applied_at:
        raise ValidationError("This file has already been imported.")
    school = staff_import.school
    plan = plan_import(school, staff_import.text)
    if plan.errors:
        raise ValidationError("The file has errors: nothing was imported.")
    today = timezone.localdate()
    unusable = make_password(None)  # until they accept their invitation
    # Only e-mails with no account anywhere get one. Someone with an account elsewhere in the
    # portal is added here with it: their name, their other memberships and their password
    # stay as they are, and no invitation is sent to them.
    new_users = User.objects.bulk_create(
        User(email=row.email, full_name=row.name, password=unusable)
        for row in plan.rows
        if row.action == "create" and row.user is None
    )
    by_email = {u.email: u for u in new_users}
    for row in plan.rows:
        row.user = row.user or by_email[row.email]
    held: dict[int, dict[str, Membership]] = {}
    for membership in Membership.objects.filter(
        school=school, user__in=[r.user for r in plan.rows]
    ).exclude(ends_on__lt=today):
        held.setdefault(membership.user_id, {})[membership.role] = membership
    to_create, to_update, renamed = [], [], []
    for row in plan.rows:
        roles_held = held.get(row.user.pk, {})
        for membership in roles_held.values():
            if membership.staff_category != row.category:
                membership.staff_category = row.category
                to_update.append(membership)
        to_create.extend(
            Membership(
                user=row.user,
                school=school,
                role=role,
                staff_category=row.category,
                starts_on=_import_start(row, today),
            )
            for role in row.roles
            if role not in roles_held
        )
        if row.rename:
            row.user.full_name = row.name
            renamed.append(row.user)
    Membership.objects.bulk_create(to_create)
    Membership.objects.bulk_update(to_update, ["staff_category"])
    User.objects.bulk_update(renamed, ["full_name"])
    memberships_written(school_ids=[school.pk])
    for user in new_users:
        invitation_send(user=user, by=by)
    staff_import.applied_at = timezone.now()
    staff_import.save(update_fields=["applied_at"])
    counts = {action: plan.count(action) for action in ("create", "change", "unchanged")}
    _audit(by, school, staff_import, f"staff list imported: {counts}")
    logger.info("Staff import %s at school %s: %s", staff_import.pk, school.pk, counts)
    return plan
