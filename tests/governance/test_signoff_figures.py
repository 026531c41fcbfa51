"""Sign-off of each current version, as it stands today: overall, by staff category, by school
for a trust, and its course since publication."""

import datetime
import itertools

import pytest
from django.utils import timezone

from governance import selectors
from governance.periods import current_term
from people.models import Role, StaffCategory
from tests.factories import MembershipFactory, import_source, person, publish
from tests.governance.data import at, rows, signed, staff, table, trust_member


@pytest.fixture
def today():
    return timezone.localdate()


def school(villiers, today, **kwargs):
    return selectors.school_dashboard(villiers, current_term(today), today=today, **kwargs)


def test_sign_off_counts_everyone_at_the_school_by_staff_category(
    villiers, villiers_policy, charlie, gwen, today
):
    teachers = staff(villiers, 3, StaffCategory.TEACHING)
    volunteers = staff(villiers, 2, StaffCategory.VOLUNTEER)
    for user in [charlie, teachers[0], volunteers[0], gwen]:
        signed(user, villiers_policy)
    figures = rows(school(villiers, today), f"signoff-{villiers_policy.pk}-category")
    # People, signed, not signed, overdue, signed (%)
    assert figures["Teaching staff"] == ["4", "2", "2", "0", "50%"]
    assert figures["Volunteer"] == ["2", "1", "1", "0", "50%"]
    assert figures["Governor or trustee"] == ["1", "1", "0", "0", "100%"]
    assert figures["Everyone"] == ["7", "4", "3", "0", "57%"]
    assert "Apprentice" not in figures  # no one in the category: no row


def test_a_person_with_two_roles_counts_once_and_leavers_and_newcomers_as_they_should(
    villiers, villiers_policy, charlie, today
):
    MembershipFactory(user=charlie, school=villiers, role=Role.DSL)  # same person, two roles
    leaver = person(villiers, full_name="Larry Leaver")
    signed(leaver, villiers_policy)
    leaver.memberships.update(ends_on=today - datetime.timedelta(days=1))
    starter = person(villiers, full_name="Nina Newcomer")
    starter.memberships.update(starts_on=today + datetime.timedelta(days=3))
    figures = rows(school(villiers, today), f"signoff-{villiers_policy.pk}-category")
    assert figures["Everyone"] == ["1", "0", "1", "0", "0%"]


def test_overdue_is_counted_from_publication_or_a_newcomers_start_whichever_is_later(
    villiers, villiers_policy, charlie
):
    later = timezone.localdate() + datetime.timedelta(days=villiers.signoff_days + 10)
    newcomer = person(villiers, full_name="Nina Newcomer")
    newcomer.memberships.update(starts_on=later - datetime.timedelta(days=5))
    has_signed = person(villiers, full_name="Sam Signed")
    signed(has_signed, villiers_policy)
    figures = rows(school(villiers, later), f"signoff-{villiers_policy.pk}-category")
    # Charlie has had the school's 28 days and more; the newcomer has had five.
    assert figures["Everyone"] == ["3", "1", "2", "1", "33%"]


def test_the_percentage_never_rounds_up_to_all_while_someone_is_outstanding(
    villiers, villiers_policy, charlie, today
):
    for user in staff(villiers, 199):
        signed(user, villiers_policy)
    figures = rows(school(villiers, today), f"signoff-{villiers_policy.pk}-category")
    assert figures["Everyone"] == ["200", "199", "1", "0", "99%"]


def test_the_course_of_sign_off_since_publication_is_shown_week_by_week(
    villiers, villiers_policy, charlie
):
    published = timezone.localdate(villiers_policy.published_at)
    people = [charlie, *staff(villiers, 3)]
    for user, days in zip(people, [0, 1, 8, 16], strict=True):
        signed(user, villiers_policy, on=at(published + datetime.timedelta(days=days), 9))
    leaver = person(villiers, full_name="Larry Leaver")
    signed(leaver, villiers_policy, on=at(published, 9))
    leaver.memberships.update(ends_on=published)
    today = published + datetime.timedelta(days=20)
    course = table(school(villiers, today), f"signoff-{villiers_policy.pk}-course")
    assert [(row.on, row.cells[0].text, row.cells[1].text) for row in course.rows] == [
        (published, "1", "25%"),
        (published + datetime.timedelta(days=7), "2", "50%"),
        (published + datetime.timedelta(days=14), "3", "75%"),
        (today, "4", "100%"),
    ]
    assert course.chart.kind == "line"


def test_an_old_versions_course_is_shown_month_by_month(villiers, villiers_policy, charlie):
    published = timezone.localdate(villiers_policy.published_at)
    today = published + datetime.timedelta(days=400)
    course = table(school(villiers, today), f"signoff-{villiers_policy.pk}-course")
    days = [row.on for row in course.rows]
    assert days[0] == published and days[-1] == today
    assert 13 <= len(days) <= 26
    assert all((later - earlier).days <= 62 for earlier, later in itertools.pairwise(days))


def test_a_trust_dashboard_counts_a_trust_policy_across_its_schools_and_central_roles(
    villiers, oscar, shine, charlie, hana, today
):
    trust_policy = publish(import_source("villiers-staff-social-media.md", trust=shine))
    at_oakfield = staff(oscar, 2)
    both = staff(villiers, 1)[0]
    MembershipFactory(user=both, school=oscar)  # works at both schools
    for user in [charlie, at_oakfield[0], hana]:
        signed(user, trust_policy)
    dashboard = selectors.trust_dashboard(shine, current_term(today), today=today)
    by_school = rows(dashboard, f"signoff-{trust_policy.pk}-school")
    assert by_school["Villiers Primary School"] == ["2", "1", "1", "0", "50%"]
    assert by_school["Oakfield Primary School"] == ["3", "1", "2", "0", "33%"]
    assert by_school["Trust-wide roles"] == ["1", "1", "0", "0", "100%"]
    assert by_school["Everyone"] == ["5", "3", "2", "0", "60%"]


def test_a_trust_dashboard_counts_a_school_policy_at_its_own_school_only(
    villiers, oscar, shine, villiers_policy, charlie, hana, today
):
    staff(oscar, 4)
    dashboard = selectors.trust_dashboard(shine, current_term(today), today=today)
    by_school = rows(dashboard, f"signoff-{villiers_policy.pk}-school")
    assert list(by_school) == ["Villiers Primary School", "Everyone"]
    assert by_school["Everyone"] == ["1", "0", "1", "0", "0%"]
    caption = table(dashboard, f"signoff-{villiers_policy.pk}-school").caption
    assert caption == "Social Media Policy, version 1 (Villiers Primary School): sign-off by school"


def test_a_school_dashboard_counts_its_trusts_policy_for_its_own_people(
    villiers, oscar, shine, charlie, hana, today
):
    trust_policy = publish(import_source("villiers-staff-social-media.md", trust=shine))
    staff(oscar, 4)
    signed(hana, trust_policy)
    figures = rows(school(villiers, today), f"signoff-{trust_policy.pk}-category")
    assert figures["Everyone"] == ["1", "0", "1", "0", "0%"]  # Charlie; not Hana, not Oakfield


def test_with_no_policy_published_the_section_says_so(villiers, charlie, today):
    section = school(villiers, today).sections[0]
    assert section.tables == []
    assert "no published policy" in section.intro


def test_central_staff_of_a_trust_are_not_at_the_school(villiers, shine, villiers_policy, today):
    trust_member(shine, Role.DPL)
    figures = rows(school(villiers, today), f"signoff-{villiers_policy.pk}-category")
    assert figures["Everyone"][0] == "0"
