"""Who may see and decide declarations and approval requests.

The Head decides for their school. Nobody decides their own: the Head's own declarations and
requests go to the Chair of Governors. Everyone else gets 404, so nothing reveals that a
declaration exists.
"""

from typing import Literal, TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet

from acknowledgements.models import ApprovalRequest, Declaration, SignOff
from audit.refusal import Refused
from people.models import Membership, Role, User

Item = TypeVar("Item", Declaration, ApprovalRequest)
Action = Literal["view", "decide", "manage"]


def decidable(model: type[Item], user: User) -> QuerySet[Item]:
    """The declarations or requests this person decides."""
    current = Membership.objects.current()
    head_at = current.filter(user=user, role=Role.HEAD).values("school_id")
    chair_at = current.filter(user=user, role=Role.CHAIR).values("school_id")
    by_the_head = Exists(
        current.filter(user=OuterRef("user"), school=OuterRef("school"), role=Role.HEAD)
    )
    return (
        model.objects.annotate(by_the_head=by_the_head)
        .filter(Q(school__in=head_at, by_the_head=False) | Q(school__in=chair_at, by_the_head=True))
        .exclude(user=user)
    )


def item_for_user(model: type[Item], user: User, pk: int, *, action: Action = "view") -> Item:
    """`view`: the person who made it or its decider; `decide`: its decider; `manage`
    (change, re-confirm, end): the person who made it. Anyone else: 404."""
    own = model.objects.filter(user=user)
    if action == "manage":
        items = own
    elif action == "decide":
        items = decidable(model, user)
    else:
        items = own | model.objects.filter(pk__in=decidable(model, user).values("pk"))
    try:
        return items.select_related("user", "school", "decided_by").get(pk=pk)
    except model.DoesNotExist:
        raise Refused("Not found") from None


def signoff_for_user(user: User, pk: int) -> SignOff:
    """A receipt is its signer's to see."""
    try:
        return SignOff.objects.select_related(
            "version",
            "version__policy",
            "version__policy__school",
            "version__policy__trust",
            "user",
        ).get(pk=pk, user=user)
    except SignOff.DoesNotExist:
        raise Refused("No such receipt") from None
