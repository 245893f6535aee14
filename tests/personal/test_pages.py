"""The privacy notice and the accessibility statement."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_footer_links_to_both_pages(client):
    home = client.get("/").content.decode()
    assert 'href="/confidentialite/"' in home and 'href="/accessibilite/"' in home


def test_privacy_page_says_what_why_how_long_and_how_to_exercise_rights(client, settings):
    settings.PRIVACY_CONTACT_EMAIL = "dpo@mairie.example"
    page = client.get("/confidentialite/")
    assert page.status_code == 200
    body = page.content.decode()
    for expected in (
        "Ce que nous conservons, et pourquoi",
        "Sur quelle base légale ?",
        "mission d'intérêt public",
        "Qui voit quoi ?",
        "14 jours au plus",  # the session lifetime, read from the settings
        "30 minutes sans activité",
        "7 jours, puis les fichiers sont effacés",
        'href="/compte/donnees/"',
        'href="/compte/supprimer/"',
        "mailto:dpo@mairie.example",
        "CNIL",
    ):
        assert expected in body, expected


def test_privacy_page_without_a_contact_address_points_to_the_town_hall(client, settings):
    settings.PRIVACY_CONTACT_EMAIL = ""
    settings.TOWN_HALL_ADDRESS = "Place de la mairie, 62750 Loos-en-Gohelle"
    body = client.get("/confidentialite/").content.decode()
    assert "mailto:" not in body
    assert "accueil de la mairie" in body and "62750 Loos-en-Gohelle" in body


def test_accessibility_statement(client):
    page = client.get("/accessibilite/")
    assert page.status_code == 200
    body = page.content.decode()
    for expected in (
        "Déclaration d'accessibilité",
        "État de conformité",
        "RGAA 4.1",
        "axe-core",
        "Limites connues",
        "Défenseur des droits",
        "Libre réponse 71120",
    ):
        assert expected in body, expected
