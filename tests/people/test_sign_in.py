import re

import pytest
from django.core import mail

from tests.factories import PASSWORD

LOGIN = "/accounts/login/"


def test_a_person_signs_in_with_their_e_mail_address(client, bob):
    response = client.post(LOGIN, {"login": "Bob@SE.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_refused_with_a_message_and_keeps_the_address(client, bob):
    response = client.post(LOGIN, {"login": "bob@se.example", "password": "wrong-password-here"})
    assert response.status_code == 200
    assert "not correct" in response.text
    assert 'value="bob@se.example"' in response.text


def test_sign_out_ends_the_session(client, bob):
    client.force_login(bob)
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_nobody_can_sign_themselves_up(client, db):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@school.example", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert "Sign Up Closed" in response.text or "closed" in response.text.lower()
    from people.models import User

    assert not User.objects.filter(email="new@school.example").exists()


def test_a_forgotten_password_is_reset_through_an_e_mailed_link(client, bob):
    client.post("/accounts/password/reset/", {"email": "bob@se.example"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    form_url = client.get(path).url  # allauth redirects to a URL without the key in it
    new_password = "a-brand-new-password-42"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert client.login(email="bob@se.example", password=new_password)


@pytest.mark.django_db
def test_a_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@school.example"})
    assert response.status_code == 302
