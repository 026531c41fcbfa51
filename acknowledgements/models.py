import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lib.immutability import AppendOnly
from people.models import School
from policies.models import PolicyVersion


class SignOff(AppendOnly):
    """Evidence that a person read and accepted one published version. Never edited or deleted
    (the database refuses); one per person per version."""

    record_name = "sign-off"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signoffs"
    )
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="signoffs")
    signed_at = models.DateTimeField(default=timezone.now)
    text_sha256 = models.CharField(
        "SHA-256 of the text shown", max_length=64, help_text="Of the version's published text."
    )
    statement = models.TextField(help_text="The confirmation exactly as the person saw it.")
    changed_clause_keys = models.JSONField(
        default=list, blank=True, help_text="For a re-sign: the changed clauses shown first."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="one_signoff_per_version"),
        ]
        indexes = [models.Index(fields=["version", "user"])]

    def __str__(self) -> str:
        return f"{self.user} signed {self.version}"


class ReceiptReference(AppendOnly):
    """The reference printed on a sign-off's receipt: what the public check page looks up.

    Random, so that knowing one receipt (or a version's fingerprint, which is public) gives no
    way to guess another; a sign-off's id is sequential and would let anyone walk them all.
    A row of its own rather than a column of SignOff, so that no sign-off is ever updated:
    it is made the first time the receipt is shown (acknowledgements.receipts).
    """

    record_name = "receipt reference"

    signoff = models.OneToOneField(
        SignOff, on_delete=models.CASCADE, primary_key=True, related_name="receipt_reference"
    )
    reference = models.CharField(max_length=12, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """In groups of four, as printed: easier to read out and to type."""
        return "-".join(self.reference[i : i + 4] for i in range(0, len(self.reference), 4))


class ReminderStep(models.TextChoices):
    FIRST = "first", "First reminder"
    SECOND = "second", "Second reminder"
    DIGEST = "digest", "In the Head's digest"


class SignOffReminder(models.Model):
    """One step of the reminder schedule, for one person and one version: sent once, ever."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=10, choices=ReminderStep.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "version", "step"], name="one_reminder_per_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} to {self.user} for {self.version}"


class DeclarationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the Head"
    MORE_INFO = "more_info", "The Head asked for more information"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ENDED = "ended", "Ended"


class Declaration(models.Model):
    """A family relationship with a pupil, declared to the Head (St Elisabeth's §6.7–6.9)."""

    RECONFIRM_AFTER = datetime.timedelta(days=365)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declarations"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="declarations")
    pupil_name = models.CharField("pupil's name", max_length=150)
    class_or_year = models.CharField("class or year", max_length=60)
    relationship = models.CharField(
        max_length=100, help_text="How the pupil is related to you, e.g. niece, son, grandson."
    )
    social_media_contact = models.BooleanField(
        "we are in contact through social media", default=False
    )
    details = models.TextField(
        blank=True, help_text="Anything the Head should know, e.g. which platforms."
    )
    status = models.CharField(
        max_length=15, choices=DeclarationStatus.choices, default=DeclarationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    head_note = models.TextField(blank=True, help_text="What the Head asked for.")
    discussed_on = models.DateField(null=True, blank=True)
    agreed_protocol = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person last confirmed it still holds."
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"Declaration by {self.user} at {self.school}"

    @property
    def reconfirm_due(self) -> datetime.date | None:
        if self.status != DeclarationStatus.ACKNOWLEDGED:
            return None
        since = self.confirmed_at or self.acknowledged_at
        return timezone.localdate(since + self.RECONFIRM_AFTER)  # the local day, not UTC's

    @property
    def needs_reconfirming(self) -> bool:
        due = self.reconfirm_due
        return due is not None and due <= timezone.localdate()


class ApprovalKind(models.TextChoices):
    PARENT_CONVERSATIONS = (
        "parent_conversations",
        ("Talking with parents or carers about pupils on social media"),
    )
    OFFICIAL_SITE = "official_site", "Creating an official school social media site"
    EMAIL_ON_PERSONAL_DEVICE = (
        "email_on_personal_device",
        ("Reading school e-mail on a personal device"),
    )
    SCHOOL_ADDRESS_FOR_ACCOUNT = (
        "school_address_for_account",
        ("Using a school address for a social media account"),
    )


# The clauses a declaration answers to, by key, in whichever school's policy has them:
# St Elisabeth's §6.7–6.9; Villiers' "Personal use of Social Media" (no contact with any pupil
# through social media, and its paragraph on staff who are also parents at the school).
DECLARATION_CLAUSES = [
    "6.7",
    "6.8",
    "6.9",
    "personal-use-of-social-media-2",
    "personal-use-of-social-media-6",
]

# The clause each kind of request comes from, by its key in the school's policy (DESIGN.md).
APPROVAL_CLAUSES = {
    ApprovalKind.PARENT_CONVERSATIONS: ["6.5"],
    ApprovalKind.OFFICIAL_SITE: ["8.1"],
    ApprovalKind.EMAIL_ON_PERSONAL_DEVICE: [
        "using-social-media-on-behalf-of-the-named-school-academy-tru-1"
    ],
    ApprovalKind.SCHOOL_ADDRESS_FOR_ACCOUNT: ["personal-use-of-social-media-3"],
}


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the Head"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class ApprovalRequest(models.Model):
    """A request for the Head's prior approval of something the policy allows only with it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_requests"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="approval_requests")
    kind = models.CharField(max_length=30, choices=ApprovalKind.choices)
    details = models.TextField(help_text="What you would like to do, and why.")
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "status"])]
        constraints = [
            models.CheckConstraint(
                name="a_decline_has_a_reason",
                condition=~Q(status="declined") | ~Q(reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.user}"

    @property
    def is_expired(self) -> bool:
        return (
            self.status == ApprovalStatus.APPROVED
            and self.expires_on is not None
            and self.expires_on < timezone.localdate()
        )

    @property
    def status_label(self) -> str:
        return "Expired" if self.is_expired else self.get_status_display()
