"""allauth's admin shows a SocialApp's client secret in a text box. The portal's own page sets
it (write-only), so support staff see the apps without their secrets and never edit them here,
and tokens (never stored: SOCIALACCOUNT_STORE_TOKENS) are not listed."""

from allauth.socialaccount.models import SocialApp, SocialToken
from django.contrib import admin

from signin.models import PasskeyPolicy, SingleSignOn

admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)


@admin.register(SocialApp)
class SocialAppAdmin(admin.ModelAdmin):
    list_display = ("name", "provider_id", "client_id")
    fields = ("name", "provider", "provider_id", "client_id", "settings")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SingleSignOn)
class SingleSignOnAdmin(admin.ModelAdmin):
    list_display = ("__str__", "provider", "tenant", "only", "trusts_provider_mfa")
    readonly_fields = ("school", "trust", "provider", "tenant", "app", "updated_at")


@admin.register(PasskeyPolicy)
class PasskeyPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sign_in_allowed")
