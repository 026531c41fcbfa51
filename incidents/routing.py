"""Who receives a report, and why: DESIGN.md's table as data, and the rules for every report.

`RULES` is the table: each category's clauses, default roles and urgency. `route()` applies it
to one school on one day, with the rules that hold for every report:

- nobody receives a report about themselves: about the Head it goes to the Chair of Governors,
  about the DSL to the Head, about a trust officer to the Head;
- a vacant role falls back to its deputy, then to the trust's holder of the role where there is
  a trust, else to the Head (and for the Head, to the Chair);
- cyberbullying of a trust's centrally employed staff goes to the trust's Head of HR (003);
- one person holding two of the roles a report goes to receives it once.

Each decision carries its reason, in words a Head or a governor can read back later.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from incidents.models import Category, role_title
from people.models import TRUST_ONLY_ROLES, Membership, Role, School, User


@dataclass(frozen=True)
class ClauseRef:
    """A clause of the schools' policies: a clause number ("7.1", or "6" for all of section 6)
    or a section heading ("Cyber bullying and Harassment")."""

    ref: str
    label: str

    @property
    def is_number(self) -> bool:
        return self.ref[:1].isdigit()


def _n(*numbers: str) -> tuple[ClauseRef, ...]:
    return tuple(ClauseRef(n, f"§{n}") for n in numbers)


def _s(*headings: str) -> tuple[ClauseRef, ...]:
    return tuple(ClauseRef(h, f"“{h}”") for h in headings)


@dataclass(frozen=True)
class Rule:
    label: str
    covers: str
    clauses: tuple[ClauseRef, ...]
    roles: tuple[Role, ...]
    urgent: bool
    accepts_evidence: bool = True


# DESIGN.md "Incidents": category → clauses (000 = the local authority model policy, 003 = SHINE's
# policy and its parents' code), default recipients, urgency.
RULES: dict[str, Rule] = {
    Category.BREACH: Rule(
        Category.BREACH.label,
        "An adult's use of social media or the internet that breaks the policy.",
        _n("6", "11") + _s("Users’ responsibilities"),
        (Role.HEAD,),
        urgent=False,
    ),
    Category.CYBERBULLYING: Rule(
        Category.CYBERBULLYING.label,
        "Messages, posts or comments meant to upset, humiliate or threaten a member of staff. "
        "Keep screenshots with the date, time and address of the site.",
        _n("9") + _s("Cyber bullying and Harassment"),
        (Role.HEAD,),
        urgent=False,
    ),
    Category.PREVENT: Rule(
        Category.PREVENT.label,
        "A pupil or group of pupils at risk of radicalisation or terrorist exploitation.",
        _n("10.6"),
        (Role.DSL, Role.HEAD),
        urgent=True,
    ),
    Category.PUPIL_ONLINE_SAFETY: Rule(
        Category.PUPIL_ONLINE_SAFETY.label,
        "Something online that puts a pupil's safety or welfare at risk.",
        _n("3.1") + _s("Personal use of Social Media"),
        (Role.DSL,),
        urgent=True,
    ),
    Category.UNSUITABLE_MATERIAL: Rule(
        Category.UNSUITABLE_MATERIAL.label,
        "Pornography, explicit or other unsuitable material on school or personal equipment, "
        "or pupils exposed to inappropriate content.",
        _n("7.2", "7.3", "7.4"),
        (Role.HEAD,),
        urgent=False,
    ),
    Category.INDECENT_IMAGES: Rule(
        Category.INDECENT_IMAGES.label,
        "Never upload, save, copy, send or show the images: it is an offence. "
        "Attach nothing; the Head and the DSL are alerted at once.",
        _n("7.1") + _s("Senior Leadership responsibility in relation to Online Bullying"),
        (Role.HEAD, Role.DSL),
        urgent=True,
        accepts_evidence=False,
    ),
    Category.SOCIAL_MEDIA_MISUSE: Rule(
        Category.SOCIAL_MEDIA_MISUSE.label,
        "Abusive posts, campaigns or images of pupils shared by a parent, carer or pupil.",
        _s("Social Media & Networking Code of Conduct for Parents/Carers"),
        (Role.HEAD,),
        urgent=False,
    ),
    Category.PUPIL_CONTACT: Rule(
        Category.PUPIL_CONTACT.label,
        "Messages, friend requests or meetings with a pupil outside what was declared and agreed.",
        _n("6.6", "6.7", "6.8", "6.9"),
        (Role.HEAD, Role.DSL),
        urgent=True,
    ),
}

DEPUTY = {Role.HEAD: Role.DEPUTY_HEAD, Role.DSL: Role.DEPUTY_DSL}
# Who receives a report instead of its subject (DESIGN.md: "Nobody receives a report about
# themselves"). Trust-level roles not named here go to the Head.
INSTEAD_OF_SUBJECT: dict[str, Role | None] = {
    Role.HEAD: Role.CHAIR,
    Role.DSL: Role.HEAD,
    Role.CHAIR: None,
}
CYBERBULLYING_OF_CENTRAL_STAFF = (
    "Cyberbullying of the trust's centrally employed staff goes to the trust's Head of HR "
    "(003 “Cyber bullying”)"
)


@dataclass
class Decision:
    recipient: User | None
    role: Role
    reason: str


@dataclass
class _People:
    """Who holds which role on the day, at the school and at its trust: one query."""

    at_school: dict[str, list[User]] = field(default_factory=lambda: defaultdict(list))
    at_trust: dict[str, list[User]] = field(default_factory=lambda: defaultdict(list))
    central: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, school: School, on: datetime.date) -> "_People":
        people = cls()
        memberships = (
            Membership.objects.current(on)
            .covering(school)
            .filter(user__is_active=True)
            .select_related("user")
            .order_by("user__full_name", "pk")
        )
        for membership in memberships:
            holders = people.at_school if membership.school_id else people.at_trust
            if membership.user not in holders[membership.role]:
                holders[membership.role].append(membership.user)
            if membership.employed_centrally or membership.trust_id:
                people.central.add(membership.user_id)
        return people


class _Router:
    def __init__(self, school: School, people: _People, subject: User | None) -> None:
        self.school = school
        self.people = people
        self.subject = subject

    def title(self, role: str, *, at_trust: bool = False) -> str:
        if at_trust and role not in TRUST_ONLY_ROLES:
            return f"the trust's {role_title(role, self.school)}"
        return f"the {role_title(role, self.school)}"

    def _steps(self, role: Role) -> list[tuple[Role, bool]]:
        """Where to look for a role's holders, in order: (role, at the trust?)."""
        if role in TRUST_ONLY_ROLES:
            return [(role, True)]
        steps = [(role, False)]
        if role in DEPUTY:
            steps.append((DEPUTY[role], False))
        if self.school.trust_id:
            steps.append((role, True))
        return steps

    def resolve(
        self, role: Role, notes: list[str], seen: set[str]
    ) -> tuple[list[User], Role, bool]:
        """Who receives what was meant for `role`: (people, the role they hold, at the trust?).

        `notes` collects each reason the report did not simply go to the role's holders.
        """
        if role in seen:
            return [], role, False
        seen.add(role)
        subject = self.subject.pk if self.subject else None
        stand_in: Role | None = Role.CHAIR if role == Role.HEAD else Role.HEAD
        for index, (step_role, at_trust) in enumerate(self._steps(role)):
            holders = (self.people.at_trust if at_trust else self.people.at_school)[step_role]
            users = [user for user in holders if user.pk != subject]
            title = self.title(step_role, at_trust=at_trust)
            if len(users) < len(holders):
                notes.append(f"{title} is the subject of the report")
                if index == 0:
                    # The subject holds the role itself: its stand-in receives the report, never
                    # a deputy or colleague who answers to the subject.
                    stand_in = INSTEAD_OF_SUBJECT.get(role, Role.HEAD)
                    break
                continue
            if users:
                return users, step_role, at_trust
            if at_trust and step_role not in TRUST_ONLY_ROLES:
                notes.append(f"the trust has no {role_title(step_role, self.school)}")
            else:
                notes.append(f"the role of {title[4:]} is vacant")
        if role == Role.CHAIR and stand_in == Role.HEAD:
            stand_in = None  # the Chair stands in for the Head; nobody stands in for the Chair
        if stand_in is None:
            return [], role, False
        return self.resolve(stand_in, notes, seen)

    def decide(self, role: Role, opening: str | None = None) -> list[Decision]:
        notes: list[str] = [opening] if opening else []
        users, routed_as, at_trust = self.resolve(role, notes, set())
        if not users:
            notes.append("nobody in the portal can receive it")
            return [Decision(None, role, _sentence(notes) + ".")]
        if len(notes) > (1 if opening else 0):
            reason = f"{_sentence(notes)}; routed to {self.title(routed_as, at_trust=at_trust)}"
            reason += " instead."
        elif opening:
            reason = _sentence(notes) + "."
        else:
            reason = f"Reports of this kind go to {self.title(role)}."
        return [Decision(user, routed_as, reason) for user in users]


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def rule_for(category: str) -> Rule:
    return RULES[category]


def route(
    *,
    school: School,
    category: str,
    subject: User | None = None,
    affected: User | None = None,
    on: datetime.date | None = None,
) -> list[Decision]:
    """Every recipient of a report, once each, in the order of the category's roles."""
    rule = RULES[category]
    people = _People.of(school, on or timezone.localdate())
    router = _Router(school, people, subject)
    wanted: list[tuple[Role, str | None]] = [(role, None) for role in rule.roles]
    if (
        category == Category.CYBERBULLYING
        and school.trust_id
        and affected is not None
        and affected.pk in people.central
    ):
        wanted = [(Role.TRUST_HR, CYBERBULLYING_OF_CENTRAL_STAFF)]

    decisions: list[Decision] = []
    by_recipient: dict[int, Decision] = {}
    for role, opening in wanted:
        for decision in router.decide(role, opening):
            recipient = decision.recipient
            if recipient is None:
                decisions.append(decision)
            elif recipient.pk in by_recipient:
                first = by_recipient[recipient.pk]
                first.reason += (
                    f" Also receives it in place of {router.title(role)}: notified once."
                    if decision.role != role
                    else f" Also receives it as {router.title(role)}: notified once."
                )
            else:
                by_recipient[recipient.pk] = decision
                decisions.append(decision)
    return decisions
