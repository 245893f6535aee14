"""Residents take part in a project through the real pages in Chromium; pages pass axe-core."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from citizens.models import MAYORS_OFFICE, MUNICIPAL_TEAM
from moderation.models import Flag
from projects import services
from projects.models import Comment, Follow, Project, Status, Support
from tests.conftest import axe_violations, browser_login
from tests.factories import ProjectFactory, ResidentFactory, TeamMemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def street(db):
    # Transactional tests flush the tables, roles created by the data migration included.
    for name in (MUNICIPAL_TEAM, MAYORS_OFFICE):
        Group.objects.get_or_create(name=name)
    team = TeamMemberFactory(display_name="Claire (mairie)")
    project = ProjectFactory(
        title="Requalification de la rue Jean Jaurès",
        slug="requalification-de-la-rue-jean-jaures",
        summary="Trottoirs élargis et zone 30 devant l'école.",
        body="La rue relie le centre à l'**école**.\n\n- trottoirs\n- arbres",
        status=Status.PROPOSED,
        latitude="50.457900",
        longitude="2.793400",
    )
    ProjectFactory(title="Saison culturelle 2027", summary="Concerts et Chtis TedX.")
    services.project_change_status(
        project=project, actor=team, to_status=Status.UNDER_STUDY, answer="Relevés en cours."
    )
    neighbour = ResidentFactory(display_name="Josiane D.")
    comment = services.comment_post(
        project=project, author=neighbour, body="Gardez des places pour les anciens."
    )
    services.project_update_post(
        project=project,
        author=team,
        title="Réunion publique",
        body="Merci d'être venus.",
        cited_comments=[comment],
    )
    return project


def test_a_resident_finds_supports_follows_comments_and_replies(page, browser, live_server, street):
    marie = ResidentFactory(display_name="Marie L.")
    browser_login(page, marie)

    page.goto("/projets/")
    page.get_by_role("searchbox", name="Rechercher").fill("jaures trottoirs")
    page.get_by_role("button", name="Afficher les projets").click()
    expect(page.get_by_text("1 projet trouvé pour « jaures trottoirs »")).to_be_visible()
    page.get_by_role("link", name="Requalification de la rue Jean Jaurès").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Requalification de la rue Jean Jaurès"
    )

    page.get_by_role("button", name="Je soutiens ce projet").click()
    expect(page.get_by_role("button", name="Retirer mon soutien")).to_be_visible()
    expect(page.locator("#soutien .support-count")).to_have_text("1")
    page.get_by_role("button", name="Suivre ce projet").click()
    expect(page.get_by_role("button", name="Ne plus suivre")).to_be_visible()

    page.get_by_label("Votre commentaire").fill("Une bande cyclable jusqu'au collège ?")
    page.get_by_role("button", name="Publier mon commentaire").click()
    expect(page.get_by_text("Votre commentaire est publié.")).to_be_visible()
    expect(page.get_by_text("Une bande cyclable jusqu'au collège ?")).to_be_visible()

    josiane_comment = page.locator("article.comment", has_text="Gardez des places")
    josiane_comment.get_by_text("Répondre").click()
    josiane_comment.get_by_label("Votre réponse").fill("D'accord, et des places livraison.")
    josiane_comment.get_by_role("button", name="Publier ma réponse").click()
    expect(page.get_by_text("Votre réponse est publiée.")).to_be_visible()
    expect(
        page.locator("ol.replies").get_by_text("D'accord, et des places livraison.")
    ).to_be_visible()

    project = Project.objects.get(pk=street.pk)
    assert (project.support_count, project.follower_count, project.comment_count) == (1, 1, 3)
    assert Support.objects.filter(user=marie).count() == Follow.objects.filter(user=marie).count()
    assert Comment.objects.get(body__startswith="D'accord").parent.body.startswith("Gardez")

    # A second resident, in another browser, sees Marie's comment and reply.
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    try:
        other = context.new_page()
        browser_login(other, ResidentFactory(display_name="Karim B."))
        other.goto(street.get_absolute_url())
        expect(other.get_by_text("Une bande cyclable jusqu'au collège ?")).to_be_visible()
        expect(other.get_by_text("D'accord, et des places livraison.")).to_be_visible()
        expect(other.locator("#soutien .support-count")).to_have_text("1")
        expect(other.get_by_role("button", name="Je soutiens ce projet")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/projets/", "/projets/?theme=volcans", "detail", "propose"])
def test_project_pages_have_no_axe_violation(page, street, path):
    if path == "propose":
        browser_login(page, ResidentFactory())
        page.goto("/projets/proposer/")
        page.get_by_role("button", name="Publier ma proposition").click()  # errors shown
        expect(page.get_by_text("Ce champ est obligatoire.").first).to_be_visible()
    elif path == "detail":
        browser_login(page, ResidentFactory())
        page.goto(street.get_absolute_url())
        expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    else:
        page.goto(path)
    if path == "/projets/":
        expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    assert axe_violations(page) == []


def test_the_list_is_usable_at_360_px(mobile_page, street):
    mobile_page.goto("/projets/")
    expect(mobile_page.get_by_role("link", name=re.compile("Requalification"))).to_be_visible()
    expect(mobile_page.locator("#projects-map")).to_be_visible()
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 360
    mobile_page.goto(street.get_absolute_url())
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_map_survives_failing_tiles_and_the_picker_fills_the_fields(page, street, settings):
    settings.MAP_TILES_URL = "/tuiles-absentes/{z}/{x}/{y}.png"
    page.goto("/projets/")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(page.get_by_text("Le fond de plan n'a pas pu être chargé.")).to_be_visible()
    expect(page.get_by_role("link", name="Requalification de la rue Jean Jaurès")).to_be_visible()

    browser_login(page, ResidentFactory())
    page.goto("/projets/proposer/")
    page.locator(".location-picker-map").click(position={"x": 120, "y": 100})
    latitude = float(page.get_by_label("Latitude").input_value())
    longitude = float(page.get_by_label("Longitude").input_value())
    assert 50.3 < latitude < 50.6 and 2.6 < longitude < 3.0
    page.get_by_role("button", name="Effacer le lieu").click()
    expect(page.get_by_label("Latitude")).to_have_value("")
    assert axe_violations(page) == []


def test_a_resident_flags_another_residents_comment_from_the_project_page(page, street):
    marie = ResidentFactory(display_name="Marie L.")
    own = services.comment_post(project=street, author=marie, body="Mon propre avis.")
    browser_login(page, marie)
    page.goto(street.get_absolute_url())

    # Not on her own comment; on Josiane's, with the name for screen readers.
    own_links = page.locator(f"#commentaire-{own.pk} .comment-actions a", has_text="Signaler")
    expect(own_links).to_have_count(0)
    josiane = page.locator("article.comment", has_text="Gardez des places")
    link = josiane.get_by_role("link", name="Signaler le commentaire de Josiane D.")
    expect(link).to_be_visible()
    link.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Signaler un commentaire")
    page.get_by_label("Hors sujet").check()
    page.get_by_label("Précisions (facultatif)").fill("Rien à voir avec la rue.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_text("Merci, votre signalement est transmis")).to_be_visible()

    flag = Flag.objects.get()
    assert (flag.reporter, flag.item.body, flag.reason) == (
        marie,
        "Gardez des places pour les anciens.",
        "off_topic",
    )
    page.goto(street.get_absolute_url())
    josiane = page.locator("article.comment", has_text="Gardez des places")
    expect(josiane.get_by_text("Vous avez signalé ce commentaire.")).to_be_visible()
    expect(josiane.get_by_role("link", name=re.compile("Signaler"))).to_have_count(0)
