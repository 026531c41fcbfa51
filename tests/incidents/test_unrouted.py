"""Nothing is routed to nobody: a report that nobody in the portal can receive is kept unseen,
the reporter is told plainly who to contact outside it (before sending, and after), and the
Data Protection Lead is told a role needs filling — with nothing of the report."""

import pytest
from django.core import mail

from incidents.models import Category, SubjectKind
from notifications.models import Notification
from people.models import Membership, Role
from tests.factories import person
from tests.reports import submit


@pytest.fixture
def no_chair(se):
    Membership.objects.filter(user=se.chair).delete()
    se.school.lado_contact = "Anytown LADO service"
    se.school.lado_phone = "01632 960 000"
    se.school.save()
    # An external data protection officer: a DPL on the staff answers to the Head, so would
    # not be told of a report about the Head.
    se.dpl = person(se.school, Role.DPL, full_name="Dan Price", email="dpl@se.example")
    return se


def about_head(se):
    return submit(se.teacher, se.school, subject_kind=SubjectKind.ADULT, subject_user=se.head)


def test_the_reporter_is_told_who_to_contact_and_never_that_someone_was_told(client, no_chair):
    se = no_chair
    report = about_head(se)
    client.force_login(se.teacher)
    page = client.get(f"/incidents/{report.pk}/sent/").content.decode()
    assert "Nobody in the portal can receive this report yet" in page
    assert "Anytown LADO service" in page and "01632 960 000" in page and "999" in page
    assert "Chair of Governors or the Vice-chair of Governors" in page
    assert "They have been told by e-mail" not in page
    assert "they have been alerted now" not in page


def test_the_confirmation_names_the_roles_that_receive_it_and_nothing_else(client, se):
    report = about_head(se)
    client.force_login(se.teacher)
    page = client.get(f"/incidents/{report.pk}/sent/").content.decode()
    assert "The Chair of Governors" in page
    assert "Nobody in the portal can receive" not in page
    assert se.chair.full_name not in page  # about a person: roles only


def test_the_form_says_so_before_the_report_is_sent(client, no_chair):
    se = no_chair
    client.force_login(se.teacher)
    query = {
        "school": se.school.pk, "category": Category.BREACH, "subject_kind": "adult",
        "subject_user": se.head.pk,
    }  # fmt: skip
    page = client.get("/incidents/report/recipients/", query).content.decode()
    assert "Nobody in the portal can receive a report like this yet" in page
    assert "Anytown LADO service" in page
    query["subject_user"] = se.teacher.pk
    page = client.get("/incidents/report/recipients/", query).content.decode()
    assert "It will go to</strong> the Head of School." in page


def test_the_data_protection_lead_is_told_a_role_needs_filling_without_details(no_chair):
    se = no_chair
    report = about_head(se)
    (row,) = Notification.objects.filter(recipient=se.dpl)
    assert row.message["subject"] == f"A role needs filling at {se.school}"
    body = row.message["body"]
    assert "Chair of Governors" in body
    for detail in (report.description, se.head.full_name, report.get_category_display()):
        assert detail not in body
    assert not Notification.objects.filter(recipient=se.head).exists()


def test_the_subject_is_never_the_one_told_a_role_needs_filling(no_chair):
    se = no_chair
    Membership.objects.filter(user=se.dpl).delete()
    Membership.objects.create(
        user=se.head, school=se.school, role=Role.DPL, staff_category="teaching"
    )
    about_head(se)
    assert not Notification.objects.filter(recipient=se.head).exists()
    assert all(se.head.email not in message.to for message in mail.outbox)


def test_a_dpl_on_the_staff_is_not_told_of_a_report_about_the_head(no_chair):
    se = no_chair
    Membership.objects.create(
        user=se.dpl, school=se.school, role=Role.STAFF, staff_category="teaching"
    )
    about_head(se)
    assert not Notification.objects.filter(recipient=se.dpl).exists()
