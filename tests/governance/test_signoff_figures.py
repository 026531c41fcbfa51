"""Sign-off of each current version, as it stands today: overall, by staff category, by school
for a trust, and its course since publication."""

import csv
import datetime
import io
import itertools
import random

import pytest
from django.utils import timezone

from governance import selectors
from governance.periods import current_term
from governance.selectors.signoff import OTHER_CATEGORIES, _merge_small
from people.models import Role, StaffCategory
from tests.factories import MembershipFactory, import_source, person, publish
from tests.governance.data import at, rows, signed, staff, table, trust_member
from tests.governance.test_incident_figures import pdf_text


@pytest.fixture
def today():
    return timezone.localdate()


def school(villiers, today, **kwargs):
    return selectors.school_dashboard(villiers, current_term(today), today=today, **kwargs)


def test_sign_off_counts_everyone_at_the_school_by_staff_category(
    villiers, villiers_policy, charlie, gwen, today
):
    teachers = staff(villiers, 5, StaffCategory.TEACHING)
    volunteers = staff(villiers, 5, StaffCategory.VOLUNTEER)
    governors = [gwen, *(person(villiers, Role.GOVERNOR) for _ in range(4))]
    for user in [charlie, teachers[0], volunteers[0], *volunteers[1:3], gwen]:
        signed(user, villiers_policy)
    figures = rows(school(villiers, today), f"signoff-{villiers_policy.pk}-category")
    # People, signed, not signed, overdue, signed (%)
    assert figures["Teaching staff"] == ["6", "2", "4", "0", "33%"]
    assert figures["Volunteer"] == ["5", "3", "2", "0", "60%"]
    assert figures["Governor or trustee"] == [str(len(governors)), "1", "4", "0", "20%"]
    assert figures["Everyone"] == ["16", "6", "10", "0", "38%"]
    assert "Apprentice" not in figures  # no one in the category: no row
    assert "Other staff groups" not in figures  # no group is small


def test_a_staff_group_of_one_is_counted_with_the_other_small_groups(
    villiers, villiers_policy, charlie, today
):
    teachers = staff(villiers, 9, StaffCategory.TEACHING)
    support = staff(villiers, 6, StaffCategory.NON_TEACHING)
    trainee, _agency = staff(villiers, 2, StaffCategory.TRAINEE, StaffCategory.AGENCY)
    volunteers = staff(villiers, 3, StaffCategory.VOLUNTEER)
    for user in [trainee, *teachers[:5], *support[:3], volunteers[0]]:
        signed(user, villiers_policy)
    figures = rows(school(villiers, today), f"signoff-{villiers_policy.pk}-category")
    assert figures == {
        "Teaching staff": ["10", "5", "5", "0", "50%"],  # Charlie too
        "Non-teaching staff": ["6", "3", "3", "0", "50%"],
        # The trainee, the agency worker and three volunteers: five, so shown together.
        "Other staff groups": ["5", "2", "3", "0", "40%"],
        "Everyone": ["21", "10", "11", "0", "48%"],
    }


def test_small_groups_still_under_five_together_take_in_the_next_smallest(
    villiers, villiers_policy, charlie, today
):
    staff(villiers, 11, StaffCategory.TEACHING)
    support = staff(villiers, 7, StaffCategory.NON_TEACHING)
    volunteers = staff(villiers, 6, StaffCategory.VOLUNTEER)
    [trainee] = staff(villiers, 1, StaffCategory.TRAINEE)
    for user in [trainee, *support[:2], *volunteers]:
        signed(user, villiers_policy)
    dashboard = school(villiers, today)
    figures = rows(dashboard, f"signoff-{villiers_policy.pk}-category")
    # The trainee alone is 1: the six volunteers, the smallest group left, join them. Neither
    # "Other" nor "Everyone" minus the rows shown says whether the trainee signed.
    assert figures == {
        "Teaching staff": ["12", "0", "12", "0", "0%"],
        "Non-teaching staff": ["7", "2", "5", "0", "29%"],
        "Other staff groups": ["7", "7", "0", "0", "100%"],
        "Everyone": ["26", "9", "17", "0", "35%"],
    }
    note = table(dashboard, f"signoff-{villiers_policy.pk}-category").note
    assert "fewer than 5 people are counted together" in note


def test_when_every_group_would_be_merged_there_is_no_breakdown_only_everyone(
    villiers, villiers_policy, charlie, today
):
    staff(villiers, 4, StaffCategory.TRAINEE, StaffCategory.AGENCY)
    figures = rows(school(villiers, today), f"signoff-{villiers_policy.pk}-category")
    assert figures == {"Everyone": ["5", "0", "5", "0", "0%"]}


def test_someone_in_two_categories_is_counted_once_so_the_rows_add_up_to_everyone(
    villiers, villiers_policy, charlie, today
):
    staff(villiers, 6, StaffCategory.NON_TEACHING)
    volunteers = staff(villiers, 5, StaffCategory.VOLUNTEER)
    teachers = staff(villiers, 5, StaffCategory.TEACHING)
    both = teachers[0]
    MembershipFactory(
        user=both, school=villiers, role=Role.DEPUTY_DSL, staff_category=StaffCategory.VOLUNTEER
    )
    signed(both, villiers_policy)
    figures = rows(school(villiers, today), f"signoff-{villiers_policy.pk}-category")
    assert figures["Teaching staff"] == ["6", "1", "5", "0", "17%"]  # Charlie, and `both`
    assert figures["Volunteer"] == [str(len(volunteers)), "0", "5", "0", "0%"]
    body = [cells for label, cells in figures.items() if label != "Everyone"]
    for column in range(4):
        assert sum(int(cells[column]) for cells in body) == int(figures["Everyone"][column])


def test_no_breakdown_ever_shows_a_group_under_five_or_leaves_one_by_difference():
    rng = random.Random(20261201)  # noqa: S311 - repeatable, not secret
    for _ in range(2000):
        groups = []
        for n in range(rng.randint(1, 8)):
            people = rng.choice([1, 2, 3, 4, 5, 6, 8, 12, 30])
            figures = {"people_1": people, "signed_1_n": rng.randint(0, people), "overdue_1": 0}
            groups.append((f"group {n}", figures))
        shown = _merge_small(1, groups, OTHER_CATEGORIES)
        assert all(int(row.cells[0].text) >= 5 for row in shown)
        small = {label for label, figures in groups if figures["people_1"] < 5}
        assert not {row.label for row in shown} & small
        if shown:  # the rows cover everyone: subtracting them from "Everyone" leaves nothing
            for column, measure in [(0, "people_1"), (1, "signed_1_n")]:
                assert sum(int(row.cells[column].text) for row in shown) == sum(
                    figures[measure] for _, figures in groups
                )


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
    at_oakfield = staff(oscar, 6)
    at_villiers = staff(villiers, 4)
    MembershipFactory(user=at_villiers[0], school=oscar)  # works at both schools
    central = [hana, *(trust_member(shine, Role.DPL) for _ in range(4))]
    for user in [charlie, at_oakfield[0], *central[:3]]:
        signed(user, trust_policy)
    dashboard = selectors.trust_dashboard(shine, current_term(today), today=today)
    by_school = rows(dashboard, f"signoff-{trust_policy.pk}-school")
    assert by_school["Villiers Primary School"] == ["5", "1", "4", "0", "20%"]
    assert by_school["Oakfield Primary School"] == ["7", "1", "6", "0", "14%"]
    assert by_school["Trust-wide roles"] == [str(len(central)), "3", "2", "0", "60%"]
    assert by_school["Everyone"] == ["16", "5", "11", "0", "31%"]


def test_a_trust_dashboard_merges_a_place_with_fewer_than_five_people(
    villiers, oscar, shine, charlie, hana, today
):
    trust_policy = publish(import_source("villiers-staff-social-media.md", trust=shine))
    staff(oscar, 8)
    staff(villiers, 5)
    dashboard = selectors.trust_dashboard(shine, current_term(today), today=today)
    by_school = rows(dashboard, f"signoff-{trust_policy.pk}-school")
    # Hana alone at trust level is one person: counted with Villiers (6), the smallest school.
    assert by_school == {
        "Oakfield Primary School": ["8", "0", "8", "0", "0%"],
        "Other schools and trust-wide roles": ["7", "0", "7", "0", "0%"],
        "Everyone": ["15", "0", "15", "0", "0%"],
    }


def test_a_trust_dashboard_counts_a_school_policy_at_its_own_school_only(
    villiers, oscar, shine, villiers_policy, charlie, hana, today
):
    staff(oscar, 4)
    staff(villiers, 4)
    dashboard = selectors.trust_dashboard(shine, current_term(today), today=today)
    by_school = rows(dashboard, f"signoff-{villiers_policy.pk}-school")
    assert list(by_school) == ["Villiers Primary School", "Everyone"]
    assert by_school["Everyone"] == ["5", "0", "5", "0", "0%"]
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


def test_the_page_the_csv_and_the_pdf_show_the_trainee_only_among_other_staff_groups(
    client, villiers, villiers_policy, charlie, gwen
):
    staff(villiers, 8, StaffCategory.TEACHING)
    staff(villiers, 5, StaffCategory.VOLUNTEER)
    [trainee] = staff(villiers, 1, StaffCategory.TRAINEE)
    signed(trainee, villiers_policy)
    client.force_login(gwen)
    page = client.get("/governance/schools/villiers/").text
    lines = list(
        csv.DictReader(
            io.StringIO(client.get("/governance/schools/villiers/figures.csv").content.decode())
        )
    )
    pdf = pdf_text(client.get("/governance/schools/villiers/report.pdf").content)
    category = "Social Media Policy, version 1: sign-off by staff category"
    in_csv = {(line["Row"], line["Measure"]): line["Value"] for line in lines
              if line["Figure"] == category}  # fmt: skip
    # The trainee (1) and Gwen, the governor (1): with the five volunteers, seven together.
    assert in_csv[("Other staff groups", "People")] == "7"
    assert in_csv[("Other staff groups", "Signed")] == "1"
    assert not {row for row, _ in in_csv} & {"Trainee", "Governor or trustee", "Volunteer"}
    for text in (page, pdf):
        assert "Other staff groups" in text
        assert "Trainee" not in text and "Governor or trustee" not in text
