import pytest

from people.models import Role
from tests.factories import person

pytestmark = pytest.mark.browser


def test_the_head_signs_in_and_sees_their_home_page(journey, st_elisabeths):
    person(st_elisabeths, Role.STAFF, Role.HEAD, full_name="Helen Hart", email="head@se.example")
    journey.sign_in("head@se.example")
    page = journey.page
    assert page.get_by_role("heading", name="Hello, Helen").is_visible()
    assert page.get_by_text("Head of School at St Elisabeth's CE Primary School").is_visible()
    assert page.get_by_role("heading", name="Reports waiting for you").is_visible()
    journey.screenshot("foundation-head-home")


def test_a_teacher_on_a_phone_signs_in_and_out(phone_journey, st_elisabeths):
    person(st_elisabeths, full_name="Tom Teague", email="teacher@se.example")
    phone_journey.sign_in("teacher@se.example")
    page = phone_journey.page
    assert page.get_by_role("heading", name="Policies to read and sign").is_visible()
    phone_journey.screenshot("foundation-teacher-home-phone")
    page.get_by_role("button", name="Show menu").click()
    phone_journey.click("button", name="Sign out")
    assert page.get_by_role("heading", name="Sign in").is_visible()


def test_a_wrong_password_shows_a_clear_message(journey, bob):
    journey.sign_in("bob@se.example", password="not-the-password")
    assert journey.page.get_by_text("not correct").is_visible()
    assert journey.page.get_by_label("Email").input_value() == "bob@se.example"
    journey.screenshot("foundation-sign-in-refused")
