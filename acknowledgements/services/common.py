"""What declarations, approval requests and reminders share: telling people (in the portal and
by e-mail, through the outbox), auditing a decision, and deciding each one once."""

from django.core.exceptions import ValidationError
from django.urls import reverse

from acknowledgements.models import ApprovalRequest, Declaration
from acknowledgements.permissions import decidable
from audit.models import Action
from audit.services import audit_record
from notifications.models import Kind
from notifications.services import email_queue, notifications_create
from people.models import Membership, Role, School, User
from people.selectors import holders_of


def tell_in_app(item: Declaration | ApprovalRequest, kind: Kind) -> None:
    """A notification in the portal for the person waiting on a decision, beside its e-mail:
    it says only that there is an answer, and opens the declaration or request."""
    name = (
        "acknowledgements:declaration"
        if isinstance(item, Declaration)
        else "acknowledgements:request"
    )
    notifications_create(
        recipients=[item.user], kind=kind, link=reverse(name, args=[item.pk]), email=False
    )


def email_on_commit(name: str, *, to: User, context: dict) -> None:
    """Through the outbox: sent by a worker once the transaction commits, retried if need be."""
    email_queue(recipient=to, template=name, context=context)


def tell_deciders(item: Declaration | ApprovalRequest, what: str) -> None:
    """E-mail whoever decides it (the Head, or the Chair for the Head's own): no details."""
    is_head = (
        Membership.objects.current()
        .filter(user=item.user, school=item.school, role=Role.HEAD)
        .exists()
    )
    for decider in holders_of(Role.CHAIR if is_head else Role.HEAD, item.school):
        if decider != item.user:
            email_on_commit("decision_waiting", to=decider, context={"what": what, "item": item})


def audit_decision(item: Declaration | ApprovalRequest, by: User, what: str) -> None:
    action = Action.DECLARATION if isinstance(item, Declaration) else Action.APPROVAL
    audit_record(action=action, actor=by, school=item.school, record=item, detail=what)


def require_member(user: User, school: School) -> None:
    if not Membership.objects.current().filter(user=user, school=school).exists():
        raise ValidationError({"school": "You can only declare or ask at a school you work at."})


def relock(item: Declaration | ApprovalRequest) -> None:
    """Re-read the row under a lock, into the caller's object. Of two submits at once (a double
    click, two tabs, the Head and the Chair), the second waits for the first to commit and then
    sees its decision, so a decision is made, e-mailed and audited once."""
    item.refresh_from_db(from_queryset=type(item).objects.select_for_update())


def require_pending(item: Declaration | ApprovalRequest, by: User) -> None:
    relock(item)
    if not decidable(type(item), by).filter(pk=item.pk).exists():
        raise ValidationError("You cannot decide this one.")
    if item.status != "pending":
        raise ValidationError(f"This has already been decided ({item.get_status_display()}).")


def decision_tell(item: Declaration | ApprovalRequest, by: User, what: str) -> None:
    """Save a decision on `item` (its fields already set) as `by`'s, audit it, and tell the
    person waiting: an e-mail with no details, and a notification in the portal."""
    item.decided_by = by
    item.save()
    audit_decision(item, by, what)
    if isinstance(item, Declaration):
        email_on_commit("declaration_outcome", to=item.user, context={"item": item})
        tell_in_app(item, Kind.DECLARATION_OUTCOME)
    else:
        email_on_commit("approval_outcome", to=item.user, context={"item": item})
        tell_in_app(item, Kind.APPROVAL_OUTCOME)
