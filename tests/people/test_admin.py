import pytest

from tests.factories import UserFactory

ADMIN_PAGES = [
    "/admin/",
    "/admin/people/user/",
    "/admin/people/user/add/",
    "/admin/people/school/",
    "/admin/people/trust/",
    "/admin/people/membership/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_support_staff_can_use_the_admin(client, alice, url):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_a_head_without_support_access_is_sent_to_the_admin_sign_in(client, alice, url):
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_a_person_page_in_the_admin_shows_their_memberships(client, alice):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(f"/admin/people/user/{alice.pk}/change/")
    assert "St Elisabeth" in response.text
