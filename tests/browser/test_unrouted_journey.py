"""A teacher reports the Head while the Chair of Governors is vacant: the form says before sending
that nobody in the portal can receive it and who to contact instead; the report waits, unseen;
the Head appoints a vice-chair, who receives it at once."""

import pytest
from django.contrib.auth.hashers import make_password

from incidents.models import EntryKind, Incident
from people.models import Role, User
from tests.browser.test_incident_journeys import bell, sign_out
from tests.factories import PASSWORD, SchoolFactory, person

pytestmark = pytest.mark.browser


@pytest.fixture
def school(db, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    school = SchoolFactory(
        name="St Elisabeth's CE Primary School",
        slug="st-elisabeths",
        head_title="Head of School",
        lado_contact="Anytown LADO service",
        lado_phone="01632 960 000",
    )
    person(school, Role.STAFF, Role.HEAD, full_name="Helen Hart", email="head@se.example")
    person(school, full_name="Tom Teague", email="teacher@se.example")
    return school


def test_a_report_about_the_head_waits_for_the_vice_chair_and_reaches_her(
    journey, school, mailoutbox
):
    page = journey.page
    journey.sign_in("teacher@se.example")
    journey.click("link", name="Report a concern")
    page.get_by_label("Breach of the policy by an adult").check()
    page.get_by_label("An adult who works at the school").check()
    page.get_by_label("Which adult?").select_option(label="Helen Hart")
    warning = page.get_by_text("Nobody in the portal can receive a report like this yet")
    warning.wait_for()
    assert page.get_by_text("Tell Anytown LADO service on 01632 960 000 today").is_visible()
    journey.check_accessibility()
    page.get_by_label("Where online?").fill("Instagram")
    page.get_by_label("What happened?").fill("Posted photos of pupils on a personal account.")
    journey.screenshot("unrouted-1-form-says-nobody")
    journey.click("button", name="Send the report")
    assert page.get_by_text("Nobody in the portal can receive this report yet.").is_visible()
    assert page.get_by_text("They have been told by e-mail").count() == 0
    journey.screenshot("unrouted-2-sent-waiting")
    incident = Incident.objects.get()
    assert mailoutbox == []  # nobody to tell, and the Head is the subject

    sign_out(journey)
    journey.sign_in("head@se.example")
    response = page.goto(journey.base_url + f"/incidents/{incident.pk}/")
    journey.check_accessibility()
    assert response.status == 404  # the subject, of all people, never reaches it
    assert "Posted photos of pupils" not in page.content()
    journey.goto(f"/people/{school.slug}/add/")
    page.get_by_label("Full name").fill("Vera Vice")
    page.get_by_label("E-mail address").fill("vera@se.example")
    page.get_by_label("Staff category").select_option(label="Governor or trustee")
    page.get_by_label("Member of staff").uncheck()
    page.get_by_label("Vice-chair of Governors").check()
    journey.click("button", name="Add and invite")
    assert page.get_by_text("Vera Vice added").is_visible()

    vera = User.objects.get(email="vera@se.example")
    assert incident.routing_decisions.filter(recipient=vera).exists()
    entry = incident.entries.get(kind=EntryKind.HANDOVER)
    assert "it had been waiting" in entry.text
    vera.password = make_password(PASSWORD)  # as if she had accepted her invitation
    vera.save(update_fields=["password"])
    sign_out(journey)
    journey.sign_in("vera@se.example")
    bell(page, "1 unread")
    journey.click("link", name="Notifications, 1 unread")
    journey.click("link", name=f"Open report {incident.reference}")
    assert page.get_by_text("Posted photos of pupils on a personal account.").is_visible()
    assert page.get_by_text("Routed now that the role is filled.", exact=False).first.is_visible()
    journey.screenshot("unrouted-3-vice-chair-case")
