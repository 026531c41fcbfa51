"""Scale seeding's declarations and approval requests."""

import datetime

from acknowledgements.models import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Declaration,
    DeclarationStatus,
)
from people.models import Role
from seeding.scale.base import LEADERS, World, bulk


def requests_write(world: World) -> dict[str, int]:
    """Declarations and approval requests at every school, some decided."""
    size, rng, now, today = world.size, world.rng, world.now, world.today
    declarations, approvals = [], []
    for sp in world.people:
        staff = sp.users[len(LEADERS) :] or sp.users
        head = sp.by_role[Role.HEAD]
        for d in range(size.declarations_per_school):
            status = [DeclarationStatus.ACKNOWLEDGED, DeclarationStatus.PENDING][d % 2]
            done = status == DeclarationStatus.ACKNOWLEDGED
            declarations.append(
                Declaration(
                    user=rng.choice(staff),
                    school=sp.school,
                    pupil_name="A pupil",
                    class_or_year=f"Year {rng.randrange(1, 7)}",
                    relationship=rng.choice(["niece", "son", "grandson", "neighbour's child"]),
                    social_media_contact=rng.random() < 0.5,
                    status=status,
                    discussed_on=today - datetime.timedelta(days=20) if done else None,
                    agreed_protocol="No contact through social media." if done else "",
                    decided_by=head if done else None,
                    acknowledged_at=now - datetime.timedelta(days=20) if done else None,
                )
            )
        for a in range(size.approvals_per_school):
            status = [ApprovalStatus.APPROVED, ApprovalStatus.PENDING, ApprovalStatus.DECLINED][
                a % 3
            ]
            decided = status != ApprovalStatus.PENDING
            approvals.append(
                ApprovalRequest(
                    user=rng.choice(staff),
                    school=sp.school,
                    kind=rng.choice(list(ApprovalKind)),
                    details="For the class page's summer fair posts.",
                    status=status,
                    decided_by=head if decided else None,
                    decided_at=now - datetime.timedelta(days=10) if decided else None,
                    reason="Not during term time." if status == ApprovalStatus.DECLINED else "",
                    expires_on=today + datetime.timedelta(days=300)
                    if status == ApprovalStatus.APPROVED
                    else None,
                )
            )
    bulk(Declaration, declarations)
    bulk(ApprovalRequest, approvals)
    return {"declarations": len(declarations), "approval requests": len(approvals)}
