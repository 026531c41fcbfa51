"""Making the Chair, the DSL or the Head vacant on the people page says which reports would then
reach nobody, and asks the Head to confirm before saving."""

import pytest

from people.models import Membership, Role


@pytest.fixture
def head(client, se):
    client.force_login(se.head)
    return client


def test_removing_the_only_chair_asks_for_confirmation_naming_the_reports(head, se):
    url = f"/people/{se.school.slug}/{se.chair.pk}/roles/"
    response = head.post(url, {"roles": [Role.GOVERNOR]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Before you save" in page
    assert f"Reports about {se.head.full_name} of every kind would reach nobody" in page
    assert Membership.objects.current().filter(user=se.chair, role=Role.CHAIR).exists()
    response = head.post(url, {"roles": [Role.GOVERNOR], "confirmed": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.current().filter(user=se.chair, role=Role.CHAIR).exists()


def test_with_a_vice_chair_in_post_the_chair_leaves_without_a_question(head, se):
    from tests.factories import person

    person(se.school, Role.VICE_CHAIR, full_name="Vera Vice")
    url = f"/people/{se.school.slug}/{se.chair.pk}/roles/"
    assert head.post(url, {"roles": [Role.GOVERNOR]}).status_code == 302


def test_recording_the_only_chair_as_a_leaver_asks_first(head, se):
    url = f"/people/{se.school.slug}/{se.chair.pk}/leave/"
    page = head.post(url, {"ends_on": "2026-12-01"}).content.decode()
    assert "Before you save" in page and 'name="ends_on" value="2026-12-01"' in page


def test_an_ordinary_change_asks_nothing(head, se):
    url = f"/people/{se.school.slug}/{se.teacher.pk}/roles/"
    assert head.post(url, {"roles": [Role.STAFF, Role.GOVERNOR]}).status_code == 302
