"""Reporting a concern, end to end in Chromium: the reporter's form and confirmation, the
recipients' bell, e-mail and case page, and the subject who never sees a thing."""

import hashlib
import re
from types import SimpleNamespace

import pytest
from PIL import Image

from incidents.models import Incident
from people.models import Role
from seeding.demo.policies import seed_policies
from tests.factories import SchoolFactory, person

pytestmark = pytest.mark.browser


@pytest.fixture
def school(db, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    st_elisabeths = SchoolFactory(
        name="St Elisabeth's CE Primary School", slug="st-elisabeths", head_title="Head of School"
    )
    SchoolFactory(name="Villiers Primary School", slug="villiers")
    seed_policies()
    return SimpleNamespace(
        school=st_elisabeths,
        head=person(
            st_elisabeths, Role.STAFF, Role.HEAD, full_name="Helen Hart", email="head@se.example"
        ),
        dsl=person(
            st_elisabeths, Role.STAFF, Role.DSL, full_name="Sarah Lowe", email="dsl@se.example"
        ),
        chair=person(
            st_elisabeths, Role.CHAIR, full_name="Catherine Fairley", email="chair@se.example"
        ),
        teacher=person(st_elisabeths, full_name="Tom Teague", email="teacher@se.example"),
    )


@pytest.fixture
def screenshot_png(tmp_path):
    path = tmp_path / "facebook-comments.png"
    image = Image.new("RGB", (320, 180), (235, 238, 245))
    image.save(path, "PNG")
    return path


def sign_out(journey) -> None:
    page = journey.page
    toggler = page.get_by_role("button", name="Show menu")
    if toggler.is_visible():
        toggler.click()
    journey.click("button", name="Sign out")


def open_menu_link(journey, name: str) -> None:
    toggler = journey.page.get_by_role("button", name="Show menu")
    if toggler.is_visible():
        toggler.click()
    journey.click(
        "link", name=name, exact=True, within=journey.page.get_by_role("navigation", name="Main")
    )


def bell(page, unread: str):
    """The bell link once htmx has loaded its count."""
    link = page.get_by_role("link", name=f"Notifications, {unread}")
    link.wait_for()
    return link


def test_a_teacher_reports_cyberbullying_with_a_screenshot_and_the_head_is_notified(
    phone_journey, journey, school, screenshot_png, mailoutbox
):
    teacher = phone_journey
    page = teacher.page
    teacher.sign_in("teacher@se.example")
    open_menu_link(teacher, "Report a concern")
    assert page.get_by_role("heading", name="Report a concern").is_visible()
    page.get_by_label("Cyberbullying or trolling of a member of staff").check()
    page.get_by_label("A parent or carer").check()
    assert page.get_by_label("Who is being bullied or trolled?").is_visible()
    page.get_by_label("Who is it?").fill("Parent in the Year 4 Facebook group")
    page.get_by_label("At what time?").fill("19:40")
    page.get_by_label("Where online?").fill("Facebook")
    page.get_by_label("Address of the content").fill("https://facebook.example/groups/y4/posts/77")
    page.get_by_label("What happened?").fill(
        "A parent posted abusive comments about me under the class photo post."
    )
    page.get_by_label("Screenshots and documents").set_input_files(str(screenshot_png))
    teacher.screenshot("incidents-1-report-form-phone")
    teacher.click("button", name="Send the report")
    assert page.get_by_role("heading", name="Your report has been sent").is_visible()
    assert page.get_by_text("Helen Hart, Head of School").is_visible()
    teacher.screenshot("incidents-2-report-sent-phone")
    open_menu_link(teacher, "My reports")
    assert page.get_by_text("Cyberbullying or trolling of a member of staff").is_visible()
    assert page.get_by_text("New", exact=True).is_visible()
    teacher.screenshot("incidents-3-my-reports-phone")

    incident = Incident.objects.get()
    (email,) = mailoutbox
    assert email.to == ["head@se.example"]
    assert f"/incidents/{incident.pk}/" in email.body
    assert "Facebook" not in email.body and "abusive" not in email.body

    head = journey
    page = head.page
    head.sign_in("head@se.example")
    bell(page, "1 unread")
    head.screenshot("incidents-4-head-bell")
    head.click("link", name="Notifications, 1 unread")
    head.screenshot("incidents-5-notifications")
    head.click("link", name=f"Open report {incident.reference}")
    assert page.get_by_role("heading", name=f"Report {incident.reference}").is_visible()
    evidence = incident.evidence.get()
    assert page.get_by_role("region", name="The report").get_by_text(evidence.sha256).is_visible()
    # The picture is stored encoded again (no metadata): original_sha256 is of the upload.
    assert evidence.original_sha256 == hashlib.sha256(screenshot_png.read_bytes()).hexdigest()
    head.screenshot("incidents-6-case-page")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download facebook-comments.png").click()
    assert download.value.suggested_filename == "facebook-comments.png"
    downloaded = download.value.path().read_bytes()
    assert hashlib.sha256(downloaded).hexdigest() == evidence.sha256
    bell(page, "none unread")


def test_a_prevent_concern_reaches_both_the_dsl_and_the_head(
    journey, phone_journey, school, mailoutbox
):
    page = journey.page
    journey.sign_in("teacher@se.example")
    journey.click("link", name="Report a concern")
    page.get_by_label("Prevent: risk of radicalisation").check()
    page.get_by_label("A pupil", exact=True).check()
    page.get_by_label("Who is it?").fill("A., Year 6")
    page.get_by_label("Where online?").fill("TikTok")
    page.get_by_label("What happened?").fill("Shared extremist videos with classmates at lunch.")
    journey.click("button", name="Send the report")
    assert page.get_by_text("Sarah Lowe, Designated Safeguarding Lead").is_visible()
    assert page.get_by_text("Helen Hart, Head of School").is_visible()
    assert page.get_by_text("This is urgent: they have been alerted now").is_visible()
    journey.screenshot("incidents-7-prevent-sent")
    assert sorted(m.to[0] for m in mailoutbox) == ["dsl@se.example", "head@se.example"]
    assert all(m.subject.startswith("Urgent:") for m in mailoutbox)

    incident = Incident.objects.get()
    # The DSL on a phone: the bell and its count sit beside the menu button.
    dsl = phone_journey
    dsl.sign_in("dsl@se.example")
    bell(dsl.page, "1 unread")
    dsl.screenshot("incidents-8-dsl-bell-phone")
    dsl.click("link", name="Notifications, 1 unread")
    assert dsl.page.get_by_text("Urgent", exact=True).is_visible()
    dsl.click("link", name=f"Open report {incident.reference}")
    assert dsl.page.get_by_text("Shared extremist videos with classmates at lunch.").is_visible()
    dsl.screenshot("incidents-9-prevent-case-phone")

    sign_out(journey)
    journey.sign_in("head@se.example")
    journey.click("link", name="Notifications, 1 unread")
    journey.click("link", name=f"Open report {incident.reference}")
    assert page.get_by_text("Shared extremist videos with classmates at lunch.").is_visible()
    routing = page.get_by_role("region", name="Who received it, and why")
    assert routing.get_by_text(
        "Reports of this kind go to the Designated Safeguarding Lead."
    ).is_visible()


def test_a_report_about_the_head_reaches_the_chair_and_the_head_never_sees_it(
    journey, school, mailoutbox
):
    page = journey.page
    journey.sign_in("teacher@se.example")
    journey.click("link", name="Report a concern")
    page.get_by_label("Breach of the policy by an adult").check()
    page.get_by_label("An adult who works at the school").check()
    page.get_by_label("Which adult?").select_option(label="Helen Hart")
    page.get_by_label("Where online?").fill("Instagram")
    page.get_by_label("What happened?").fill("Posted photos of pupils on a personal account.")
    journey.click("button", name="Send the report")
    assert page.get_by_text("The Chair of Governors").is_visible()
    assert page.get_by_text("Catherine Fairley").count() == 0
    assert page.get_by_text("Helen Hart").count() == 0
    journey.screenshot("incidents-10-about-the-head-sent")
    assert [m.to for m in mailoutbox] == [["chair@se.example"]]
    incident = Incident.objects.get()

    sign_out(journey)
    journey.sign_in("chair@se.example")
    journey.click("link", name="Notifications, 1 unread")
    journey.click("link", name=f"Open report {incident.reference}")
    reason = (
        "The Head of School is the subject of the report; routed to the Chair of Governors instead."
    )
    assert (
        page.get_by_role("region", name="Who received it, and why").get_by_text(reason).is_visible()
    )
    journey.screenshot("incidents-11-chair-case-page")

    sign_out(journey)
    journey.sign_in("head@se.example")
    bell(page, "none unread")
    journey.click("link", name="Notifications, none unread")
    assert page.get_by_text("You have no notifications.").is_visible()
    journey.screenshot("incidents-12-head-sees-nothing")
    open_menu_link(journey, "My reports")
    assert page.get_by_text("You have not made any report.").is_visible()
    assert page.request.get(f"{journey.base_url}/incidents/{incident.pk}/").status == 404
    evidence_url = f"{journey.base_url}/incidents/{incident.pk}/evidence/1/"
    assert page.request.get(evidence_url).status == 404


def test_an_html_file_renamed_png_is_refused_and_what_was_typed_is_kept(
    journey, school, screenshot_png, tmp_path
):
    fake = tmp_path / "screenshot-of-post.png"
    fake.write_text("<!DOCTYPE html><html><body><script>alert('x')</script></body></html>")
    page = journey.page
    journey.sign_in("teacher@se.example")
    journey.click("link", name="Report a concern")
    page.get_by_label("Misuse of social media by a parent/carer or pupil").check()
    page.get_by_label("A parent or carer").check()
    page.get_by_label("Who is it?").fill("Parent of a Year 2 pupil")
    page.get_by_label("What happened?").fill("Posted a video of pupils from the nativity play.")
    page.get_by_label("Screenshots and documents").set_input_files([str(fake), str(screenshot_png)])
    journey.click("button", name="Send the report")
    problems = page.get_by_role("alert")
    assert problems.get_by_text(
        re.compile("“screenshot-of-post.png” was not accepted: only PNG, JPEG or PDF files")
    ).is_visible()
    assert problems.get_by_text("attach this file again: facebook-comments.png").is_visible()
    assert page.get_by_label("What happened?").input_value() == (
        "Posted a video of pupils from the nativity play."
    )
    assert page.get_by_label("Misuse of social media by a parent/carer or pupil").is_checked()
    assert not Incident.objects.exists()
    journey.screenshot("incidents-13-html-renamed-png-refused")
    page.get_by_label("Screenshots and documents").set_input_files(str(screenshot_png))
    journey.click("button", name="Send the report")
    assert page.get_by_role("heading", name="Your report has been sent").is_visible()
    assert Incident.objects.get().evidence.count() == 1


def test_indecent_images_take_no_file_and_show_the_guidance(phone_journey, school, mailoutbox):
    page = phone_journey.page
    phone_journey.sign_in("teacher@se.example")
    phone_journey.goto("/incidents/report/")
    page.get_by_label("Indecent images of children").check()
    guidance = page.get_by_role("note")
    assert guidance.get_by_text("Secure the device as it is").is_visible()
    assert not page.get_by_label("Screenshots and documents").is_visible()
    page.get_by_label("I don't know").check()
    page.get_by_label("What happened?").fill("Found on a shared laptop in the staff room.")
    phone_journey.screenshot("incidents-14-indecent-images-form-phone")
    phone_journey.click("button", name="Send the report")
    assert page.get_by_text("Tell no one else.").is_visible()
    phone_journey.screenshot("incidents-15-indecent-images-sent-phone")
    assert sorted(m.to[0] for m in mailoutbox) == ["dsl@se.example", "head@se.example"]
