"""Support's view of reports: what exists and where it went, never what a case says.

A case's content is for the people it was routed to; the admin shows its metadata, its routing
and its access log, all read-only.
"""

from django.contrib import admin

from incidents.models import CaseAccess, Incident, RoutingDecision


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RoutingDecisionInline(ReadOnlyInline):
    model = RoutingDecision
    fields = ["recipient", "role", "reason", "decided_at"]
    readonly_fields = fields


class CaseAccessInline(ReadOnlyInline):
    model = CaseAccess
    fields = ["user", "action", "evidence", "at"]
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["reference", "school", "category", "urgent", "status", "created_at"]
    list_filter = ["school", "category", "urgent", "status"]
    list_select_related = ["school"]
    fields = ["school", "category", "urgent", "status", "subject_kind", "created_at"]
    readonly_fields = fields
    inlines = [RoutingDecisionInline, CaseAccessInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
