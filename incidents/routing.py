"""Who receives a report, and why: DESIGN.md's table as data, and the rules for every report.

`incidents.rules.RULES` is the table: each category's clauses, default roles and urgency.
`route()` applies it
to one school on one day, with the rules that hold for every report:

- nobody receives a report about themselves, nor anyone who answers to them (`ANSWERS_TO`):
  about the Head it goes to the Chair of Governors, then the vice-chair, then the trust's
  safeguarding or HR lead; about the Chair to the Head and the vice-chair; about the DSL to the
  Head; about a trust officer to the Head;
- a vacant role falls back to its deputy, then to the trust's holder of the role where there is
  a trust, else to the Head (and for the Head, to the Chair). `CHAINS` is every such order, as
  data with the guidance behind each step; escalation walks the same chains;
- cyberbullying of a trust's centrally employed staff goes to the trust's Head of HR (003);
- one person holding two of the roles a report goes to receives it once.

Each decision carries its reason, in words a Head or a governor can read back later.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet
from django.utils import timezone

from incidents.models import Category, role_title
from incidents.rules import RULES
from lib.prepared import prepared
from people.models import TRUST_ONLY_ROLES, Membership, Role, School, User


@dataclass(frozen=True)
class Step:
    """Where to look for who receives what was meant for a role: the holders of `role` at the
    school, or at its trust; `because` is the rule or guidance behind looking there."""

    role: Role
    at_trust: bool = False
    because: str = ""


@dataclass(frozen=True)
class Chain:
    steps: tuple[Step, ...]
    then: Role | None = None  # whose chain follows when every step is empty


VACANT = "DESIGN.md: a vacant role falls back to its deputy, then to the trust, else to the Head"
KCSIE_HEAD = (
    "KCSIE Part 4: concerns about the headteacher go to the chair of governors; in the chair's "
    "absence to the vice-chair; in an academy, to the trust as proprietor"
)
KCSIE_CHAIR = "KCSIE Part 4: concerns about the chair go to the vice-chair or the proprietor"

# The one place that says, for every role a report can be meant for, who receives it instead
# when its holders cannot: the role is vacant, or its holder is the subject. Routing and
# escalation both walk these chains; escalation takes the next step a case has not reached.
CHAINS: dict[Role, Chain] = {
    Role.HEAD: Chain(
        (
            Step(Role.HEAD),
            Step(Role.DEPUTY_HEAD, because=VACANT),
            Step(Role.HEAD, at_trust=True, because=VACANT),
        ),
        then=Role.CHAIR,
    ),
    Role.DEPUTY_HEAD: Chain(
        (Step(Role.DEPUTY_HEAD), Step(Role.HEAD, because=VACANT)), then=Role.HEAD
    ),
    Role.DSL: Chain(
        (
            Step(Role.DSL),
            Step(Role.DEPUTY_DSL, because=VACANT),
            Step(Role.DSL, at_trust=True, because=VACANT),
        ),
        then=Role.HEAD,
    ),
    Role.DEPUTY_DSL: Chain(
        (Step(Role.DEPUTY_DSL), Step(Role.DSL, at_trust=True, because=VACANT)), then=Role.HEAD
    ),
    Role.CHAIR: Chain(
        (
            Step(Role.CHAIR, because=KCSIE_HEAD),
            Step(Role.VICE_CHAIR, because=KCSIE_HEAD),
            Step(Role.DSL, at_trust=True, because=KCSIE_HEAD),
            Step(Role.TRUST_HR, at_trust=True, because=KCSIE_HEAD),
            Step(Role.HEAD, at_trust=True, because=KCSIE_HEAD),
        ),
        then=Role.DSL,  # rather than nobody: the school's safeguarding lead
    ),
    Role.VICE_CHAIR: Chain(
        (
            Step(Role.VICE_CHAIR, because=KCSIE_CHAIR),
            Step(Role.DSL, at_trust=True, because=KCSIE_CHAIR),
            Step(Role.TRUST_HR, at_trust=True, because=KCSIE_CHAIR),
            Step(Role.HEAD, at_trust=True, because=KCSIE_CHAIR),
        )
    ),
    Role.TRUST_HR: Chain((Step(Role.TRUST_HR, at_trust=True),), then=Role.HEAD),
}
# When the subject of a report holds the role itself, the report goes to those the role answers
# to, never to a deputy or colleague who answers to the subject (DESIGN.md "Nobody receives a
# report about themselves"). A trust officer's role not named here goes to the Head.
INSTEAD_OF_SUBJECT: dict[str, Role] = {
    Role.HEAD: Role.CHAIR,  # KCSIE_HEAD
    Role.DEPUTY_HEAD: Role.HEAD,
    Role.DSL: Role.HEAD,
    Role.DEPUTY_DSL: Role.DSL,
    Role.CHAIR: Role.VICE_CHAIR,  # KCSIE_CHAIR
    Role.VICE_CHAIR: Role.CHAIR,
}
# Who answers to the holder of a role at a school: none of them receives a report about that
# holder, nor its escalation. The Head answers to the governing body as a whole, not to the
# Chair alone, so a report about the Chair still reaches the Head (with the vice-chair). Every
# adult holds the staff role, the Head included, so only the Head's own reports list it.
ANSWERS_TO: dict[str, set[str]] = {
    Role.HEAD: {Role.DEPUTY_HEAD, Role.DSL, Role.DEPUTY_DSL, Role.STAFF},
    Role.DSL: {Role.DEPUTY_DSL},
}
# Roles whose holders, when they are the subject, must not be the only oversight of the report:
# a report about the Chair also goes to the vice-chair (KCSIE_CHAIR).
ALSO_TO_WHEN_SUBJECT: dict[str, tuple[Role, str]] = {
    Role.CHAIR: (
        Role.VICE_CHAIR,
        "The report is about the Chair of Governors, so the vice-chair receives it too "
        "(KCSIE Part 4)",
    ),
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
    # For a decision with no recipient: the roles, as the school names them, that are vacant
    # along its chain — filling any of them routes the report.
    vacant: list[str] = field(default_factory=list)


# What People.of loads of each person: what a recipient's notification and a page naming them
# read. Any other column is loaded if something asks for it (one query then). In the model's
# order, as Model.from_db expects.
_USER_COLUMNS = [
    f.attname
    for f in User._meta.concrete_fields
    if f.attname in {"id", "email", "full_name", "is_active"}
]


@dataclass
class People:
    """Who holds which role on the day, at the school and at its trust: one query."""

    at_school: dict[str, list[User]] = field(default_factory=lambda: defaultdict(list))
    at_trust: dict[str, list[User]] = field(default_factory=lambda: defaultdict(list))
    central: set[int] = field(default_factory=set)
    _held: set[tuple[str, bool, int]] = field(default_factory=set, repr=False)

    @classmethod
    def of(cls, school: School, on: datetime.date | None = None) -> "People":
        people, on = cls(), on or timezone.localdate()
        rows = _holders.all(school=school.pk, trust=school.trust_id, today=on)
        users: dict[int, User] = {}
        for role, trust_id, employed_centrally, *columns in rows:
            user = users.get(columns[0])
            if user is None:
                user = users[columns[0]] = User.from_db(DEFAULT_DB_ALIAS, _USER_COLUMNS, columns)
            people.add(user, role, at_trust=trust_id is not None)
            if employed_centrally or trust_id:
                people.central.add(user.pk)
        return people

    def add(self, user: User, role: str, *, at_trust: bool = False) -> None:
        holders = (self.at_trust if at_trust else self.at_school)[role]
        # Who holds what, by primary key, in a set: a school's staff list is long, and model
        # equality slow (a report compared every member of staff with every other).
        if (role, at_trust, user.pk) not in self._held:
            self._held.add((role, at_trust, user.pk))
            holders.append(user)

    def without(self, user: User, roles: set[str]) -> "People":
        """The same people, as they would be if `user` no longer held `roles` at the school."""
        copy = People(central=set(self.central))
        for at_trust, place in ((False, self.at_school), (True, self.at_trust)):
            for role, holders in place.items():
                for holder in holders:
                    if at_trust or holder.pk != user.pk or role not in roles:
                        copy.add(holder, role, at_trust=at_trust)
        return copy

    def roles_under(self, subject: User) -> set[str]:
        """The roles at the school that answer to the subject in one of the subject's roles
        there (line management is the school's: trust officers answer to nobody at it)."""
        return {
            under
            for role, at_trust, pk in self._held
            if pk == subject.pk and not at_trust
            for under in ANSWERS_TO.get(role, ())
        }

    def answering_to(self, subject: User) -> set[int]:
        """Everyone at the school who answers to the subject: none of them receives, or is told
        of, a report about the subject."""
        return {
            user.pk for under in self.roles_under(subject) for user in self.at_school.get(under, ())
        }

    def roles_of(self, user: User) -> set[str]:
        return {role for role, _, pk in self._held if pk == user.pk}


@prepared(school=int, trust=int | None, today=datetime.date)
def _holders(school: int, trust: int | None, today: datetime.date) -> QuerySet[Membership]:
    # Rows, not model instances: a school's memberships are a few hundred, and building a
    # Membership and a whole User for each was most of the cost of routing a report.
    return (
        Membership.objects.current(today)
        .covering(School(pk=school, trust_id=trust))
        .filter(user__is_active=True)
        .order_by("user__full_name", "pk")
        .values_list(
            "role", "trust_id", "employed_centrally", *(f"user__{f}" for f in _USER_COLUMNS)
        )
    )


class _Router:
    def __init__(self, school: School, people: People, subject: User | None) -> None:
        self.school = school
        self.people = people
        self.subject = subject
        self.subject_roles = people.roles_of(subject) if subject else set()
        self.roles_under_subject = people.roles_under(subject) if subject else set()
        self.answer_to_subject = people.answering_to(subject) if subject else set()

    def title(self, role: str, *, at_trust: bool = False) -> str:
        if at_trust and role not in TRUST_ONLY_ROLES:
            return f"the trust's {role_title(role, self.school)}"
        return f"the {role_title(role, self.school)}"

    def walk(
        self, role: Role, notes: list[str], seen: set[str] | None = None
    ) -> Iterator[tuple[Step, list[User]]]:
        """Each step of the role's chain, in order, with the people there who may receive a
        report about the subject. `notes` gathers why each passed step could not."""
        seen = set() if seen is None else seen
        if role in seen:
            return
        seen.add(role)
        chain = CHAINS.get(role, Chain((Step(role),), then=Role.HEAD))
        subject = self.subject.pk if self.subject else None
        for index, step in enumerate(chain.steps):
            if step.at_trust and not self.school.trust_id:
                continue
            where = self.people.at_trust if step.at_trust else self.people.at_school
            holders = where.get(step.role, [])
            title = self.title(step.role, at_trust=step.at_trust)
            users = [
                user
                for user in holders
                if user.pk != subject and user.pk not in self.answer_to_subject
            ]
            if index == 0 and any(user.pk == subject for user in holders):
                # The subject holds the role itself: it goes to those the role answers to; a
                # co-holder of the role comes only after all of them.
                notes.append(f"{title} is the subject of the report")
                yield from self.walk(INSTEAD_OF_SUBJECT.get(role, Role.HEAD), notes, seen)
                yield step, users
                break
            yield step, users
            if users:
                continue
            if any(user.pk == subject for user in holders):
                notes.append(f"{title} is the subject of the report")
            elif holders:
                notes.append(f"{title} answers to the subject of the report")
            elif step.at_trust and step.role not in TRUST_ONLY_ROLES:
                notes.append(f"the trust has no {role_title(step.role, self.school)}")
            else:
                notes.append(f"the role of {title[4:]} is vacant")
        if chain.then:
            yield from self.walk(chain.then, notes, seen)

    def decide(self, role: Role, opening: str | None = None) -> list[Decision]:
        notes: list[str] = [opening] if opening else []
        vacant: list[str] = []
        step, users = None, []
        for candidate, eligible in self.walk(role, notes):
            if eligible:
                step, users = candidate, eligible
                break
            where = self.people.at_trust if candidate.at_trust else self.people.at_school
            # A vacant role whose holder would answer to the subject could not receive it either.
            under = not candidate.at_trust and candidate.role in self.roles_under_subject
            if not where.get(candidate.role) and not under:
                vacant.append(self.title(candidate.role, at_trust=candidate.at_trust)[4:])
        if step is None:
            notes.append("nobody in the portal can receive it")
            vacant = list(dict.fromkeys(vacant))
            return [Decision(None, role, _sentence(notes) + ".", vacant=vacant)]
        if len(notes) > (1 if opening else 0):
            routed_to = self.title(step.role, at_trust=step.at_trust)
            reason = f"{_sentence(notes)}; routed to {routed_to} instead."
        elif opening:
            reason = _sentence(notes) + "."
        else:
            reason = f"Reports of this kind go to {self.title(role)}."
        return [Decision(user, step.role, reason) for user in users]

    def next_step(self, roles: list[Role], have_it: set[int]) -> tuple[Step | None, list[User]]:
        """The first step of the roles' chains with someone who may receive the case and does
        not have it yet: where an escalation goes."""
        for role in roles:
            for step, users in self.walk(role, []):
                new = [user for user in users if user.pk not in have_it]
                if new:
                    return step, new
        return None, []


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def route(
    *,
    school: School,
    category: str,
    subject: User | None = None,
    affected: User | None = None,
    on: datetime.date | None = None,
    people: People | None = None,
) -> list[Decision]:
    """Every recipient of a report, once each, in the order of the category's roles. `people`
    saves the one query when the caller already has them."""
    rule = RULES[category]
    people = people or People.of(school, on)
    router = _Router(school, people, subject)
    wanted: list[tuple[Role, str | None]] = [(role, None) for role in rule.roles]
    if (
        category == Category.CYBERBULLYING
        and school.trust_id
        and affected is not None
        and affected.pk in people.central
    ):
        wanted = [(Role.TRUST_HR, CYBERBULLYING_OF_CENTRAL_STAFF)]
    for role in sorted(router.subject_roles & set(ALSO_TO_WHEN_SUBJECT)):
        wanted.append(ALSO_TO_WHEN_SUBJECT[role])

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


def escalation_step(
    *, school: School, subject: User | None, roles: list[Role], have_it: set[int]
) -> tuple[Role | None, bool, list[User]]:
    """Who a case goes to when it is not acknowledged in time: the next step of the chains of
    the roles it was routed as that has someone eligible who does not have it yet, under the
    same rules as routing (never the subject, nor anyone who answers to them)."""
    router = _Router(school, People.of(school), subject)
    step, users = router.next_step(roles, have_it)
    return (step.role, step.at_trust, users) if step else (None, False, [])
