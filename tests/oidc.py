"""A real OpenID Connect provider on loopback (oidc-provider-mock), standing in for Entra ID
and Google: the portal discovers it, is sent to its authorization page, and exchanges the code
at its token endpoint, as with the real ones. Nothing leaves the machine."""

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import pytest
import requests
from oidc_provider_mock import run_server_in_thread

from people.models import School, User
from signin import services
from signin.models import SingleSignOn


@dataclass
class Provider:
    url: str

    def knows(self, email: str, *, mfa: bool = False, verified: bool = True, **claims) -> str:
        """Add an account to the provider; its `sub`, which its sign-in form asks for."""
        body = {
            "email": email,
            "email_verified": verified,
            "preferred_username": email,
            "name": email.split("@")[0].title(),
            **({"amr": ["pwd", "mfa"]} if mfa else {}),
            **claims,
        }
        response = requests.put(f"{self.url}/users/{quote(email)}", json=body, timeout=5)
        assert response.status_code == 204
        return email

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Sign in at the provider as `sub` (its form's POST): the redirect back to the portal."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


@pytest.fixture
def oidc(settings) -> Iterator[Provider]:
    with run_server_in_thread() as server:
        url = f"http://localhost:{server.server_port}"
        settings.SIGNIN_ISSUERS = {"microsoft": url, "google": url}
        # The browser is sent to it from the sign-in form (form-action, as for Microsoft's).
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"].append(url)
        settings.CONTENT_SECURITY_POLICY = policy
        yield Provider(url)


def configure(school: School, by: User, **fields) -> SingleSignOn:
    return services.single_sign_on_save(
        organisation=school,
        by=by,
        provider=fields.pop("provider", "microsoft"),
        tenant=fields.pop("tenant", "stelisabeths.example"),
        client_id=fields.pop("client_id", "portal-client"),
        secret=fields.pop("secret", "s3cret-from-entra"),
        **fields,
    )


def sign_in_with(client, oidc: Provider, configuration: SingleSignOn, sub: str):
    """The whole authorization-code flow with the test client: the portal's start (a POST),
    the provider's form, and the portal's callback, which fetches the token itself."""
    start = client.post(f"/accounts/oidc/{configuration.app.provider_id}/login/")
    assert start.status_code == 302 and start.url.startswith(oidc.url), start
    back = urlsplit(oidc.authorize(start.url, sub))
    return client.get(f"{back.path}?{back.query}")
