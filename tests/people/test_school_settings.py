"""The school's reminder ladder, set by the Head on /people/<school>/settings/."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from acknowledgements.services.reminders import signoff_reminders_send
from audit.models import Action, AuditEvent
from people.models import Role, School
from people.services import school_reminders_set
from tests.factories import person

URL = "/people/st-elisabeths/settings/"


def ladder(school: School) -> tuple[int, int, int]:
    school.refresh_from_db()
    return school.first_reminder_days, school.second_reminder_days, school.digest_days


def test_the_head_sees_the_ladder_as_it_is_and_changes_it(client, st_elisabeths, alice):
    client.force_login(alice)
    page = client.get(URL).text
    assert "First reminder after 7 days" in page
    assert "The Head of School is told after 21 days" in page
    response = client.post(
        URL, {"first_reminder_days": 5, "second_reminder_days": 10, "digest_days": 15}
    )
    assert response.status_code == 302 and response.url == URL
    assert ladder(st_elisabeths) == (5, 10, 15)
    assert "The reminder days are saved." in client.get(URL).text


def test_a_change_is_audited_with_the_days_before_and_after(st_elisabeths, alice):
    assert school_reminders_set(
        school=st_elisabeths, by=alice, first_reminder_days=3, second_reminder_days=10,
        digest_days=30,
    )  # fmt: skip
    event = AuditEvent.objects.get(action=Action.PEOPLE)
    assert event.actor == alice and event.school == st_elisabeths
    assert event.record == f"people.School {st_elisabeths.pk}"
    assert event.detail == "reminder ladder set from days 7/14/21 to days 3/10/30"


def test_saving_the_same_days_changes_and_records_nothing(client, st_elisabeths, alice):
    client.force_login(alice)
    client.post(URL, {"first_reminder_days": 7, "second_reminder_days": 14, "digest_days": 21})
    assert not AuditEvent.objects.filter(action=Action.PEOPLE).exists()
    assert "Nothing changed" in client.get(URL).text


@pytest.mark.parametrize(
    ("days", "field", "message"),
    [
        ((7, 7, 21), "second_reminder_days", "must come after the first reminder (day 7)"),
        ((7, 14, 10), "digest_days", "must come after the second reminder (day 14)"),
        ((0, 14, 21), "first_reminder_days", "at least 1 day"),
        ((7, 14, 400), "digest_days", "at most 365 days"),
    ],
)
def test_a_ladder_that_does_not_climb_is_refused(st_elisabeths, alice, days, field, message):
    with pytest.raises(ValidationError) as refused:
        school_reminders_set(
            school=st_elisabeths, by=alice, first_reminder_days=days[0],
            second_reminder_days=days[1], digest_days=days[2],
        )  # fmt: skip
    assert message in " ".join(refused.value.message_dict[field])
    assert ladder(st_elisabeths) == (7, 14, 21)
    assert not AuditEvent.objects.filter(action=Action.PEOPLE).exists()


def test_a_refused_form_says_why_and_keeps_what_was_typed(client, st_elisabeths, alice):
    client.force_login(alice)
    response = client.post(
        URL, {"first_reminder_days": 10, "second_reminder_days": 9, "digest_days": "x"}
    )
    assert response.status_code == 200
    page = response.text
    assert "The second reminder must come after the first reminder (day 10)" in page
    assert "Enter a whole number." in page
    assert 'value="10"' in page and 'value="9"' in page and 'value="x"' in page
    # What is stored is shown as it is, not as it was typed.
    assert "First reminder after 7 days" in page
    assert ladder(st_elisabeths) == (7, 14, 21)


def test_the_reminder_task_follows_the_ladder_the_head_set(
    client, st_elisabeths, alice, bob, se_policy, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    client.post(URL, {"first_reminder_days": 2, "second_reminder_days": 4, "digest_days": 6})
    published = se_policy.published_at.date()

    def run(day: int) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return signoff_reminders_send(today=published + datetime.timedelta(days=day))

    day_one = run(1)
    assert (day_one["first"], day_one["second"], day_one["digest"]) == (0, 0, 0)
    assert run(2)["first"] == 2  # Bob, and Alice herself
    assert run(4)["second"] == 2
    assert run(6)["digest"] == 2


def test_only_the_head_reaches_the_page(client, st_elisabeths, alice):
    deputy = person(st_elisabeths, Role.DEPUTY_HEAD)
    client.force_login(deputy)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"first_reminder_days": 1}).status_code == 403
    assert ladder(st_elisabeths) == (7, 14, 21)


def test_the_head_sets_who_reporters_contact_outside_the_portal(client, st_elisabeths, alice):
    client.force_login(alice)
    url = f"/people/{st_elisabeths.slug}/settings/"
    response = client.post(
        url, {"lado-lado_contact": " Anytown LADO service ", "lado-lado_phone": "01632 960 000"}
    )
    assert response.status_code == 302
    st_elisabeths.refresh_from_db()
    assert (st_elisabeths.lado_contact, st_elisabeths.lado_phone) == (
        "Anytown LADO service",
        "01632 960 000",
    )
    assert AuditEvent.objects.filter(detail="LADO contact changed").count() == 1
    # The reminder days were not touched by the LADO form.
    assert st_elisabeths.first_reminder_days == 7
    page = client.get(url).content.decode()
    assert 'value="Anytown LADO service"' in page
