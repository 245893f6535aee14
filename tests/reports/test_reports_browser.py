"""The mayor's office reads a report and gets its PDF in Chromium; axe-core finds nothing."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from consultations.models import Outcome
from tests.conftest import axe_violations, login
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    ContributionFactory,
    NeighbourhoodFactory,
    OptionFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    SupportFactory,
    SynthesisFactory,
    UserFactory,
    VoteFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, user) -> None:
    """Put a force-logged-in session into the browser (no password or 2FA step to go through)."""
    client = login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": page.context._base_url}]
    )


@pytest.fixture
def living_town(db):
    hood = NeighbourhoodFactory(name="Cité 5", slug="cite-5", population=1300)
    residents = UserFactory.create_batch(4, neighbourhood=hood)
    project = ProjectFactory(title="Le jardin partagé", slug="jardin", neighbourhood=hood)
    round_ = ConsultationFactory(project=project, title="Quel jardin ?", slug="quel-jardin")
    option = OptionFactory(consultation=round_, label="Des légumes")
    contributions = [
        ContributionFactory(
            consultation=round_, author=r, body=f"Idée de {r.display_name}", outcome=Outcome.YES
        )
        for r in residents
    ]
    for resident in residents[:3]:
        VoteFactory(option=option, user=resident)
        SupportFactory(project=project, user=resident)
        CommentFactory(project=project, author=resident)
    update = ProjectUpdateFactory(
        project=project,
        title="Ce qui a changé grâce à vous",
        body="Les **bacs** seront à hauteur de fauteuil.",
    )
    update.cited_contributions.set(contributions[:2])
    SynthesisFactory(consultation=round_, body="Vous voulez des légumes.")
    return project


@pytest.fixture
def browser_page(page, live_server):
    page.context._base_url = live_server.url
    return page


def test_mayors_office_reads_a_project_report_and_downloads_its_pdf(
    browser_page, mayors_office, living_town, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    page = browser_page
    sign_in(page, mayors_office)
    page.goto("/")
    page.get_by_role("link", name="Rapports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapport de participation")
    assert axe_violations(page) == []

    page.locator("#id_perimetre").select_option(label="Le jardin partagé")
    page.locator("#id_periode").select_option(label="Les 30 derniers jours")
    page.get_by_role("button", name="Afficher le rapport").click()
    expect(page.get_by_role("heading", name="Projet : Le jardin partagé")).to_be_visible()
    expect(page.get_by_role("img", name="Courbes de la participation")).to_be_visible()
    expect(page.get_by_role("table", name="Participants par quartier")).to_be_visible()
    expect(page.get_by_role("heading", name="Ce qui a changé grâce à vous")).to_be_visible()
    # A definition opens in place.
    page.get_by_text("Définition", exact=False).first.click()
    expect(
        page.get_by_text("Concertations ouvertes à un moment de la période").first
    ).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Préparer le rapport complet en PDF").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapport complet en PDF")
    expect(page.get_by_text("Le PDF est prêt.")).to_be_visible()
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("rapport-participation-projet-jardin-")
    assert open(download.path(), "rb").read(5) == b"%PDF-"


def test_form_errors_are_announced_and_accessible(browser_page, mayors_office):
    page = browser_page
    sign_in(page, mayors_office)
    page.goto("/rapports/?periode=dates&du=2025-12-01&au=2025-11-01")
    expect(page.get_by_text("Le dernier jour doit venir après le premier.")).to_be_visible()
    assert axe_violations(page) == []


def test_a_resident_gets_a_french_403(browser_page):
    page = browser_page
    sign_in(page, UserFactory())
    response = page.goto("/rapports/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    assert axe_violations(page) == []


def test_report_is_usable_at_360_px(mobile_page, live_server, mayors_office, living_town):
    mobile_page.context._base_url = live_server.url
    sign_in(mobile_page, mayors_office)
    mobile_page.goto("/rapports/?periode=30j")
    expect(mobile_page.get_by_role("heading", level=1)).to_be_visible()
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 360
