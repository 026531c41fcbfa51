"""Reports of incidents, their evidence, who they were routed to and why, and who looked.

Evidence, routing decisions and case accesses are records: the database refuses to change or
delete them outside a sanctioned erasure (see migration 0002 and lib.immutability).
"""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lib.immutability import AppendOnly
from people.models import Role, School


class Category(models.TextChoices):
    """DESIGN.md "Incidents": the rules for each live in incidents/routing.py."""

    BREACH = "breach", "Breach of the policy by an adult"
    CYBERBULLYING = "cyberbullying", "Cyberbullying or trolling of a member of staff"
    PREVENT = "prevent", "Prevent: risk of radicalisation"
    PUPIL_ONLINE_SAFETY = "pupil_online_safety", "Online safeguarding concern about a pupil"
    UNSUITABLE_MATERIAL = "unsuitable_material", "Unsuitable or inappropriate material found"
    INDECENT_IMAGES = "indecent_images", "Indecent images of children"
    SOCIAL_MEDIA_MISUSE = (
        "social_media_misuse",
        "Misuse of social media by a parent/carer or pupil",
    )
    PUPIL_CONTACT = "pupil_contact", "Contact with a pupil outside agreed protocols"


class SubjectKind(models.TextChoices):
    """Who the report is about. Only adults of the school are people in the portal."""

    ADULT = "adult", "An adult who works at the school"
    PUPIL = "pupil", "A pupil"
    PARENT = "parent", "A parent or carer"
    OUTSIDER = "outsider", "Someone outside the school"
    UNKNOWN = "unknown", "I don't know"


class Status(models.TextChoices):
    """The triage workflow. Reporting only ever creates "new"; triage moves it on."""

    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Being investigated"
    REFERRED = "referred", "Referred"
    CLOSED = "closed", "Closed"


class Incident(models.Model):
    """One report, made by an adult at a school, about one subject."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="incidents")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports_made"
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    subject_kind = models.CharField(max_length=10, choices=SubjectKind.choices)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The adult of the school the report is about, when it is about one.",
    )
    subject_description = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who, in the reporter's words: the portal keeps no records of pupils.",
    )
    affected_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For cyberbullying: the member of staff on the receiving end.",
    )
    happened_on = models.DateField()
    happened_at_time = models.TimeField(null=True, blank=True)
    platform = models.CharField(max_length=100, blank=True)
    content_address = models.CharField(max_length=500, blank=True)
    description = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Triage state. Every change to it is also a CaseEntry in the chronology.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_owned",
        help_text="The recipient handling the case.",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    legal_hold = models.BooleanField(
        default=False, help_text="Kept whatever its retention: a claim or an inquiry needs it."
    )
    legal_hold_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="incident_adult_subject_is_named",
                condition=Q(subject_kind="adult", subject_user__isnull=False)
                | (~Q(subject_kind="adult") & Q(subject_user__isnull=True)),
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["status", "urgent", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.get_category_display()}"

    @property
    def reference(self) -> str:
        return f"R-{self.pk:05d}" if self.pk else "R-new"


class Evidence(models.Model):
    """A file kept with a report: checked by content, stored privately, hashed on arrival."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)  # of the stored file, as downloaded
    # NULL for evidence kept before images were encoded again, when the stored file was the
    # upload itself (so its sha256 is the original's). Nullable, not blank, so that adding it
    # alters the table in place: rebuilding it on SQLite would drop the append-only triggers.
    original_sha256 = models.CharField(  # noqa: DJ001
        "SHA-256 as uploaded",
        max_length=64,
        null=True,
        blank=True,
        help_text="Of the file as it arrived; an image is stored encoded again, without metadata.",
    )
    stored_name = models.CharField(max_length=64, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "pk"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]}…)"

    @property
    def path(self) -> Path:
        return evidence_root() / self.stored_name


def evidence_root() -> Path:
    """Where evidence lives: under PRIVATE_MEDIA_ROOT, which no web server serves."""
    return Path(settings.PRIVATE_MEDIA_ROOT) / "evidence"


class RoutingDecision(models.Model):
    """One person a report went to, the role they received it as, and why.

    A decision with no recipient records that nobody could receive part of a report. A decision
    lets its recipient see the case only while they hold its role at the case's school or its
    trust (incidents/permissions.py); when a role changes hands the case passes to the new
    holder by a new decision (incidents/handover.py).
    """

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="routing_decisions"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routing_decisions",
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    reason = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "position"]
        constraints = [
            # A person who held two of a case's roles and left one receives it again under the
            # role they still hold; never twice under the same role.
            models.UniqueConstraint(
                fields=["incident", "recipient", "role"],
                condition=Q(recipient__isnull=False),
                name="routing_one_decision_per_recipient_and_role",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "incident"])]

    def __str__(self) -> str:
        return f"{self.incident.reference} → {self.recipient or 'nobody'} ({self.role})"

    def role_title(self) -> str:
        return role_title(self.role, self.incident.school)


def role_title(role: str, school: School) -> str:
    """A role as the school names it: its head is "Head of School" at St Elisabeth's."""
    if role == Role.HEAD:
        return school.head_title
    return Role(role).label


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed the case"
    DOWNLOAD = "download", "Downloaded evidence"
    REFUSED = "refused", "Asked for the case and was refused"
    TRAIL = "trail", "Read the audit trail"


class CaseAccess(AppendOnly):
    """Every view of a case and every download of its evidence. Rows are only ever added."""

    record_name = "case access record"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "at"]
        verbose_name_plural = "case accesses"

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display().lower()} {self.incident.reference}"


class EntryKind(models.TextChoices):
    NOTE = "note", "Note"
    STATUS = "status", "Status changed"
    OWNER = "owner", "Owner changed"
    REFERRAL = "referral", "Referral"
    SUPPORT = "support", "Support offered"
    OUTCOME = "outcome", "Outcome"
    ESCALATION = "escalation", "Escalated"
    HANDOVER = "handover", "Passed to a new role holder"
    CORRECTION = "correction", "Correction"


class Agency(models.TextChoices):
    LADO = "lado", "Local Authority Designated Officer (LADO)"
    POLICE = "police", "Police"
    SOCIAL_CARE = "social_care", "Children's social care"
    CHANNEL = "channel", "Channel / Prevent"
    HR = "hr", "HR / disciplinary"


class Disciplinary(models.TextChoices):
    YES = "yes", "Yes: it leads to disciplinary action under the policy"
    NO = "no", "No disciplinary action"
    NOT_APPLICABLE = "n/a", "Not applicable (not about a member of staff)"


class Support(models.TextChoices):
    """Support for staff who are victims of cyberbullying (Villiers "Cyber bullying")."""

    LINE_MANAGER = "line_manager", "Line manager"
    OCCUPATIONAL_HEALTH = "occupational_health", "Occupational health"
    COUNSELLING = "counselling", "Counselling"


class CaseEntry(AppendOnly):
    """One entry of a case's chronology. Never edited or deleted: a correction is a new entry
    that names the one it corrects."""

    record_name = "chronology entry (add a correction instead)"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for what the portal did by itself (an escalation).",
    )
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)
    status_from = models.CharField(max_length=20, choices=Status.choices, blank=True)
    status_to = models.CharField(max_length=20, choices=Status.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.CharField(max_length=20, choices=Agency.choices, blank=True)
    referred_on = models.DateField(null=True, blank=True)
    reference = models.CharField("their reference", max_length=100, blank=True)
    disciplinary = models.CharField(max_length=4, choices=Disciplinary.choices, blank=True)
    support = models.JSONField(default=list, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )

    class Meta:
        ordering = ["incident", "at", "pk"]
        verbose_name_plural = "case entries"
        constraints = [
            models.CheckConstraint(
                name="a_referral_names_its_agency",
                condition=~Q(kind="referral") | ~Q(agency=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.reference}: {self.get_kind_display()}"


class RetentionRule(models.Model):
    """How long a school keeps closed reports of one category. Allegations about a member of
    staff follow the statutory rule instead (incidents/retention.py)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="retention_rules")
    category = models.CharField(max_length=30, choices=Category.choices)
    years = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "category"], name="one_rule_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.school}: {self.get_category_display()} kept {self.years} years"
