"""Generated worlds (Hypothesis, stateful): a trust with two schools and a school on its own,
people gaining and losing roles, joining a second school, being imported under another name,
and reports being made. After every step nobody can read a case outside what their current
roles allow, everyone the rules name today can, and no action at one school has changed a
person's name or another school's memberships."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from incidents.models import Category, Incident, RoutingDecision, SubjectKind
from incidents.routing import People, route
from incidents.selectors import cases_visible_to
from incidents.services import report_submit
from people.models import Membership, Role, School, Trust, User
from people.services import (
    person_add,
    person_leave,
    person_roles_set,
    staff_import_apply,
    staff_import_preview,
)

ROLES = [
    Role.STAFF,
    Role.HEAD,
    Role.DEPUTY_HEAD,
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.CHAIR,
    Role.VICE_CHAIR,
]
PEOPLE = 4


def names(index: int) -> str:
    return f"Person {index}"


class World(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        trust = Trust.objects.create(name="Gen Trust", slug="gen-trust")
        self.schools = [
            School.objects.create(name="Academy A", slug="academy-a", trust=trust),
            School.objects.create(name="Academy B", slug="academy-b", trust=trust),
            School.objects.create(name="Maintained", slug="maintained"),
        ]
        self.admin = User.objects.create_user("admin@gen.example", full_name="Admin")
        self.today = timezone.localdate()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _user(self, index: int) -> User | None:
        return User.objects.filter(email=f"p{index}@gen.example").first()

    def _act(self, service, **kwargs):
        """Run a service as the Head's request would: its after-commit work (the hand-over of
        cases) runs too. A refusal is a legitimate outcome."""
        try:
            with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
                return service(**kwargs)
        except (ValidationError, PermissionDenied):
            return None

    def _elsewhere(self, school: School) -> tuple[set, set]:
        """Every membership outside the school, and the names of everyone who has one."""
        memberships = Membership.objects.exclude(school=school)
        return (
            set(
                memberships.values_list(
                    "pk", "user_id", "school_id", "role", "starts_on", "ends_on"
                )
            ),
            set(User.objects.filter(memberships__in=memberships).values_list("pk", "full_name")),
        )

    def _at(self, school: School, action):
        """An action at one school changes nothing of another: no membership there, and not the
        name of anyone who works there too."""
        before = self._elsewhere(school)
        result = action()
        assert self._elsewhere(school) == before, "a write reached another school's people"
        return result

    @initialize(
        holders=st.lists(
            st.tuples(
                st.integers(0, PEOPLE - 1), st.sampled_from([Role.HEAD, Role.DSL, Role.CHAIR])
            ),
            min_size=3,
            max_size=9,
        ),
        reports=st.lists(
            st.tuples(
                st.integers(0, 2), st.sampled_from(list(Category)), st.integers(-1, PEOPLE - 1)
            ),
            min_size=1,
            max_size=4,
        ),
    )
    def a_school_with_its_roles_and_reports(self, holders, reports) -> None:
        """Start from schools with their Heads, DSLs and Chairs and some reports, so every run
        has cases for roles to lose."""
        for index, (who, role) in enumerate(holders):
            self.gain_a_role(who=who, where=index % 3, role=role)
        for where, category, subject in reports:
            for reporter in range(PEOPLE):
                self.report(reporter=reporter, subject=subject, where=where, category=category)

    @rule(who=st.integers(0, PEOPLE - 1), where=st.integers(0, 2), role=st.sampled_from(ROLES))
    def gain_a_role(self, who: int, where: int, role: str) -> None:
        school = self.schools[where]
        user = self._user(who)
        held = (
            set(
                Membership.objects.current()
                .filter(user=user, school=school)
                .values_list("role", flat=True)
            )
            if user
            else set()
        )
        if held:
            self._at(school, lambda: self._act(
                person_roles_set, school=school, user=user, roles=sorted(held | {role}), by=self.admin
            ))  # fmt: skip
        else:
            self._at(school, lambda: self._act(
                person_add, school=school, by=self.admin, full_name=names(who),
                email=f"p{who}@gen.example", staff_category="teaching", roles=[role],
                starts_on=self.today,
            ))  # fmt: skip

    @rule(who=st.integers(0, PEOPLE - 1), where=st.integers(0, 2), role=st.sampled_from(ROLES))
    def lose_a_role(self, who: int, where: int, role: str) -> None:
        school, user = self.schools[where], self._user(who)
        if user is None:
            return
        held = set(
            Membership.objects.current()
            .filter(user=user, school=school)
            .values_list("role", flat=True)
        )
        if held - {role}:
            self._at(school, lambda: self._act(
                person_roles_set, school=school, user=user, roles=sorted(held - {role}), by=self.admin
            ))  # fmt: skip

    @rule(who=st.integers(0, PEOPLE - 1), where=st.integers(0, 2))
    def leave(self, who: int, where: int) -> None:
        school, user = self.schools[where], self._user(who)
        if user is not None:
            self._at(school, lambda: self._act(
                person_leave, school=school, user=user, by=self.admin,
                ends_on=self.today - datetime.timedelta(days=1),
            ))  # fmt: skip

    @rule(who=st.integers(0, PEOPLE - 1), where=st.integers(0, 2))
    def imported_under_another_name(self, who: int, where: int) -> None:
        school = self.schools[where]
        text = (
            "name,email,staff category,role,start date\n"
            f"Someone Else,p{who}@gen.example,Teaching staff,staff,{self.today:%d/%m/%Y}\n"
        )

        def run():
            staff_import = staff_import_preview(
                school=school, by=self.admin, filename="staff.csv", data=text.encode()
            )
            return self._act(staff_import_apply, staff_import=staff_import, by=self.admin)

        self._at(school, run)

    @rule(
        reporter=st.integers(0, PEOPLE - 1),
        subject=st.integers(-1, PEOPLE - 1),
        where=st.integers(0, 2),
        category=st.sampled_from(list(Category)),
    )
    def report(self, reporter: int, subject: int, where: int, category: str) -> None:
        school = self.schools[where]
        by = self._user(reporter)
        about = self._user(subject) if subject >= 0 else None
        if by is None:
            return
        self._act(
            report_submit, reporter=by, school=school, category=category,
            subject_kind=SubjectKind.ADULT if about else SubjectKind.UNKNOWN, subject_user=about,
            description="Generated.", happened_on=self.today,
        )  # fmt: skip

    @invariant()
    def nobody_reads_outside_their_current_roles(self) -> None:
        incidents = list(
            Incident.objects.select_related("school", "subject_user", "affected_user", "reporter")
        )
        people = {school.pk: People.of(school) for school in self.schools}
        users = list(User.objects.exclude(pk=self.admin.pk))
        for user in users:
            visible = set(cases_visible_to(user).values_list("pk", flat=True))
            decisions = {
                (d.incident_id, d.role) for d in RoutingDecision.objects.filter(recipient=user)
            }
            for incident in incidents:
                world = people[incident.school_id]
                holds = world.roles_of(user)
                if incident.pk in visible:
                    # Only through a role the case reached them as, which they hold today.
                    assert user != incident.subject_user
                    assert any((incident.pk, role) in decisions for role in holds), (
                        f"{user} reads {incident} without holding its role there today"
                    )
                wanted = route(
                    school=incident.school, category=incident.category,
                    subject=incident.subject_user,
                    affected=incident.affected_user or incident.reporter, people=world,
                )  # fmt: skip
                if any(d.recipient == user for d in wanted):
                    assert incident.pk in visible, f"{user} is named by the rules for {incident}"


@pytest.mark.django_db
def test_generated_worlds_keep_every_case_within_current_roles():
    run_state_machine_as_test(
        World,
        settings=settings(
            max_examples=30,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
