import datetime
import itertools

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A person needs an e-mail address to sign in with")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their e-mail address."""

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "support access", default=False, help_text="May sign in to the Django admin."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    retirement_on = models.DateField(
        "normal retirement date",
        null=True,
        blank=True,
        help_text="Allegations about a member of staff are kept until this date or for 10 years, "
        "whichever is later (retention).",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Trust(models.Model):
    """A multi-academy trust: its schools, and central staff with trust-level roles."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# A reminder ladder longer than a school year would outlast the version it reminds about.
MAX_REMINDER_DAYS = 365


class School(models.Model):
    """A school is a tenant: nobody sees its people or cases without a role that covers it."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    trust = models.ForeignKey(
        Trust, on_delete=models.PROTECT, null=True, blank=True, related_name="schools"
    )
    head_title = models.CharField(
        max_length=60,
        default="Head Teacher",
        help_text='What this school calls its head, e.g. "Head of School" or "Head Teacher".',
    )
    # Sign-off: how long people have to sign a new version, and when they are reminded.
    signoff_days = models.PositiveSmallIntegerField(
        default=28, help_text="Days to sign a new version, or from a new joiner's start date."
    )
    first_reminder_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days outstanding before the first reminder."
    )
    second_reminder_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days outstanding before the second reminder."
    )
    digest_days = models.PositiveSmallIntegerField(
        default=21, help_text="Days outstanding before the Head is sent who is still outstanding."
    )
    # Who a reporter contacts outside the portal when nobody in it can receive their report
    # (KCSIE Part 4: the Local Authority Designated Officer for allegations about adults).
    lado_contact = models.CharField(
        "LADO (Local Authority Designated Officer)",
        max_length=200,
        blank=True,
        help_text='Who to contact, e.g. "Anytown LADO service".',
    )
    lado_phone = models.CharField("LADO telephone", max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The reminder ladder climbs: each step comes after the one before. The reminder task
        sends only the latest step reached, so a second reminder set before the first would
        silently replace it, and a digest before either would tell the Head before the person."""
        super().clean()
        ladder = [
            ("first_reminder_days", self.first_reminder_days, "The first reminder"),
            ("second_reminder_days", self.second_reminder_days, "The second reminder"),
            ("digest_days", self.digest_days, "Telling the Head"),
        ]
        errors = {}
        for field, days, what in ladder:
            if days is not None and days < 1:
                errors[field] = (
                    f"{what} needs at least 1 day: on day 0 nobody has had time to sign."
                )
            elif days is not None and days > MAX_REMINDER_DAYS:
                errors[field] = f"{what} can be at most {MAX_REMINDER_DAYS} days (a school year)."
        for (_, before, earlier), (field, days, what) in itertools.pairwise(ladder):
            if field not in errors and None not in (before, days) and days <= before:
                errors[field] = (
                    f"{what} must come after {earlier.lower()} (day {before}): "
                    f"make it day {before + 1} or later."
                )
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    STAFF = "staff", "Member of staff"
    HEAD = "head", "Head"
    DEPUTY_HEAD = "deputy_head", "Deputy head"
    DSL = "dsl", "Designated Safeguarding Lead"
    DEPUTY_DSL = "deputy_dsl", "Deputy Designated Safeguarding Lead"
    GOVERNOR = "governor", "Governor"
    CHAIR = "chair", "Chair of Governors"
    VICE_CHAIR = "vice_chair", "Vice-chair of Governors"
    # Optional: a school may name its clerk; the clerk receives no reports.
    CLERK = "clerk", "Clerk to the Governors"
    TRUST_HR = "trust_hr", "Trust Head of HR"
    DPL = "dpl", "Data Protection Lead"


# Roles that can only be held across a whole trust.
TRUST_ONLY_ROLES = {Role.TRUST_HR}


class StaffCategory(models.TextChoices):
    """Who the policy applies to: every adult working in school (000 §2.1, 003 "Policy")."""

    TEACHING = "teaching", "Teaching staff"
    NON_TEACHING = "non_teaching", "Non-teaching staff"
    TRAINEE = "trainee", "Trainee"
    APPRENTICE = "apprentice", "Apprentice"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    AGENCY = "agency", "Agency staff"
    CONSULTANT = "consultant", "External consultant"
    VOLUNTEER = "volunteer", "Volunteer"
    GOVERNOR = "governor", "Governor or trustee"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self, on: datetime.date | None = None) -> "MembershipQuerySet":
        """Memberships in force on a day (today by default): started, and not yet ended."""
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on)

    def not_ended(self, on: datetime.date | None = None) -> "MembershipQuerySet":
        """Memberships in force on a day or starting after it: a new joiner's too."""
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))

    def covering(self, school: School) -> "MembershipQuerySet":
        """Memberships at the school itself, or at the trust the school belongs to."""
        scope = Q(school=school)
        if school.trust_id:
            scope |= Q(trust_id=school.trust_id)
        return self.filter(scope)


class Membership(models.Model):
    """A person holds one role at one school or one trust, between two dates.

    A person holding several roles has several memberships; permissions are derived from them.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    trust = models.ForeignKey(
        Trust, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    staff_category = models.CharField(max_length=20, choices=StaffCategory.choices)
    employed_centrally = models.BooleanField(
        default=False, help_text="Employed by the trust rather than by the school."
    )
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_at_school_xor_trust",
                condition=Q(school__isnull=False, trust__isnull=True)
                | Q(school__isnull=True, trust__isnull=False),
            ),
            models.CheckConstraint(
                name="membership_ends_after_it_starts",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            ),
            models.UniqueConstraint(
                fields=["user", "school", "role", "starts_on"],
                name="membership_unique_at_school",
            ),
            models.UniqueConstraint(
                fields=["user", "trust", "role", "starts_on"],
                name="membership_unique_at_trust",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "role"]),
            models.Index(fields=["trust", "role"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.school or self.trust}"

    @property
    def organisation(self) -> School | Trust:
        return self.school or self.trust

    @property
    def role_title(self) -> str:
        """The role as its school names it: the head is "Head of School" at St Elisabeth's."""
        if self.role == Role.HEAD and self.school:
            return self.school.head_title
        return self.get_role_display()


class Invitation(models.Model):
    """A single-use, expiring link for a new person to set their password.

    Only a hash of the token is stored; a new token is made each time the invitation is sent,
    so the link in the latest e-mail is the one that works.
    """

    VALID_FOR = datetime.timedelta(days=14)

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="invitation")
    token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation for {self.user}"

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class StaffImport(models.Model):
    """An uploaded staff list, kept between its preview and its confirmation."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    text = models.TextField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.filename} for {self.school}"
