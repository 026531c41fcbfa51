from django import forms

from people.models import User
from signin.models import Provider


class SingleSignOnForm(forms.Form):
    provider = forms.ChoiceField(choices=Provider.choices, widget=forms.RadioSelect)
    tenant = forms.CharField(
        label="Tenant or domain",
        max_length=200,
        help_text=(
            "Microsoft: your Entra ID tenant ID or primary domain (e.g. stelisabeths.org.uk). "
            "Google: your Workspace domain."
        ),
    )
    client_id = forms.CharField(label="Client ID", max_length=191)
    # Write-only: never rendered back (render_value=False), never logged or audited.
    secret = forms.CharField(
        label="Client secret",
        required=False,
        max_length=191,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    trusts_provider_mfa = forms.BooleanField(
        label="Our provider's multi-factor check counts as the second factor",
        required=False,
        help_text=(
            "Only when the provider asserts it at sign-in (Entra ID does, when its "
            "multi-factor authentication ran); otherwise the portal's own is asked for."
        ),
    )

    def __init__(self, *args, secret_saved: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if secret_saved:
            self.fields[
                "secret"
            ].help_text = "A secret is saved. Leave this empty to keep it, or enter a new one."


class SingleSignOnOnlyForm(forms.Form):
    only = forms.BooleanField(
        label="Single sign-on only: nobody here signs in with a password",
        required=False,
    )
    emergency_admin = forms.ModelChoiceField(
        label="Emergency administrator (keeps a password and a second factor)",
        queryset=User.objects.none(),
        required=False,
    )

    def __init__(self, *args, people=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["emergency_admin"].queryset = people


class PasskeySignInForm(forms.Form):
    allowed = forms.BooleanField(
        label="People here may sign in with a passkey alone",
        required=False,
        help_text=(
            "Otherwise a passkey is only the second step, after a password or single sign-on."
        ),
    )
