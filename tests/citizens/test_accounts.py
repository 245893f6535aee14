"""A resident's account, from signup to password reset, through allauth's real views."""

import re

import pytest
from allauth.account.models import EmailAddress

from citizens.models import User
from tests.factories import PASSWORD, NeighbourhoodFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/compte/\S+/)")


def signup(client, **overrides):
    data = {
        "email": "josiane@example.org",
        "display_name": "Josiane D.",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return client.post("/compte/signup/", data)


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def test_signup_confirm_login_logout_journey(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    hood = NeighbourhoodFactory(name="Cité 5", slug="cite-5")
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, neighbourhood=hood.pk)
    assert response.status_code == 302
    assert response["Location"] == "/compte/confirm-email/"
    user = User.objects.get(email="josiane@example.org")
    assert (user.display_name, user.neighbourhood, user.language) == ("Josiane D.", hood, "fr")
    assert not EmailAddress.objects.get(user=user).verified

    # The confirmation email is in French, and its link confirms the address.
    [message] = mailoutbox
    assert message.to == ["josiane@example.org"]
    assert "Loos-en-Gohelle" in message.subject
    confirm_url = link_in(message)
    page = client.get(confirm_url)
    assert "Je confirme" in page.content.decode()
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    # Confirming logs the resident in; the account page greets them.
    account = client.get("/compte/")
    assert account.status_code == 200
    assert "Bonjour Josiane D." in account.content.decode()

    client.post("/compte/logout/")
    assert client.get("/compte/").status_code == 302
    response = client.post("/compte/login/", {"login": "josiane@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/compte/").status_code == 200


def test_login_is_refused_until_the_email_is_verified(client, unverified_user, mailoutbox):
    response = client.post("/compte/login/", {"login": unverified_user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/compte/confirm-email/"
    assert client.get("/compte/").status_code == 302


def test_wrong_password_gets_a_french_message(client, resident):
    response = client.post("/compte/login/", {"login": resident.email, "password": "faux"})
    assert response.status_code == 200
    assert "sont incorrects" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_weak_password_gets_a_french_message_and_no_account(client):
    response = signup(client, password1="123", password2="123")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ce mot de passe est trop court" in body
    assert not User.objects.filter(email="josiane@example.org").exists()


def test_missing_display_name_is_reported_next_to_the_field(client):
    response = signup(client, display_name="  ")
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not User.objects.exists()


def test_taken_email_creates_no_second_account_and_warns_its_owner(
    client, resident, mailoutbox, django_capture_on_commit_callbacks
):
    # allauth prevents account enumeration: the form answers as for a new address, and the
    # owner of the address is told by email that somebody tried to sign up with it.
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, email=resident.email)
    assert response.status_code == 302
    assert User.objects.filter(email=resident.email).count() == 1
    [message] = mailoutbox
    assert message.to == [resident.email]


def test_bad_confirmation_key_gets_a_french_message_not_a_500(client):
    response = client.get("/compte/confirm-email/not-a-real-key/")
    assert response.status_code == 200
    assert "Ce lien de confirmation a expiré ou n'est pas valide." in response.content.decode()


def test_password_reset_journey(client, resident, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/password/reset/", {"email": resident.email})
    assert response.status_code == 302
    [message] = mailoutbox
    reset_url = link_in(message)
    form_page = client.get(reset_url, follow=True)
    action = form_page.request["PATH_INFO"]
    new_password = "un-nouveau-mot-de-passe-99"
    response = client.post(action, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.check_password(new_password)
    # The link served once: it is now refused with a French message.
    again = client.get(reset_url, follow=True)
    assert "Ce lien n'est pas valide" in again.content.decode()


def test_bad_password_reset_token_gets_a_french_message(client, resident):
    response = client.get("/compte/password/reset/key/1-bad-token/", follow=True)
    assert response.status_code == 200
    assert "Ce lien n'est pas valide" in response.content.decode()


def test_profile_update_and_its_validation(resident_client, resident):
    response = resident_client.post(
        "/compte/", {"display_name": "Marie\u202eL", "neighbourhood": "", "language": "fr"}
    )
    assert response.status_code == 400
    assert "caractères non autorisés" in response.content.decode()
    response = resident_client.post(
        "/compte/", {"display_name": "Marie Lefebvre", "neighbourhood": "", "language": "en"}
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.display_name, resident.language) == ("Marie Lefebvre", "en")
