from django.conf import settings
from django.db import models
from django.utils import timezone

from lib.immutability import AppendOnly


class Action(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed to sign in"
    SIGN_OUT = "sign_out", "Signed out"
    REFUSED = "refused", "Was refused access"
    POLICY_CHANGED = "policy_changed", "Changed a policy draft"
    POLICY_PUBLISHED = "policy_published", "Published a policy"
    SIGNED_OFF = "signed_off", "Signed a policy"
    DECLARATION = "declaration", "Declaration"
    APPROVAL = "approval", "Approval request"
    REPORT = "report", "Made a report"
    CASE_CHANGED = "case_changed", "Changed a case"
    LEGAL_HOLD = "legal_hold", "Legal hold"
    PEOPLE = "people", "Changed people or roles"
    SUBJECT_ACCESS = "subject_access", "Exported everything held about a person"
    RETENTION = "retention", "Deleted what was due for deletion"


class AuditEvent(AppendOnly):
    """Who did what, when, from where: sign-ins, refusals and every change to policies,
    acknowledgements, declarations, approvals, cases and people. What a change contained is
    never written here, only what kind of change it was and to which record."""

    record_name = "audit event"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    school = models.ForeignKey(
        "people.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    record = models.CharField(max_length=80, blank=True, help_text="e.g. policies.Policy 3")
    detail = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "at"]), models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        at = timezone.localtime(self.at)  # stored in UTC; read as the local time
        return f"{at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"
