"""Concerns about adults working at the school, handled as KCSIE Part 4 requires.

An `Allegation` sits above one `incidents.Incident` about an adult of the school: its case
manager, and the current state of its threshold decision, LADO contact and outcome. That state
is a summary for queries; what was decided, by whom and why is kept in append-only records
(`ThresholdDecision`, `LadoContact`, `AllegationOutcome`), and each is also written into the
incident's chronology. A `LowLevelConcern` stands on its own until its handler decides it meets
the harm threshold, when it becomes a report and an allegation.

The records are evidence: the database refuses to change or delete them (migration 0002) except
inside `lib.immutability.erasure_permitted()` (retention).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models import Incident, role_title
from lib.immutability import AppendOnly
from people.models import Role, School


class SchoolSettings(models.Model):
    """How a school handles low-level concerns. A school without a row uses the defaults."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="allegation_settings"
    )
    low_level_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who receives low-level concerns, if not the Head (KCSIE lets a school name "
        "someone, e.g. the DSL). Never used for a concern about this person.",
    )
    pattern_count = models.PositiveSmallIntegerField(
        default=3, help_text="How many low-level concerns about one adult make a pattern…"
    )
    pattern_months = models.PositiveSmallIntegerField(
        default=12, help_text="…within this many months."
    )

    class Meta:
        verbose_name_plural = "school settings"

    def __str__(self) -> str:
        return f"Concerns about adults at {self.school}"


class Threshold(models.TextChoices):
    MAY_MEET = "may_meet", "May meet the harm threshold: discuss with the LADO"
    LOW_LEVEL = "low_level", "A low-level concern"
    NO_FURTHER_ACTION = "nfa", "No further action"


# KCSIE Part 4, Section 1: the four ways a concern may meet the harm threshold.
HARM_TESTS: list[tuple[str, str]] = [
    ("harmed_child", "Has behaved in a way that has harmed a child, or may have harmed a child"),
    (
        "criminal_offence",
        "Has possibly committed a criminal offence against or related to a child",
    ),
    (
        "risk_of_harm",
        "Has behaved towards a child or children in a way that indicates they may pose a risk "
        "of harm to children",
    ),
    (
        "unsuitable",
        "Has behaved or may have behaved in a way that indicates they may not be suitable to "
        "work with children (including behaviour outside work)",
    ),
]


class Outcome(models.TextChoices):
    """KCSIE Part 4's five outcomes of an allegation."""

    SUBSTANTIATED = "substantiated", "Substantiated: there is sufficient evidence to prove it"
    MALICIOUS = "malicious", "Malicious: a deliberate act to deceive, or to cause harm"
    FALSE = "false", "False: there is sufficient evidence to disprove it"
    UNSUBSTANTIATED = (
        "unsubstantiated",
        "Unsubstantiated: insufficient evidence either to prove or to disprove it",
    )
    UNFOUNDED = "unfounded", "Unfounded: no evidence or proper basis to support it"


class Allegation(models.Model):
    """A concern about an adult of the school, and where its handling has got to."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="allegation")
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    case_manager_role = models.CharField(max_length=20, choices=Role.choices)
    opened_at = models.DateTimeField(default=timezone.now)
    # The latest decision of each kind; the records below say who decided and why.
    threshold = models.CharField(max_length=10, choices=Threshold.choices, blank=True)
    lado_due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="One working day after it was judged it may meet the threshold.",
    )
    lado_contacted_at = models.DateTimeField(null=True, blank=True)
    lado_escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Who the case went to when the LADO was not contacted in time: they may act.",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["threshold", "lado_contacted_at", "lado_escalated_at"])]

    def __str__(self) -> str:
        return f"Allegation {self.incident.reference}"

    @property
    def outcome_word(self) -> str:
        """ "Unsubstantiated", for a badge: the label before its definition."""
        return self.get_outcome_display().split(":")[0]

    @property
    def case_manager_title(self) -> str:
        return role_title(self.case_manager_role, self.incident.school)

    @property
    def lado_in_time(self) -> bool | None:
        """Whether the LADO was contacted within one working day; None while not due."""
        if self.lado_due_at is None or self.lado_contacted_at is None:
            return None
        return self.lado_contacted_at <= self.lado_due_at

    def lado_overdue(self, now: datetime.datetime | None = None) -> bool:
        return (
            self.lado_due_at is not None
            and self.lado_contacted_at is None
            and self.lado_due_at <= (now or timezone.now())
        )


class ThresholdDecision(AppendOnly):
    """The case manager's decision on the harm threshold, with its reasons. A later decision
    supersedes it; none is ever changed."""

    record_name = "threshold decision (record a new decision instead)"

    allegation = models.ForeignKey(Allegation, on_delete=models.CASCADE, related_name="decisions")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=Threshold.choices)
    harmed_child = models.BooleanField(default=False)
    criminal_offence = models.BooleanField(default=False)
    risk_of_harm = models.BooleanField(default=False)
    unsuitable = models.BooleanField(default=False)
    rationale = models.TextField()
    not_referred_because = models.TextField(
        blank=True, help_text="Why it is not discussed with the LADO (required unless it is)."
    )

    class Meta:
        ordering = ["allegation", "decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="a_threshold_decision_not_referred_says_why",
                condition=Q(decision="may_meet") | ~Q(not_referred_because=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allegation}: {self.get_decision_display()}"

    def tests_met(self) -> list[str]:
        return [label for name, label in HARM_TESTS if getattr(self, name)]


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"


class LadoContact(AppendOnly):
    """A discussion with the LADO and the next steps agreed."""

    record_name = "LADO contact record (record a new contact instead)"

    allegation = models.ForeignKey(
        Allegation, on_delete=models.CASCADE, related_name="lado_contacts"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    lado_name = models.CharField("LADO's name", max_length=150)
    contacted_at = models.DateTimeField("when you spoke to the LADO")
    reference = models.CharField("LADO's reference", max_length=100)
    strategy_discussion = models.CharField(
        "strategy discussion", max_length=3, choices=YesNo.choices
    )
    police = models.CharField("police involved", max_length=3, choices=YesNo.choices)
    suspension = models.CharField("suspension", max_length=3, choices=YesNo.choices)
    suspension_reason = models.TextField(
        "why (or why not) suspended",
        help_text="Suspension is considered, and the reason recorded either way.",
    )
    support = models.TextField("support for the adult")
    next_steps = models.TextField("other next steps agreed", blank=True)

    class Meta:
        ordering = ["allegation", "contacted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.allegation}: LADO contact {self.reference}"


class AllegationOutcome(AppendOnly):
    """How an allegation ended. A summary for references is kept only for a substantiated one."""

    record_name = "allegation outcome"

    allegation = models.ForeignKey(Allegation, on_delete=models.CASCADE, related_name="outcomes")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rationale = models.TextField()
    reference_summary = models.TextField(
        blank=True,
        help_text="What a reference may say: only for a substantiated allegation (KCSIE Part 4).",
    )

    class Meta:
        ordering = ["allegation", "decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="only_a_substantiated_allegation_has_a_reference_summary",
                condition=Q(outcome="substantiated") | Q(reference_summary=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allegation}: {self.get_outcome_display()}"


class LowLevelConcern(AppendOnly):
    """A concern about an adult's conduct that does not meet the harm threshold, raised by any
    adult of the school, about themselves too. Kept at least until the adult leaves, then
    reviewed; never deleted by the portal on its own."""

    record_name = "low-level concern"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text="Who it went to: the Head, the person the school names, or the Chair.",
    )
    happened_on = models.DateField()
    what_happened = models.TextField()
    raised_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["school", "subject", "raised_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"LLC-{self.pk:05d}" if self.pk else "LLC-new"

    @property
    def self_report(self) -> bool:
        return self.raised_by_id == self.subject_id


class Response(models.TextChoices):
    KEPT = "kept", "A low-level concern: recorded, and handled with the adult"
    MEETS_THRESHOLD = (
        "meets_threshold",
        "It now meets the harm threshold: refer it as an allegation",
    )
    NO_CONCERN = "no_concern", "No concern: nothing to act on"


class LowLevelConcernResponse(AppendOnly):
    """What the handler decided about a low-level concern, and why."""

    record_name = "response to a low-level concern"

    concern = models.ForeignKey(LowLevelConcern, on_delete=models.CASCADE, related_name="responses")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    response = models.CharField(max_length=20, choices=Response.choices)
    rationale = models.TextField()
    pattern_seen = models.BooleanField(
        default=False, help_text="The portal flagged a pattern when this was decided."
    )
    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The report it became, when it meets the threshold.",
    )

    class Meta:
        ordering = ["concern", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.concern}: {self.get_response_display()}"
