"""A school's or trust's single sign-on settings: set up the provider, turn on "single sign-on
only". Thin: permissions, forms and services do the work."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from people.models import School, Trust, User
from signin import selectors, services
from signin.forms import PasskeySignInForm, SingleSignOnForm, SingleSignOnOnlyForm
from signin.permissions import school_for_sign_in_manager, trust_for_sign_in_manager
from signin.reauth import recent_authentication_required


@login_required
@recent_authentication_required
def school_single_sign_on(request: HttpRequest, slug: str) -> HttpResponse:
    school = school_for_sign_in_manager(request.user, slug)
    return _single_sign_on(request, school, reverse("signin:school", args=[slug]))


@login_required
@recent_authentication_required
def trust_single_sign_on(request: HttpRequest, slug: str) -> HttpResponse:
    trust = trust_for_sign_in_manager(request.user, slug)
    return _single_sign_on(request, trust, reverse("signin:trust", args=[slug]))


def _single_sign_on(request: HttpRequest, organisation: School | Trust, here: str) -> HttpResponse:
    configuration = selectors.configuration_for(organisation)
    posted = request.POST if request.method == "POST" else None
    # Each form posts on its own (told apart by its prefix); the others keep what is stored.
    only_posted = posted is not None and any(key.startswith("only-") for key in posted)
    passkeys_posted = posted is not None and "passkeys-form" in posted
    policy = selectors.passkey_policy_for(organisation)
    passkeys_form = PasskeySignInForm(
        posted if passkeys_posted else None,
        prefix="passkeys",
        initial={"allowed": policy.sign_in_allowed if policy else True},
    )
    if passkeys_posted and passkeys_form.is_valid():
        allowed = passkeys_form.cleaned_data["allowed"]
        changed = services.passkey_sign_in_set(
            organisation=organisation, by=request.user, allowed=allowed
        )
        if changed:
            messages.success(
                request,
                "People here may sign in with a passkey alone."
                if allowed
                else "A passkey is now only the second step here.",
            )
        else:
            messages.info(request, "Nothing changed.")
        return redirect(here)
    initial = (
        {
            "provider": configuration.provider,
            "tenant": configuration.tenant,
            "client_id": configuration.app.client_id,
            "trusts_provider_mfa": configuration.trusts_provider_mfa,
        }
        if configuration
        else {}
    )
    form = SingleSignOnForm(
        None if only_posted or passkeys_posted else posted,
        initial=initial,
        secret_saved=configuration is not None,
    )
    people = (
        User.objects.filter(id__in=selectors.members(configuration).values("user_id")).order_by(
            "full_name"
        )
        if configuration
        else User.objects.none()
    )
    only_form = SingleSignOnOnlyForm(
        posted if only_posted else None,
        prefix="only",
        people=people,
        initial={"only": configuration.only, "emergency_admin": configuration.emergency_admin}
        if configuration
        else {},
    )
    if posted is not None and not only_posted and not passkeys_posted and form.is_valid():
        try:
            services.single_sign_on_save(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Single sign-on for {organisation} is saved.")
            return redirect(here)
    if only_posted and configuration is not None and only_form.is_valid():
        try:
            waiting = services.single_sign_on_only_set(
                configuration=configuration, by=request.user, **only_form.cleaned_data
            )
        except ValidationError as error:
            only_form.add_error(None, error)
        else:
            if only_form.cleaned_data["only"]:
                messages.success(
                    request,
                    f"Single sign-on only is on. {waiting} "
                    f"{'person has' if waiting == 1 else 'people have'} not yet signed in with "
                    f"{configuration.get_provider_display()}: they will need to, next time.",
                )
            else:
                messages.success(request, "Passwords can be used again.")
            return redirect(here)
    return render(
        request,
        "signin/single_sign_on.html",
        {
            "organisation": organisation,
            "school": organisation if isinstance(organisation, School) else None,
            "configuration": configuration,
            "form": form,
            "only_form": only_form,
            "passkeys_form": passkeys_form,
            "not_yet": selectors.not_yet_signed_in(configuration) if configuration else 0,
            # To register with the provider before the first save, too.
            "redirect_uri": request.build_absolute_uri(
                reverse(
                    "openid_connect_callback",
                    kwargs={"provider_id": selectors.provider_id_for(organisation)},
                )
            ),
        },
        status=400 if posted is not None else 200,
    )
