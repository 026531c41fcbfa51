"""Single sign-on lets in only people the portal already knows.

A sign-in through a school's (or trust's) provider is accepted when the provider vouches for an
e-mail address that matches, ignoring case, a person with a role not ended at that school or
trust. The portal never creates an account or a membership from a sign-in: anyone else is sent
back to the sign-in page and told who to ask.
"""

from allauth.account.authentication import get_authentication_records
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from audit.models import Action
from audit.services import audit_record
from people import adapters as people_adapters
from people import services as people_services
from people.models import Invitation, User
from signin import selectors
from signin.mfa import must_keep_authenticator
from signin.models import Provider, SingleSignOn


def vouched_email(configuration: SingleSignOn, claims: dict) -> str | None:
    """The address the provider vouches for, or None.

    Google: `email_verified`, and the `hd` claim naming the school's Workspace domain (the `hd`
    sent with the request only filters Google's account chooser). Microsoft: the tenant in the
    issuer is the school's own, and Entra ID sends no `email_verified`; an address that is the
    person's sign-in name (`preferred_username`, in one of the tenant's verified domains) counts.
    """
    email = str(claims.get("email") or "").strip()
    if not email:
        return None
    verified = claims.get("email_verified") in (True, "true", "True")
    if configuration.provider == Provider.GOOGLE:
        domain_ok = str(claims.get("hd") or "").lower() == configuration.tenant
        return email if verified and domain_ok else None
    sign_in_name = str(claims.get("preferred_username") or "").strip()
    return email if verified or sign_in_name.lower() == email.lower() else None


def claims_of(sociallogin: SocialLogin) -> dict:
    data = sociallogin.account.extra_data or {}
    # The ID token (signed, checked by allauth) first; userinfo fills what it lacks.
    token = data.get("id_token") if isinstance(data.get("id_token"), dict) else {}
    userinfo = data.get("userinfo") if isinstance(data.get("userinfo"), dict) else {}
    return {**userinfo, **token}


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def refuse(self, request: HttpRequest, configuration: SingleSignOn | None, text: str, why: str):
        audit_record(
            action=Action.SIGN_IN_FAILED,
            school=configuration.school if configuration else None,
            record=configuration,
            detail=f"single sign-on refused: {why}",
            request=request,
        )
        messages.error(request, text)
        raise ImmediateHttpResponse(HttpResponseRedirect(reverse("account_login")))

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        configuration = selectors.configuration_for_app(sociallogin.account.provider)
        if configuration is None:
            self.refuse(request, None, "That sign-in button is no longer set up.", "unknown app")
        organisation = configuration.organisation
        ask = (
            f"If you work at {organisation}, ask your school office or the Head to add you "
            "to the Conduct Portal with the address you sign in with."
        )
        if sociallogin.is_existing:
            if not selectors.is_member(configuration, sociallogin.user):
                self.refuse(
                    request,
                    configuration,
                    f"You no longer have a role at {organisation} in the Conduct Portal. {ask}",
                    "no role there",
                )
            return
        email = vouched_email(configuration, claims_of(sociallogin))
        if email is None:
            self.refuse(
                request,
                configuration,
                f"Your {configuration.get_provider_display()} account did not confirm an "
                f"e-mail address at {organisation}. {ask}",
                "no verified address",
            )
        user = User.objects.filter(email__iexact=email).first()
        if user is None or not selectors.is_member(configuration, user):
            self.refuse(
                request,
                configuration,
                f"The Conduct Portal does not know {email} at {organisation}. {ask}",
                "an address with no role there",
            )
        connecting = sociallogin.state.get("process") == "connect"
        if connecting and request.user != user:
            # Connecting from Account › third-party accounts: only one's own address.
            self.refuse(
                request,
                configuration,
                f"That {configuration.get_provider_display()} account is someone else's.",
                "connecting another person's account",
            )
        sociallogin.connect(request, user)
        invitation = Invitation.objects.filter(user=user, accepted_at=None).first()
        if invitation is not None and invitation.is_usable:
            people_services.invitation_accept_by_single_sign_on(invitation=invitation)
        audit_record(
            action=Action.PEOPLE,
            actor=user,
            school=configuration.school,
            record=configuration,
            detail="first sign-in with single sign-on: the account is connected",
            request=request,
        )


class AccountAdapter(people_adapters.AccountAdapter):
    """Where a school or trust has turned on "single sign-on only", its people cannot use a
    password (nor reset one), except its named emergency administrator."""

    def authenticate(self, request: HttpRequest, **credentials) -> User | None:
        user = super().authenticate(request, **credentials)
        # Only after the password was right: a wrong one gets allauth's usual answer, so the
        # refusal says nothing about an address to someone who does not know its password.
        # Re-authentication (allauth's, before a sensitive action) also comes here: someone
        # already signed in through the provider confirms it is still them with the password
        # they have; allauth offers no way to re-authenticate through the provider instead.
        signing_in = not request.user.is_authenticated
        configuration = (
            selectors.password_refused_by(user) if user is not None and signing_in else None
        )
        if configuration is not None:
            audit_record(
                action=Action.SIGN_IN_FAILED,
                actor=user,
                school=configuration.school,
                record=configuration,
                detail="password refused: single sign-on only",
                request=request,
            )
            raise forms.ValidationError(password_refused_message(configuration))
        return user

    def pre_login(self, request: HttpRequest, user: User, **kwargs) -> HttpResponse | None:
        # allauth has recorded the passkey before it signs the person in: a passkey alone (no
        # password, no provider) is refused where the school has turned that off.
        records = get_authentication_records(request, user)
        passkey_alone = records and all(
            record.get("method") == "mfa" and record.get("passwordless") for record in records
        )
        policy = selectors.passkey_sign_in_refused_by(user) if passkey_alone else None
        if policy is not None:
            audit_record(
                action=Action.SIGN_IN_FAILED,
                actor=user,
                school=policy.school,
                record=policy,
                detail="passkey alone refused: the school does not allow it",
                request=request,
            )
            messages.error(
                request,
                f"{policy.school or policy.trust} does not let you sign in with a passkey alone: "
                "sign in with your password (or your school account), then use your passkey "
                "as the second step.",
            )
            return HttpResponseRedirect(reverse("account_login"))
        return super().pre_login(request, user, **kwargs)

    def send_password_reset_mail(self, user: User, email: str, context: dict) -> None:
        configuration = selectors.password_refused_by(user)
        if configuration is None:
            return super().send_password_reset_mail(user, email, context)
        # The reset page says the same to everyone (no enumeration); the e-mail, to the
        # address's owner only, says which button to use instead of a reset link.
        context = {**context, "configuration": configuration}
        self.send_mail("signin/email/password_reset_refused", email, context)


def password_refused_message(configuration: SingleSignOn) -> str:
    return (
        f"{configuration.organisation} signs in with {configuration.get_provider_display()} "
        f"only: use the “{configuration.button_label}” button below instead of a password."
    )


class MFAAdapter(DefaultMFAAdapter):
    """Someone whose role requires two-factor authentication cannot turn it off (here, not in
    people, which is below this app and may not import it)."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Your role lets you see other people's personal data, so your account must keep "
            "two-factor authentication: you cannot remove your last authenticator app or passkey. "
            "Add another first, or if you are changing phones, ask the portal's support team "
            "to reset it."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        return not must_keep_authenticator(authenticator) and super().can_delete_authenticator(
            authenticator
        )
