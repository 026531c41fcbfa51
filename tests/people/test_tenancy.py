"""A Head's changes to people stay at their school: importing or adding someone who is
elsewhere in the portal adds them here and touches nothing else, and the preview never says
whether an address has an account outside the school."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from people.models import Invitation, Membership, Role, StaffCategory
from people.services import (
    invitation_resend,
    person_add,
    person_leave,
    person_roles_set,
    staff_import_apply,
    staff_import_preview,
)
from people.staff_import import plan_import
from tests.factories import MembershipFactory, UserFactory, person

HEADER = "Name,E-mail,Staff category,Role,Start date\n"
TODAY = datetime.date.today()


def import_file(school, head, text: str):
    kept = staff_import_preview(school=school, by=head, filename="staff.csv", data=text.encode())
    return staff_import_apply(staff_import=kept, by=head)


def villiers_memberships(user) -> list[tuple]:
    return sorted(
        Membership.objects.filter(user=user)
        .exclude(school__slug="st-elisabeths")
        .values_list("school__slug", "trust__slug", "role", "staff_category", "ends_on")
    )


@pytest.fixture
def shared(st_elisabeths, villiers, bob):
    """Bob teaches at St Elisabeth's and governs at Villiers."""
    MembershipFactory(
        user=bob, school=villiers, role=Role.GOVERNOR, staff_category=StaffCategory.GOVERNOR
    )
    return bob


def test_the_preview_says_the_same_of_an_address_with_an_account_elsewhere_as_of_a_new_one(
    client, st_elisabeths, alice, charlie
):
    text = (
        HEADER
        + "C Chen,charlie@villiers.example,Teaching staff,staff,01/09/2026\n"
        + "N New,nobody@villiers.example,Teaching staff,staff,01/09/2026\n"
    )
    elsewhere, unknown = plan_import(st_elisabeths, text).rows
    assert (elsewhere.action, elsewhere.changes) == (unknown.action, unknown.changes)
    assert elsewhere.changes == ["new person: member of staff"]
    client.force_login(alice)
    response = client.post(
        "/people/st-elisabeths/import/",
        {"file": SimpleUploadedFile("staff.csv", text.encode())},
        follow=True,
    )
    page = response.text
    assert "<strong>2</strong> to add" in page and "<strong>0</strong> to change" in page
    for email in ("charlie@villiers.example", "nobody@villiers.example"):
        row = page[page.index(email) :].split("</tr>")[0]
        assert 'text-bg-success">add</span> new person: member of staff</td>' in row


def test_importing_someone_from_another_school_adds_them_here_and_changes_nothing_there(
    st_elisabeths, alice, charlie, django_capture_on_commit_callbacks
):
    before = villiers_memberships(charlie)
    text = HEADER + "Renamed Person,charlie@villiers.example,Volunteer,staff; DSL,01/09/2026\n"
    with django_capture_on_commit_callbacks(execute=True):
        plan = import_file(st_elisabeths, alice, text)
    assert plan.count("create") == 1
    charlie.refresh_from_db()
    assert charlie.full_name == "Charlie Chen"
    assert charlie.check_password("correct-horse-battery-staple")  # no reset, no new password
    assert villiers_memberships(charlie) == before
    here = Membership.objects.filter(user=charlie, school=st_elisabeths)
    assert {(m.role, m.staff_category) for m in here} == {
        (Role.STAFF, StaffCategory.VOLUNTEER),
        (Role.DSL, StaffCategory.VOLUNTEER),
    }
    assert not Invitation.objects.filter(user=charlie).exists()
    assert mail.outbox == []


def test_an_import_does_not_rename_someone_who_is_also_elsewhere_but_renames_who_is_only_here(
    st_elisabeths, alice, shared, villiers
):
    only_here = person(st_elisabeths, full_name="Dan Dale", email="dan@se.example")
    text = (
        HEADER
        + "Robert Baker,bob@se.example,Non-teaching staff,staff,01/09/2026\n"
        + "Daniel Dale,dan@se.example,Teaching staff,staff,01/09/2026\n"
    )
    bob_row, dan_row = plan_import(st_elisabeths, text).rows
    assert bob_row.changes == ["staff category becomes non-teaching staff"]
    assert dan_row.changes == ["name becomes Daniel Dale"]
    before = villiers_memberships(shared)
    import_file(st_elisabeths, alice, text)
    shared.refresh_from_db()
    only_here.refresh_from_db()
    assert shared.full_name == "Bob Baker"
    assert only_here.full_name == "Daniel Dale"
    assert villiers_memberships(shared) == before  # still a governor there, category unchanged
    assert set(
        shared.memberships.filter(school=st_elisabeths).values_list("staff_category", flat=True)
    ) == {StaffCategory.NON_TEACHING}


def test_an_import_of_a_leaver_back_at_the_school_starts_after_their_last_day(
    st_elisabeths, alice, bob
):
    last_day = TODAY - datetime.timedelta(days=30)
    bob.memberships.update(starts_on=datetime.date(2025, 9, 1), ends_on=last_day)
    plan = import_file(
        st_elisabeths, alice, HEADER + "Bob Baker,bob@se.example,Teaching staff,staff,01/09/2025\n"
    )
    assert plan.rows[0].changes == ["new person: member of staff"]
    back = bob.memberships.get(ends_on__isnull=True)
    assert back.starts_on == last_day + datetime.timedelta(days=1)
    assert not Invitation.objects.filter(user=bob).exists()


def test_adding_someone_from_another_school_adds_a_membership_and_touches_nothing_else(
    client, st_elisabeths, alice, charlie, django_capture_on_commit_callbacks
):
    before = villiers_memberships(charlie)
    client.force_login(alice)
    form = {
        "full_name": "Someone Else",
        "email": "Charlie@Villiers.example",
        "staff_category": "agency",
        "roles": ["staff"],
        "starts_on": "2026-09-01",
    }
    with django_capture_on_commit_callbacks(execute=True):
        existing = client.post("/people/st-elisabeths/add/", form, follow=True)
        new = client.post(
            "/people/st-elisabeths/add/", {**form, "email": "new@se.example"}, follow=True
        )
    charlie.refresh_from_db()
    assert charlie.full_name == "Charlie Chen"
    assert villiers_memberships(charlie) == before
    assert charlie.memberships.get(school=st_elisabeths).staff_category == "agency"
    assert [m.to for m in mail.outbox] == [["new@se.example"]]  # Charlie is not re-invited
    said = "Someone Else added. Anyone new to the portal is invited by e-mail."
    assert said in existing.text and said in new.text


def test_adding_a_leaver_back_cannot_overlap_the_roles_that_ended(st_elisabeths, alice, bob):
    bob.memberships.update(ends_on=TODAY - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="left St Elisabeth's CE Primary School on"):
        person_add(
            school=st_elisabeths, by=alice, full_name="Bob Baker", email="bob@se.example",
            staff_category="teaching", roles=[Role.STAFF], starts_on=datetime.date(2025, 9, 1),
        )  # fmt: skip
    person_add(
        school=st_elisabeths, by=alice, full_name="Bob Baker", email="bob@se.example",
        staff_category="teaching", roles=[Role.STAFF], starts_on=TODAY,
    )  # fmt: skip
    assert bob.memberships.filter(ends_on__isnull=True, starts_on=TODAY).count() == 1


def test_roles_and_leaving_at_one_school_leave_the_persons_other_school_alone(
    st_elisabeths, alice, shared
):
    before = villiers_memberships(shared)
    person_roles_set(school=st_elisabeths, user=shared, roles=[Role.DSL], by=alice)
    person_leave(school=st_elisabeths, user=shared, ends_on=TODAY, by=alice)
    assert villiers_memberships(shared) == before
    assert not shared.memberships.filter(school=st_elisabeths, ends_on__isnull=True).exists()


def test_a_person_of_another_school_cannot_be_given_roles_or_invited_from_here(
    client, st_elisabeths, alice, charlie
):
    client.force_login(alice)
    base = f"/people/st-elisabeths/{charlie.pk}"
    assert client.post(f"{base}/roles/", {"roles": ["head"]}).status_code == 404
    assert client.post(f"{base}/invite/").status_code == 404
    with pytest.raises(ValidationError, match="not at the school today"):
        person_roles_set(school=st_elisabeths, user=charlie, roles=[Role.HEAD], by=alice)
    with pytest.raises(ValidationError, match="no role at the school"):
        person_leave(school=st_elisabeths, user=charlie, ends_on=TODAY, by=alice)
    with pytest.raises(ValidationError, match="no longer at"):
        invitation_resend(school=st_elisabeths, user=charlie, by=alice)
    assert not charlie.memberships.filter(school=st_elisabeths).exists()
    assert not Invitation.objects.exists()


def test_an_account_in_use_gets_no_invitation_from_a_school_it_was_added_to(
    client, st_elisabeths, alice, charlie
):
    # Charlie signs in at Villiers; St Elisabeth's adds him, then tries to invite him again.
    MembershipFactory(user=charlie, school=st_elisabeths)
    client.force_login(alice)
    response = client.post(f"/people/st-elisabeths/{charlie.pk}/invite/", follow=True)
    assert "already signs in with their own password" in response.text
    assert not Invitation.objects.filter(user=charlie).exists()
    assert mail.outbox == []


def test_an_accepted_invitation_or_a_leaver_is_not_invited_again(st_elisabeths, alice):
    nina = UserFactory(email="nina@se.example")
    nina.set_unusable_password()  # as an account the portal made, until it is accepted
    nina.save()
    MembershipFactory(user=nina, school=st_elisabeths)
    invitation = invitation_resend(school=st_elisabeths, user=nina, by=alice)
    assert invitation.sent_count == 1
    nina.memberships.update(ends_on=TODAY - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="no longer at St Elisabeth"):
        invitation_resend(school=st_elisabeths, user=nina, by=alice)
    nina.memberships.update(ends_on=None)
    Invitation.objects.update(accepted_at=datetime.datetime.now(datetime.UTC))
    with pytest.raises(ValidationError, match="already signs in"):
        invitation_resend(school=st_elisabeths, user=nina, by=alice)


def test_a_newcomer_who_has_not_signed_in_can_be_sent_a_new_invitation(
    client, st_elisabeths, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        nina = person_add(
            school=st_elisabeths, by=alice, full_name="Nina New", email="nina@se.example",
            staff_category="teaching", roles=[Role.STAFF], starts_on=TODAY,
        )  # fmt: skip
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/people/st-elisabeths/{nina.pk}/invite/", follow=True)
    assert "A new invitation has been sent to nina@se.example" in response.text
    assert Invitation.objects.get(user=nina).sent_count == 2
    assert len(mail.outbox) == 2
