"""The outbox: one row per notification, written in the transaction of the event it is about.

The rows are the truth; Celery messages only say "look at row N now". An e-mail row stays
pending until a delivery marks it sent (or, after the last attempt, failed), and every attempt is
recorded. An in-app row is written sent: being in the database is its delivery.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    IN_APP = "in_app", "In the portal"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Kind(models.TextChoices):
    """What the notification says. Each kind is an e-mail template, emails/<kind>_*.txt."""

    INCIDENT_REPORTED = "incident_reported", "A new report needs your attention"
    INCIDENT_ESCALATED = "incident_escalated", "A report was escalated to you"
    MESSAGE = "message", "A message from the Conduct Portal"
    # Outcomes a person is waiting for. In the portal only what happened, never the details:
    # the notification opens the page that has them (Notification.url).
    DECLARATION_OUTCOME = "declaration_outcome", "The Head has answered your declaration"
    APPROVAL_OUTCOME = "approval_outcome", "Your request for prior approval has been decided"
    REPORT_STATUS = "report_status", "The status of your report has changed"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When a delivery was last handed to the broker."
    )
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Not attempted before this time: a delivery in progress holds the row for a "
        "short lease, and a failed one waits for its backoff.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    url = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the notification opens, when that is not the case page: the person's "
        "declaration or request, or a reporter's My reports (a reporter never sees the case).",
    )
    message = models.JSONField(
        default=dict,
        blank=True,
        help_text="For an e-mail that is not about a case: its subject and body, rendered when "
        "it was written (no case details ever). Emptied once sent if it held a secret link.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["recipient", "channel", "status", "read_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.channel}, {self.status})"

    @property
    def link(self) -> str:
        if self.url:
            return self.url
        if self.incident_id:
            return reverse("incidents:case", args=[self.incident_id])
        return reverse("notifications:list")

    @property
    def title(self) -> str:
        title = self.get_kind_display()
        return f"Urgent: {title[0].lower()}{title[1:]}" if self.urgent else title


class NotificationAttempt(models.Model):
    """One try at delivering a notification. An attempt with no finish was interrupted."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    succeeded = models.BooleanField(null=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["notification", "number"]

    def __str__(self) -> str:
        outcome = {True: "sent", False: "failed", None: "interrupted"}[self.succeeded]
        return f"Attempt {self.number} of notification {self.notification_id}: {outcome}"
