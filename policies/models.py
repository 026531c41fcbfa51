import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import slugify

from people.models import School, Trust


class Audience(models.TextChoices):
    STAFF = "staff", "Every adult working in school"
    PARENTS = "parents", "Parents and carers"


class Policy(models.Model):
    """A policy of one school, or of a trust (then it applies in every school of the trust)."""

    title = models.CharField(max_length=200)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="policies"
    )
    trust = models.ForeignKey(
        Trust, on_delete=models.PROTECT, null=True, blank=True, related_name="policies"
    )
    audience = models.CharField(
        max_length=10,
        choices=Audience.choices,
        default=Audience.STAFF,
        help_text="Staff policies are signed by every adult; a parents' code is published only.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Drafts and publishes a trust policy. A school policy is the Head's.",
    )

    class Meta:
        verbose_name_plural = "policies"
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                name="policy_of_school_xor_trust",
                condition=Q(school__isnull=False, trust__isnull=True)
                | Q(school__isnull=True, trust__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.school or self.trust}"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


class PolicyVersion(models.Model):
    """An ordered list of clauses. Once published it never changes (the database enforces it)."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(
        max_length=200, blank=True, help_text="Who approved it, e.g. the full governing body."
    )
    approved_on = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True, db_index=True)
    summary_of_changes = models.TextField(blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(status="draft"),
                name="one_draft_per_policy",
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(status="published"),
                name="one_published_version_per_policy",
            ),
        ]
        indexes = [models.Index(fields=["status", "review_due"])]

    def __str__(self) -> str:
        return f"{self.policy.title} v{self.number} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def public_owner_slug(self) -> str:
        policy = self.policy
        return policy.school.slug if policy.school_id else policy.trust.slug

    @property
    def public_text_path(self) -> str:
        """Where anyone, signed in or not, downloads this published version's exact text: the
        bytes whose SHA-256 every sign-off receipt of it carries. Stable: it names the school
        (or trust), the policy and the version, all of which never change."""
        return reverse(
            "public:policy_text", args=[self.public_owner_slug, self.policy_id, self.number]
        )

    @property
    def public_text_filename(self) -> str:
        """The name the download is saved under, which a receipt's instructions repeat."""
        return f"{self.public_owner_slug}-policy-{self.policy_id}-v{self.number}.txt"


class Clause(models.Model):
    """One clause of one version. Its key ("6.7", or a derived key) survives across versions."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="clauses")
    key = models.CharField(max_length=80)
    position = models.PositiveIntegerField()
    section = models.CharField(max_length=200)
    text = models.TextField()
    # Null, not blank, for a reason: SQLite adds a nullable column in place, but rebuilds the
    # table for a NOT NULL one, and the rebuild would drop the immutability triggers.
    gap_before = models.TextField(  # noqa: DJ001 (see above)
        null=True,
        blank=True,
        help_text="What the school's original document is missing just before this clause "
        "(e.g. a section lost from the copy the portal was given). Shown in place; not part "
        "of the text that is signed.",
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="clause_key_unique_in_version"),
        ]

    def __str__(self) -> str:
        return self.key

    @cached_property
    def anchor(self) -> str:
        """The permalink fragment: clause 6.7 is #clause-6-7 (a template asks several times)."""
        return clause_anchor(self.key)


def clause_anchor(key: str) -> str:
    return "clause-" + slugify(key.replace(".", "-"))


def canonical_text(clauses: list[Clause]) -> str:
    """A version's text in one fixed form: each clause's section, key and text, in order.

    Published as a download beside every version, so anyone holding a sign-off receipt can
    check its SHA-256 against the published text with any tool (`sha256sum`).
    """
    return "".join(f"{c.section}\n{c.key}\n{c.text}\n\n" for c in clauses)


def content_sha256(clauses: list[Clause]) -> str:
    return hashlib.sha256(canonical_text(clauses).encode()).hexdigest()


class ReviewReminder(models.Model):
    """Records that the owner was reminded of a version's review date: once, however often."""

    version = models.OneToOneField(
        PolicyVersion, on_delete=models.CASCADE, related_name="review_reminder"
    )
    sent_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Review reminder for {self.version}"
