"""The Head imports thirty staff; one of them accepts the invitation and sees what to sign."""

import re

import pytest
from django.core import mail

from people.models import Role
from tests.factories import import_source, person, publish
from tests.people.test_staff_import import staff_csv

pytestmark = pytest.mark.browser


def test_the_head_imports_thirty_staff_and_a_new_person_accepts_their_invitation(
    journey, browser, live_server, st_elisabeths, tmp_path
):
    from tests.journeys import LAPTOP, Journey, new_context

    publish(import_source("st-elisabeths-staff-social-media.md", school=st_elisabeths))
    person(st_elisabeths, Role.STAFF, Role.HEAD, full_name="Helen Hart", email="head@se.example")
    staff_file = tmp_path / "staff.csv"
    staff_file.write_text(staff_csv(30))
    page = journey.page
    journey.sign_in("head@se.example")
    journey.click("link", name="People at St Elisabeth's CE Primary School")
    journey.click("link", name="Import a staff list (CSV)")
    page.get_by_label("Staff list (CSV)").set_input_files(str(staff_file))
    journey.click("button", name="Preview")
    assert page.get_by_text(
        "30 rows: 30 to add (anyone new to the portal is invited by e-mail), 0 to change, "
        "0 to leave as they are."
    ).is_visible()
    journey.screenshot("people-1-import-preview")
    journey.click("button", name="Import 30 changes")
    assert page.get_by_text("Imported: 30 added (anyone new to the portal").is_visible()
    assert page.get_by_text("31 people now or starting soon.").is_visible()
    journey.screenshot("people-2-imported")

    invitation = next(m for m in mail.outbox if m.to == ["person7@se.example"])
    link = re.search(r"http://\S+(/invitations/\S+/)", invitation.body).group(1)
    context = new_context(browser, LAPTOP)
    newcomer = Journey(context.new_page(), live_server.url)
    newcomer.goto(link)
    assert newcomer.page.get_by_role("heading", name="Welcome, Person").is_visible()
    newcomer.page.locator("#id_new_password1").fill("a-long-and-unusual-passphrase")
    newcomer.page.locator("#id_new_password2").fill("a-long-and-unusual-passphrase")
    newcomer.screenshot("people-3-set-password")
    newcomer.click("button", name="Set password and sign in")
    assert newcomer.page.get_by_text("Welcome to the Conduct Portal").is_visible()
    newcomer.screenshot("people-4-newcomer-home")
    newcomer.click("link", name=re.compile(r"Social Media Policy \(version 1\)"))
    assert newcomer.page.get_by_role(
        "heading", name="Read and sign the Social Media Policy"
    ).is_visible()
    assert not newcomer.unchecked_pages()
    context.close()
