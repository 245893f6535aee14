"""The resident's space in Chromium: axe-core on every page, 360 px, the download and the
deletion journeys, and a staff login with its second factor."""

import re

import pytest
from playwright.sync_api import expect

from citizens.models import DataExport, User
from tests.conftest import axe_violations, browser_login, browser_login_staff, login
from tests.factories import PASSWORD, TeamMemberFactory
from tests.personal.data import everything_by

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/compte/",
    "/compte/activite/commentaires/",
    "/compte/donnees/",
    "/compte/supprimer/",
    "/confidentialite/",
    "/accessibilite/",
]


def log_in_quickly(page, live_server, user) -> None:
    """The session cookie of a server-side login: the login form is tested elsewhere."""
    cookie = login(user).cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])


@pytest.fixture
def busy_resident(resident):
    everything_by(resident, marker="B1")
    # One download ready, one being prepared: both states are on the page.
    DataExport.objects.create(user=resident, token="3f8e9a3c-6c1d-4d55-9a43-0b1f0e6c2a11")
    return resident


def test_account_pages_have_no_axe_violation(page, live_server, busy_resident):
    log_in_quickly(page, live_server, busy_resident)
    found = {}
    for path in PAGES:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        found[path] = axe_violations(page)
    # The deletion form's errors, announced next to their field.
    page.goto("/compte/supprimer/")
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_text("Ce champ est obligatoire.")).to_be_visible()
    found["/compte/supprimer/ (erreurs)"] = axe_violations(page)
    assert found == {path: [] for path in found}


def test_account_pages_are_usable_at_360_px(mobile_page, live_server, busy_resident):
    log_in_quickly(mobile_page, live_server, busy_resident)
    widths = {}
    for path in PAGES:
        mobile_page.goto(path)
        widths[path] = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert widths == {path: 360 for path in PAGES}


def test_a_resident_downloads_their_data_then_deletes_their_account(page, resident):
    everything_by(resident, marker="J1")
    browser_login(page, resident)
    page.get_by_role("link", name="Télécharger mes données").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Télécharger mes données")
    page.get_by_role("button", name="Préparer mes données").click()
    expect(page.get_by_text("Vos données sont prêtes à être téléchargées.")).to_be_visible()
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Archive ZIP").click()
    download = download_info.value
    assert download.suggested_filename.startswith("mes-donnees-")
    assert download.suggested_filename.endswith(".zip")

    page.goto("/compte/")
    page.get_by_role("link", name="Supprimer mon compte").click()
    page.get_by_label("Effacer leur texte").check()
    page.get_by_label("Votre mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre compte est supprimé")
    assert axe_violations(page) == []
    assert not User.objects.filter(pk=resident.pk).exists()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()


def test_staff_log_in_with_their_second_factor_and_reach_the_admin(page):
    team_member = TeamMemberFactory(display_name="Claire (mairie)")
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/compte/login/\?next=%2Fadmin%2F$"))
    browser_login_staff(page, team_member)
    expect(page.get_by_text("Bonjour Claire (mairie).")).to_be_visible()
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_text("Bienvenue,")).to_be_visible()
