"""A school's staff list, as its MIS exports it: preview, all-or-nothing import, bad input."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from people.models import Invitation, Membership, Role, StaffImport, User
from people.services import staff_import_apply, staff_import_preview
from people.staff_import import ImportRefused, plan_import

HEADER = "Name,E-mail,Staff category,Role,Start date\n"
CATEGORIES = ["Teaching staff", "Non-teaching staff", "Volunteer", "Agency staff", "Trainee"]


def staff_csv(count: int = 30, start: str = "01/09/2026") -> str:
    rows = [
        f"Person {n},person{n}@se.example,{CATEGORIES[n % 5]},{'staff; deputy DSL' if n == 1 else 'staff'},{start}"
        for n in range(count)
    ]
    return HEADER + "\n".join(rows) + "\n"


def upload(school, user, text: str | bytes, filename: str = "staff.csv"):
    data = text.encode() if isinstance(text, str) else text
    return staff_import_preview(school=school, by=user, filename=filename, data=data)


def test_the_preview_says_what_each_row_will_do_and_writes_nothing(st_elisabeths, alice, bob):
    text = staff_csv(3) + "Bob Baker,bob@se.example,Teaching staff,staff,01/09/2025\n"
    plan = plan_import(st_elisabeths, text)
    assert [row.action for row in plan.rows] == ["create", "create", "create", "unchanged"]
    assert plan.rows[1].changes == [
        "new person: member of staff, deputy designated safeguarding lead"
    ]
    assert User.objects.count() == 2


def test_importing_thirty_staff_adds_and_invites_them_all(
    st_elisabeths, alice, django_capture_on_commit_callbacks
):
    kept = upload(st_elisabeths, alice, staff_csv(30))
    with django_capture_on_commit_callbacks(execute=True):
        plan = staff_import_apply(staff_import=kept, by=alice)
    assert plan.count("create") == 30
    assert Membership.objects.filter(school=st_elisabeths, role=Role.STAFF).count() == 31
    assert Membership.objects.filter(
        user__email="person1@se.example", role=Role.DEPUTY_DSL
    ).exists()
    assert Invitation.objects.count() == 30
    assert len(mail.outbox) == 30
    assert not User.objects.get(email="person1@se.example").has_usable_password()


def test_importing_the_same_file_twice_changes_nothing(st_elisabeths, alice):
    staff_import_apply(staff_import=upload(st_elisabeths, alice, staff_csv(30)), by=alice)
    before = (User.objects.count(), Membership.objects.count(), Invitation.objects.count())
    plan = staff_import_apply(staff_import=upload(st_elisabeths, alice, staff_csv(30)), by=alice)
    assert plan.count("unchanged") == 30 and plan.count("create") == plan.count("change") == 0
    assert (User.objects.count(), Membership.objects.count(), Invitation.objects.count()) == before


def test_a_changed_category_and_a_new_role_are_changes(st_elisabeths, alice, bob):
    text = HEADER + "Bob Baker,bob@se.example,Non-teaching staff,staff; DSL,01/09/2026\n"
    plan = staff_import_apply(staff_import=upload(st_elisabeths, alice, text), by=alice)
    assert plan.rows[0].changes == [
        "adds designated safeguarding lead",
        "staff category becomes non-teaching staff",
    ]
    assert set(bob.memberships.values_list("staff_category", flat=True)) == {"non_teaching"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Forename,Surname,Post\nA,B,Teacher\n",
            "it has no name and no e-mail and no staff category and no start date column",
        ),
        ("", "The file is empty."),
        (HEADER, "nobody in it"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_message(st_elisabeths, alice, text, message):
    with pytest.raises(ImportRefused, match=message):
        upload(st_elisabeths, alice, text)
    assert not StaffImport.objects.exists()


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "Ann,ann@se.example,Dinner lady,staff,01/09/2026",
            "Line 3, staff category: “Dinner lady” is not one of",
        ),
        (
            "Ann,not-an-address,Teaching staff,staff,01/09/2026",
            "Line 3, e-mail: “not-an-address” is not an e-mail address",
        ),
        (
            "Ann,person0@se.example,Teaching staff,staff,01/09/2026",
            "Line 3, e-mail: person0@se.example is also on line 2",
        ),
        (
            "Ann,ann@se.example,Teaching staff,staff,31/02/2026",
            "Line 3, start date: “31/02/2026” is not a date",
        ),
        (
            "Ann,ann@se.example,Teaching staff,Head of HR,01/09/2026",
            "Line 3, role: “Head of HR” is not a school role",
        ),
        (",ann@se.example,Teaching staff,staff,01/09/2026", "Line 3, name: is empty"),
    ],
)
def test_a_row_with_an_error_is_named_by_line_and_field_and_nothing_is_written(
    st_elisabeths, alice, row, error
):
    kept = upload(st_elisabeths, alice, staff_csv(1) + row + "\n")
    plan = plan_import(st_elisabeths, kept.text)
    assert error in [str(e)[: len(error)] for e in plan.errors]
    with pytest.raises(ValidationError, match="nothing was imported"):
        staff_import_apply(staff_import=kept, by=alice)
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        ("\ufeff" + HEADER + "Zoë Ørsted,zoe@se.example,Teaching staff,staff,01/09/2026\n").encode(
            "utf-8"
        ),
        (HEADER + "Zoë Ørsted,zoe@se.example,Teaching staff,staff,01/09/2026\n").encode(
            "cp1252", errors="replace"
        ),
        (HEADER + "Zoë Ørsted,zoe@se.example,Teaching staff,staff,01/09/2026\n").encode("utf-16"),
    ],
    ids=["utf-8 with BOM", "windows-1252", "utf-16"],
)
def test_other_encodings_are_read(st_elisabeths, alice, data):
    staff_import_apply(staff_import=upload(st_elisabeths, alice, data), by=alice)
    assert User.objects.get(email="zoe@se.example").full_name == "Zoë Ørsted"


def test_semicolon_separated_files_and_uk_dates_are_read(st_elisabeths, alice):
    text = "name;email;category;role;start date\nAnn;ann@se.example;volunteer;staff;1/9/2026\n"
    [row] = plan_import(st_elisabeths, text).rows
    assert row.category == "volunteer" and str(row.starts_on) == "2026-09-01"


def test_ten_thousand_rows_are_refused_with_a_clear_message(st_elisabeths, alice):
    with pytest.raises(ImportRefused, match="has 10,000 people in it; at most 2,000"):
        upload(st_elisabeths, alice, staff_csv(10_000))
    assert User.objects.count() == 1


def test_a_failure_half_way_leaves_nothing_written(st_elisabeths, alice, monkeypatch):
    from people import services

    calls = []

    def failing(**kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("mail relay down")

    monkeypatch.setattr(services, "invitation_send", failing)
    kept = upload(st_elisabeths, alice, staff_csv(30))
    with pytest.raises(RuntimeError):
        staff_import_apply(staff_import=kept, by=alice)
    assert User.objects.count() == 1
    assert Membership.objects.count() == 2
    kept.refresh_from_db()
    assert kept.applied_at is None


def test_the_preview_page_lists_errors_by_line(client, st_elisabeths, alice):
    client.force_login(alice)
    bad = staff_csv(2) + "Ann,ann@se.example,Dinner lady,staff,01/09/2026\n"
    response = client.post(
        "/people/st-elisabeths/import/",
        {"file": SimpleUploadedFile("staff.csv", bad.encode())},
        follow=True,
    )
    assert "1 error: nothing can be imported" in response.text
    assert "Line 4, staff category: “Dinner lady”" in response.text


def test_a_wrong_header_is_shown_on_the_upload_form(client, st_elisabeths, alice):
    client.force_login(alice)
    response = client.post(
        "/people/st-elisabeths/import/", {"file": SimpleUploadedFile("mis.csv", b"A,B\n1,2\n")}
    )
    assert response.status_code == 200
    assert "mis.csv: The first line must name the columns" in response.text
