"""A school's or a trust's single sign-on: which identity provider its people sign in with.

The client id and secret live in allauth's SocialApp (one per configuration, provider
`openid_connect`, its own provider_id), so allauth's views, callback and token handling serve
every school from one portal; this row says whose it is and the portal's rules around it.
"""

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.db import models
from django.db.models import Q

from people.models import School, Trust, User


class Provider(models.TextChoices):
    MICROSOFT = "microsoft", "Microsoft (Entra ID)"
    GOOGLE = "google", "Google Workspace"


class SingleSignOn(models.Model):
    school = models.OneToOneField(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    trust = models.OneToOneField(
        Trust, null=True, blank=True, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    provider = models.CharField(max_length=20, choices=Provider.choices)
    # Entra ID: the tenant (its ID or primary domain). Google: the Workspace domain (`hd`).
    tenant = models.CharField(max_length=200)
    app = models.OneToOneField(SocialApp, on_delete=models.PROTECT, related_name="+")
    trusts_provider_mfa = models.BooleanField(
        "the provider's multi-factor check counts as the second factor", default=False
    )
    only = models.BooleanField("single sign-on only", default=False)
    # Keeps a password (and a second factor) when single sign-on only is on: the way back in
    # if the provider is down or misconfigured.
    emergency_admin = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="single_sign_on_for_a_school_or_a_trust",
                condition=Q(school__isnull=False, trust__isnull=True)
                | Q(school__isnull=True, trust__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} for {self.organisation}"

    @property
    def organisation(self) -> School | Trust:
        return self.school or self.trust

    @property
    def button_label(self) -> str:
        return f"Continue with {'Microsoft' if self.provider == Provider.MICROSOFT else 'Google'}"

    def server_url(self) -> str:
        return settings.SIGNIN_ISSUERS[self.provider].format(tenant=self.tenant)


class PasskeyPolicy(models.Model):
    """Whether a school's (or trust's) people may sign in with a passkey alone. Without a row
    they may; a passkey is a second factor for them either way."""

    school = models.OneToOneField(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="passkey_policy"
    )
    trust = models.OneToOneField(
        Trust, null=True, blank=True, on_delete=models.CASCADE, related_name="passkey_policy"
    )
    sign_in_allowed = models.BooleanField("people here may sign in with a passkey alone")

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="passkey_policy_for_a_school_or_a_trust",
                condition=Q(school__isnull=False, trust__isnull=True)
                | Q(school__isnull=True, trust__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"Passkey sign-in at {self.school or self.trust}"
