"""The public pages: list, round page, contributing, voting, flagging; hostile input."""

import pytest
from django.urls import reverse

from consultations.models import Contribution, ContributionState, Option, Vote
from consultations.services import contribution_submit, synthesis_publish, vote_cast
from moderation import services as moderation_services
from moderation.models import Flag
from projects.models import CommentState
from tests.conftest import login
from tests.consultations.conftest import close_round
from tests.factories import (
    CommentFactory,
    ContributionFactory,
    OptionFactory,
    ResidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def text(response) -> str:
    return response.content.decode()


def detail_url(consultation) -> str:
    return reverse("consultations:detail", kwargs={"slug": consultation.slug})


def contribute_url(consultation) -> str:
    return reverse("consultations:contribute", kwargs={"slug": consultation.slug})


def vote_url(consultation) -> str:
    return reverse("consultations:vote", kwargs={"slug": consultation.slug})


# --- the list ------------------------------------------------------------------------------


def test_list_shows_open_upcoming_and_closed_rounds(
    client, open_round, upcoming_round, closed_round
):
    response = client.get("/consultations/")
    assert response.status_code == 200
    body = text(response)
    assert body.index("En cours") < body.index(open_round.title) < body.index("À venir")
    assert body.index("À venir") < body.index(upcoming_round.title) < body.index("Terminées")
    assert body.index("Terminées") < body.index(closed_round.title)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "%00"])
def test_list_ignores_bad_page_numbers(client, closed_round, page):
    assert client.get(f"/consultations/?page={page}").status_code == 200


def test_unknown_round_is_a_404(client):
    assert client.get("/consultations/n-existe-pas/").status_code == 404


# --- the round page ------------------------------------------------------------------------


def test_visitor_reads_an_open_round_and_is_invited_to_log_in(client, open_round, options):
    open_round.context = "Le **contexte** <script>alert(1)</script>"
    open_round.save()
    body = text(client.get(detail_url(open_round)))
    assert open_round.question in body
    assert "<strong>contexte</strong>" in body
    assert "<script>alert(1)" not in body
    assert "Connectez-vous pour contribuer et voter." in body
    assert 'name="body"' not in body
    assert "Des arbres" in body  # the options are listed


def test_resident_sees_the_contribution_and_vote_forms(resident_client, open_round, options):
    body = text(resident_client.get(detail_url(open_round)))
    assert 'action="/consultations/amenager-la-place/contribuer/"' in body
    assert 'action="/consultations/amenager-la-place/voter/"' in body
    assert body.count('name="option" value=') == 3  # radios (select options have no name)


def test_unverified_user_is_told_to_confirm_their_email(open_round):
    body = text(login(UserFactory(verified=False)).get(detail_url(open_round)))
    assert "Confirmez votre adresse e-mail" in body
    assert 'name="body"' not in body


def test_upcoming_round_refuses_clearly(resident_client, upcoming_round):
    response = resident_client.get(detail_url(upcoming_round))
    assert "pas encore ouverte" in text(response)
    assert 'name="body"' not in text(response)


def test_closed_round_refuses_and_shows_results_with_shares(
    resident_client, open_round, options, resident
):
    for option in (options[0], options[0], options[0], options[1]):
        vote_cast(consultation=open_round, voter=ResidentFactory(), option=option)
    body = text(resident_client.get(detail_url(open_round)))
    assert "Résultats du vote" not in body  # hidden while open
    close_round(open_round)
    body = text(resident_client.get(detail_url(open_round)))
    assert "Cette concertation est close" in body
    assert "Résultats du vote" in body
    assert "4 votes exprimés" in body
    assert "75,0 %" in body and "25,0 %" in body and "0,0 %" in body
    assert "result-bar-75" in body and "result-bar-25" in body
    assert 'name="body"' not in body


def test_published_contributions_are_listed_with_team_answers(client, open_round, team_member):
    from consultations.services import contribution_answer

    contribution = contribution_submit(
        consultation=open_round, author=ResidentFactory(display_name="Josiane D."), body="Ombre"
    )
    contribution_answer(contribution=contribution, actor=team_member, answer="Bien noté !")
    ContributionFactory(consultation=open_round, state=ContributionState.PENDING, body="Caché")
    body = text(client.get(detail_url(open_round)))
    assert "Josiane D." in body and "Ombre" in body
    assert "Réponse de l'équipe municipale" in body and "Bien noté !" in body
    assert "Caché" not in body


def test_contributions_are_paginated_by_20(client, open_round):
    for n in range(25):
        ContributionFactory(consultation=open_round, body=f"Idée n°{n:02d}")
    first = text(client.get(detail_url(open_round)))
    assert "Idée n°00" in first and "Idée n°19" in first and "Idée n°20" not in first
    second = text(client.get(detail_url(open_round) + "?page=2"))
    assert "Idée n°20" in second and "Idée n°24" in second and "Idée n°00" not in second
    for bad in ("abc", "0", "9999", "1.5"):
        assert client.get(detail_url(open_round) + f"?page={bad}").status_code == 200


def test_author_sees_own_contributions_with_state_and_reason(
    moderated_round, resident, team_member
):
    pending = contribution_submit(consultation=moderated_round, author=resident, body="En cours")
    refused = contribution_submit(consultation=moderated_round, author=resident, body="Refusée")
    moderation_services.item_reject(item=refused, actor=team_member, reason="Propos hors sujet.")
    body = text(login(resident).get(detail_url(moderated_round)))
    assert "Mes contributions" in body
    assert "En attente de validation" in body and "En cours" in body
    assert "Refusée" in body and "Propos hors sujet." in body
    # Nobody else sees them.
    other = text(login(ResidentFactory()).get(detail_url(moderated_round)))
    assert "Mes contributions" not in other and "Propos hors sujet." not in other
    assert pending.pk


def test_author_sees_why_a_contribution_was_hidden(open_round, resident, team_member):
    contribution = contribution_submit(consultation=open_round, author=resident, body="Texte")
    moderation_services.item_hide(item=contribution, actor=team_member, reason="Données perso.")
    body = text(login(resident).get(detail_url(open_round)))
    assert "Masquée" in body and "Données perso." in body


def test_synthesis_and_outcomes_appear_once_published(client, open_round, options, team_member):
    kept = contribution_submit(consultation=open_round, author=ResidentFactory(), body="Arbres")
    close_round(open_round)
    assert "Synthèse de l" not in text(client.get(detail_url(open_round)))
    synthesis_publish(
        consultation=open_round,
        author=team_member,
        body="## Ce que nous avons entendu\n\nDes **arbres** <script>x</script>",
        outcomes={kept.pk: ("yes", "Douze arbres plantés")},
    )
    body = text(client.get(detail_url(open_round)))
    assert "Synthèse de l'équipe municipale" in body
    assert "<h2>Ce que nous avons entendu</h2>" in body and "<strong>arbres</strong>" in body
    assert "<script>x" not in body
    assert "Prise en compte" in body and "Douze arbres plantés" in body
    assert "Résultats du vote" in body


# --- contributing --------------------------------------------------------------------------


def test_resident_contributes(resident_client, open_round, options, resident):
    response = resident_client.post(
        contribute_url(open_round), {"body": "Plus de bancs", "option": options[2].pk}
    )
    assert response.status_code == 302
    assert response["Location"] == "/consultations/amenager-la-place/#mes-contributions"
    contribution = Contribution.objects.get()
    assert (contribution.author, contribution.option, contribution.state) == (
        resident,
        options[2],
        "published",
    )
    page = resident_client.get(detail_url(open_round))
    assert "Merci ! Votre contribution est publiée." in text(page)


def test_contribution_in_a_moderated_round_waits(resident_client, moderated_round):
    resident_client.post(contribute_url(moderated_round), {"body": "À valider"})
    assert Contribution.objects.get().state == ContributionState.PENDING
    page = text(resident_client.get(detail_url(moderated_round)))
    assert "publiée après validation" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, "Ce champ est obligatoire."),
        ({"body": "   "}, "Ce champ est obligatoire."),
        ({"body": "x" * 5001}, "au plus 5000 caractères"),
        ({"body": "nul\x00"}, "Le caractère nul n’est pas autorisé."),
        ({"body": "texte \u202eretourné"}, "caractères invisibles"),
        ({"body": "ok", "option": "abc"}, "Cette option n&#x27;existe pas"),
        ({"body": "ok", "option": "999999"}, "Cette option n&#x27;existe pas"),
    ],
)
def test_bad_contributions_get_a_clear_message_and_a_400(
    resident_client, open_round, options, data, message
):
    response = resident_client.post(contribute_url(open_round), data)
    assert response.status_code == 400
    assert message in text(response)
    assert 'class="invalid-feedback' in text(response)
    assert not Contribution.objects.exists()


def test_an_option_of_another_round_is_refused_with_a_400(resident_client, open_round, options):
    foreign = OptionFactory()
    response = resident_client.post(contribute_url(open_round), {"body": "x", "option": foreign.pk})
    assert response.status_code == 400
    assert not Contribution.objects.exists()


def test_hostile_contribution_is_stored_but_never_active(resident_client, open_round):
    resident_client.post(contribute_url(open_round), {"body": HOSTILE})
    assert Contribution.objects.get().body == HOSTILE
    body = text(resident_client.get(detail_url(open_round)))
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


@pytest.mark.parametrize("round_fixture", ["upcoming_round", "closed_round"])
def test_contributing_outside_the_open_period_is_a_403_with_a_reason(
    request, resident_client, round_fixture
):
    consultation = request.getfixturevalue(round_fixture)
    response = resident_client.post(contribute_url(consultation), {"body": "Trop tard"})
    assert response.status_code == 403
    assert "pas encore ouverte" in text(response) or "est close" in text(response)
    assert not Contribution.objects.exists()


def test_visitor_posting_is_sent_to_log_in(client, open_round):
    response = client.post(contribute_url(open_round), {"body": "Bonjour"})
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/login/")
    assert not Contribution.objects.exists()


def test_unverified_user_posting_gets_a_403(open_round):
    response = login(UserFactory(verified=False)).post(contribute_url(open_round), {"body": "x"})
    assert response.status_code == 403
    assert "Confirmez votre adresse e-mail" in text(response)


def test_contribute_and_vote_only_accept_post(resident_client, open_round):
    assert resident_client.get(contribute_url(open_round)).status_code == 405
    assert resident_client.get(vote_url(open_round)).status_code == 405


# --- voting --------------------------------------------------------------------------------


def test_resident_votes_then_changes_the_vote(resident_client, open_round, options, resident):
    response = resident_client.post(vote_url(open_round), {"option": options[0].pk})
    assert response.status_code == 302
    page = text(resident_client.get(detail_url(open_round)))
    assert "Votre vote actuel : <strong>Des arbres</strong>" in page
    assert "Changer mon vote" in page
    resident_client.post(vote_url(open_round), {"option": options[1].pk})
    assert Vote.objects.get(user=resident).option == options[1]
    assert list(Option.objects.order_by("position").values_list("vote_count", flat=True)) == [
        0,
        1,
        0,
    ]
    open_round.refresh_from_db()
    assert open_round.vote_count == 1


@pytest.mark.parametrize("value", ["", "abc", "999999", "1 OR 1=1", "\x00"])
def test_bad_votes_get_a_400(resident_client, open_round, options, value):
    response = resident_client.post(vote_url(open_round), {"option": value})
    assert response.status_code == 400
    assert "option" in text(response)
    assert not Vote.objects.exists()


def test_a_vote_for_another_rounds_option_is_a_400(resident_client, open_round, options):
    response = resident_client.post(vote_url(open_round), {"option": OptionFactory().pk})
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_voting_on_a_closed_round_is_a_403(resident_client, closed_round):
    option = OptionFactory(consultation=closed_round)
    response = resident_client.post(vote_url(closed_round), {"option": option.pk})
    assert response.status_code == 403
    assert "est close" in text(response)
    assert not Vote.objects.exists()


# --- flagging ------------------------------------------------------------------------------


def flag_contribution_url(contribution) -> str:
    return reverse("moderation:flag", args=["contribution", contribution.pk])


def flag_comment_url(comment) -> str:
    return reverse("moderation:flag", args=["commentaire", comment.pk])


def test_resident_flags_a_contribution(resident_client, open_round, resident):
    contribution = ContributionFactory(consultation=open_round)
    page = text(resident_client.get(detail_url(open_round)))
    assert flag_contribution_url(contribution) in page
    form = resident_client.get(flag_contribution_url(contribution))
    assert form.status_code == 200
    assert "Spam ou publicité" in text(form) and contribution.body in text(form)
    response = resident_client.post(
        flag_contribution_url(contribution), {"reason": "insult", "details": HOSTILE}
    )
    assert response.status_code == 302
    assert (
        response["Location"] == f"/consultations/amenager-la-place/#contribution-{contribution.pk}"
    )
    flag = Flag.objects.get()
    assert (flag.reporter, flag.reason, flag.item) == (resident, "insult", contribution)
    page = text(resident_client.get(detail_url(open_round)))
    assert "Merci, votre signalement est transmis" in page
    assert "Vous avez signalé cette contribution." in page
    again = resident_client.post(flag_contribution_url(contribution), {"reason": "spam"})
    assert again.status_code == 403
    assert "déjà signalé" in text(again)
    assert Flag.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choisissez un motif."),
        ({"reason": "boring"}, "Choisissez un motif dans la liste."),
        ({"reason": "spam", "details": "x" * 501}, "au plus 500 caractères"),
        ({"reason": "spam", "details": "\x00"}, "Le caractère nul n’est pas autorisé."),
    ],
)
def test_bad_flags_get_a_400(resident_client, open_round, data, message):
    contribution = ContributionFactory(consultation=open_round)
    response = resident_client.post(flag_contribution_url(contribution), data)
    assert response.status_code == 400
    assert message in text(response)
    assert not Flag.objects.exists()


def test_nobody_flags_their_own_contribution(resident_client, open_round, resident):
    contribution = ContributionFactory(consultation=open_round, author=resident)
    assert flag_contribution_url(contribution) not in text(
        resident_client.get(detail_url(open_round))
    )
    response = resident_client.post(flag_contribution_url(contribution), {"reason": "spam"})
    assert response.status_code == 403
    assert "propre contenu" in text(response)


def test_visitors_are_sent_to_log_in_to_flag(client, open_round):
    contribution = ContributionFactory(consultation=open_round)
    response = client.get(flag_contribution_url(contribution))
    assert response.status_code == 302 and response["Location"].startswith("/compte/login/")
    assert client.post(flag_contribution_url(contribution), {"reason": "spam"}).status_code == 302
    assert not Flag.objects.exists()


def test_unpublished_contributions_cannot_be_flagged(resident_client, open_round):
    for state in ("pending", "rejected", "hidden"):
        contribution = ContributionFactory(consultation=open_round, state=state)
        assert resident_client.get(flag_contribution_url(contribution)).status_code == 404
    assert resident_client.get("/signaler/contribution/999999/").status_code == 404


def test_resident_flags_a_project_comment(resident_client, resident):
    comment = CommentFactory(body="Un commentaire <b>douteux</b>")
    form = resident_client.get(flag_comment_url(comment))
    assert form.status_code == 200
    assert "Signaler un commentaire" in text(form)
    assert "&lt;b&gt;douteux&lt;/b&gt;" in text(form)
    response = resident_client.post(flag_comment_url(comment), {"reason": "personal_data"})
    assert response.status_code == 302
    assert Flag.objects.get().item == comment
    comment.refresh_from_db()
    assert comment.flag_count == 1


def test_hidden_deleted_or_unknown_comments_are_404(resident_client):
    assert (
        resident_client.get(flag_comment_url(CommentFactory(state=CommentState.HIDDEN))).status_code
        == 404
    )
    assert resident_client.get(flag_comment_url(CommentFactory(is_deleted=True))).status_code == 404
    assert resident_client.get("/signaler/commentaire/999999/").status_code == 404


def test_third_flag_through_the_page_hides_the_contribution(open_round):
    contribution = ContributionFactory(consultation=open_round, body="Spam spam")
    for _ in range(3):
        login(ResidentFactory()).post(flag_contribution_url(contribution), {"reason": "spam"})
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.HIDDEN
    assert "Spam spam" not in text(login(ResidentFactory()).get(detail_url(open_round)))


# --- the home page partial -----------------------------------------------------------------


def test_home_partial_lists_open_rounds_with_a_link_to_all(rf, open_round, upcoming_round):
    from django.template.loader import render_to_string

    from consultations.selectors import consultation_list_open_for_home

    html = render_to_string(
        "consultations/_home_open.html",
        {"open_consultations": consultation_list_open_for_home(limit=3)},
        request=rf.get("/"),
    )
    assert open_round.title in html and upcoming_round.title not in html
    assert 'href="/consultations/amenager-la-place/"' in html
    assert 'href="/consultations/"' in html
    empty = render_to_string("consultations/_home_open.html", {"open_consultations": []})
    assert "Aucune concertation n&#x27;est ouverte" in empty or (
        "Aucune concertation n'est ouverte" in empty
    )
