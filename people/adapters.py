from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from people.models import Membership, User


class AccountAdapter(DefaultAccountAdapter):
    """People are added by their school; nobody signs themselves up, and a leaver whose
    every role has ended can no longer sign in."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_login(self, request: HttpRequest, user: User, **kwargs) -> HttpResponse | None:
        if not user.is_staff and not Membership.objects.not_ended().filter(user=user).exists():
            messages.error(
                request,
                "Your access to the Conduct Portal has ended. If you think this is wrong, "
                "ask your school office.",
            )
            return HttpResponseRedirect(reverse("account_login"))
        return super().pre_login(request, user, **kwargs)
