"""A consultation round in Chromium: a resident contributes and votes, the team refuses a
contribution with a reason in the admin, the author reads it, the round closes and its
synthesis appears; the pages pass axe-core and fit 360 px."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from citizens.models import MAYORS_OFFICE, MUNICIPAL_TEAM
from consultations.models import Consultation, Contribution, ModerationMode
from consultations.services import contribution_submit, synthesis_publish, vote_cast
from moderation import services as moderation_services
from tests.conftest import axe_violations, browser_login, browser_login_staff
from tests.factories import (
    ConsultationFactory,
    ContributionFactory,
    OptionFactory,
    ProjectFactory,
    ResidentFactory,
    TeamMemberFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def roles():
    # Transactional tests flush the database, data migrations included.
    for name in (MUNICIPAL_TEAM, MAYORS_OFFICE):
        Group.objects.get_or_create(name=name)


@pytest.fixture
def round_(roles):
    project = ProjectFactory(title="Place de la République", slug="place-de-la-republique")
    consultation = ConsultationFactory(
        project=project,
        title="La place de demain",
        slug="la-place-de-demain",
        question="Que voudriez-vous faire sur la place ?",
        context="La place compte **120 places** de stationnement.",
        moderation=ModerationMode.BEFORE,
    )
    for position, label in enumerate(["Un marché couvert", "Un jardin ombragé"], start=1):
        OptionFactory(consultation=consultation, label=label, position=position)
    return consultation


def test_contribute_vote_refuse_read_the_reason_then_the_synthesis(page, round_):
    resident = ResidentFactory(display_name="Marie L.")
    team = TeamMemberFactory(display_name="Claire (mairie)")

    # A resident finds the round, votes, then contributes.
    browser_login(page, resident)
    page.goto("/consultations/")
    page.get_by_role("link", name="La place de demain").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La place de demain")
    page.get_by_label("Un jardin ombragé").check()
    page.get_by_role("button", name="Voter").click()
    expect(page.get_by_text("Votre vote est enregistré")).to_be_visible()
    expect(page.get_by_text("Votre vote actuel : Un jardin ombragé")).to_be_visible()
    page.get_by_label("Un marché couvert").check()
    page.get_by_role("button", name="Changer mon vote").click()
    expect(page.get_by_text("Votre vote actuel : Un marché couvert")).to_be_visible()
    page.get_by_role("textbox", name="Votre contribution").fill(
        "Mon voisin au 12 rue Pasteur fait du bruit."
    )
    page.get_by_role("button", name="Envoyer ma contribution").click()
    expect(page.get_by_text("publiée après validation par l'équipe")).to_be_visible()
    mine = page.locator("#mes-contributions")
    expect(mine.get_by_text("En attente de validation")).to_be_visible()

    # The team refuses it in the admin, with a reason.
    page.context.clear_cookies()
    browser_login_staff(page, team)  # through allauth, second factor included
    page.goto("/admin/consultations/contribution/")
    row = page.locator("#result_list tbody tr", has_text="fait du bruit")
    row.locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("reject_selected")
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_label("Motif (montré à l'auteur)").fill(
        "Votre message vise un voisin nommément : merci de parler de la place."
    )
    page.get_by_role("button", name="Confirmer la décision").click()
    expect(page.get_by_text("1 élément traité.")).to_be_visible()
    assert Contribution.objects.get().state == "rejected"

    # The author reads the reason on the round's page.
    page.context.clear_cookies()
    browser_login(page, resident)
    page.goto(round_.get_absolute_url())
    mine = page.locator("#mes-contributions")
    expect(mine.get_by_text("Refusée")).to_be_visible()
    expect(mine.get_by_text("merci de parler de la place")).to_be_visible()

    # The round closes; the team publishes the synthesis with an outcome.
    kept = contribution_submit(
        consultation=round_, author=ResidentFactory(display_name="Karim B."), body="Des arbres"
    )
    moderation_services.item_publish(item=kept, actor=team)
    vote_cast(consultation=round_, voter=kept.author, option=round_.options.last())
    now = timezone.now()
    Consultation.objects.filter(pk=round_.pk).update(
        opens_at=now - timedelta(days=20), closes_at=now - timedelta(minutes=1)
    )
    round_.refresh_from_db()
    synthesis_publish(
        consultation=round_,
        author=team,
        body="### Ce que nous avons entendu\n\nVous voulez de **l'ombre**.",
        outcomes={kept.pk: ("partly", "Huit arbres sur les douze demandés.")},
    )
    page.goto(round_.get_absolute_url())
    expect(page.get_by_role("heading", name="Synthèse de l'équipe municipale")).to_be_visible()
    expect(page.get_by_text("Vous voulez de l'ombre.")).to_be_visible()
    expect(page.get_by_text("En partie prise en compte")).to_be_visible()
    expect(page.get_by_text("Huit arbres sur les douze demandés.")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("50,0 %")
    expect(page.get_by_text("Cette concertation est close")).to_be_visible()
    assert axe_violations(page) == []


def test_list_and_round_pages_have_no_axe_violation(page, round_):
    now = timezone.now()
    ConsultationFactory(
        project=round_.project,
        title="Le kiosque",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=30),
    )
    contribution_submit(consultation=round_, author=ResidentFactory(), body="Un avis")
    page.goto("/consultations/")
    assert axe_violations(page) == []
    page.goto(round_.get_absolute_url())
    assert axe_violations(page) == []
    # A verified resident sees the forms; errors are announced next to the fields.
    browser_login(page, ResidentFactory())
    page.goto(round_.get_absolute_url())
    page.get_by_role("button", name="Envoyer ma contribution").click()
    expect(page.get_by_text("Ce champ est obligatoire.")).to_be_visible()
    assert axe_violations(page) == []
    # The flag form, with its radio buttons, too.
    published = ContributionFactory(consultation=round_, body="Un avis publié")
    page.goto(f"/signaler/contribution/{published.pk}/")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_text("Choisissez un motif.")).to_be_visible()
    assert axe_violations(page) == []


def test_list_and_round_pages_fit_360_px(mobile_page, round_):
    mobile_page.goto("/consultations/")
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 360
    browser_login(mobile_page, ResidentFactory())
    mobile_page.goto(round_.get_absolute_url())
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(mobile_page.get_by_role("button", name="Envoyer ma contribution")).to_be_visible()
