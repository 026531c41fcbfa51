from django.contrib import admin, messages

from notifications.models import Notification, NotificationAttempt, Status
from notifications.services import notifications_retry


class AttemptInline(admin.TabularInline):
    model = NotificationAttempt
    extra = 0
    can_delete = False
    fields = ["number", "worker", "started_at", "finished_at", "succeeded", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "pk", "kind", "recipient", "channel", "urgent", "status", "attempts", "created_at",
        "sent_at",
    ]  # fmt: skip
    list_filter = ["status", "channel", "urgent", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__email", "recipient__full_name"]
    readonly_fields = [
        "recipient", "incident", "kind", "channel", "urgent", "status", "attempts", "last_error",
        "created_at", "queued_at", "next_attempt_at", "sent_at", "read_at",
    ]  # fmt: skip
    inlines = [AttemptInline]
    actions = ["retry_failed"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Deliver the selected failed notifications again")
    def retry_failed(self, request, queryset) -> None:
        count = notifications_retry(notifications=queryset.filter(status=Status.FAILED))
        self.message_user(request, f"{count} notification(s) queued again.", messages.SUCCESS)
