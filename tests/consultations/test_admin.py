"""The moderation back office: queue, bulk decisions through the services, rounds and
syntheses, flagged comments, the read-only moderation log, hostile input escaped."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.urls import reverse
from django.utils import timezone

from consultations.admin import CitedContributionInline
from consultations.models import Consultation, Contribution, ContributionState, Synthesis
from consultations.services import contribution_submit
from moderation import services as moderation_services
from moderation.models import ModerationLog
from moderation.services import flag_submit
from projects.models import CommentState, ProjectUpdate
from tests.conftest import login
from tests.consultations.conftest import close_round
from tests.factories import (
    CommentFactory,
    ContributionFactory,
    FlagFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'
CHANGELIST = "/admin/consultations/contribution/"


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def team_client(team_member):
    return login(team_member)


def flags_management(prefix="moderation-flag-content_type-object_id", total=0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(total),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        CHANGELIST,
        "/admin/consultations/consultation/",
        "/admin/consultations/consultation/add/",
        "/admin/projects/comment/",
        "/admin/moderation/moderationlog/",
        "/admin/moderation/flag/",
    ],
)
@pytest.mark.parametrize(
    ("role", "status"),
    [("resident", 302), ("mayors_office", 302), ("team_member", 200), ("superuser", 200)],
)
def test_the_back_office_is_for_the_team(request, url, role, status):
    assert login(request.getfixturevalue(role)).get(url).status_code == status


def test_admin_index_lists_the_moderation_tools_for_the_team(team_client):
    body = text(team_client.get("/admin/"))
    for name in (
        "Concertations",
        "Contributions",
        "Commentaires",
        "Signalements",
        "Journal de modération",
    ):
        assert name in body


# --- the queue -----------------------------------------------------------------------------


def test_queue_lists_pending_first_then_most_flagged(team_client, open_round):
    quiet = ContributionFactory(consultation=open_round, body="Tranquille")
    flagged = ContributionFactory(consultation=open_round, body="Très signalée", flag_count=2)
    pending = ContributionFactory(
        consultation=open_round, body="En attente", state=ContributionState.PENDING
    )
    body = text(team_client.get(CHANGELIST))
    assert body.index(pending.body) < body.index(flagged.body) < body.index(quiet.body)


def test_queue_filters_and_search(team_client, open_round, closed_round):
    spam = ContributionFactory(consultation=open_round, body="Achetez maintenant")
    FlagFactory(contribution=spam, reason="spam")
    insult = ContributionFactory(consultation=open_round, body="Gros mot")
    FlagFactory(contribution=insult, reason="insult")
    FlagFactory(contribution=insult, reason="insult")
    other_round = ContributionFactory(consultation=closed_round, body="Ailleurs")
    pending = ContributionFactory(
        consultation=open_round, body="Pas encore", state=ContributionState.PENDING
    )

    def listed(query: str) -> set[str]:
        body = text(team_client.get(CHANGELIST + query))
        return {c.body for c in (spam, insult, other_round, pending) if c.body in body}

    assert listed("?flag_reason=insult") == {"Gros mot"}  # once, though flagged twice
    rows = text(team_client.get(CHANGELIST + "?flag_reason=insult"))
    assert rows.count(f'name="{helpers.ACTION_CHECKBOX_NAME}" value=') == 1
    assert listed("?flag_reason=spam") == {"Achetez maintenant"}
    assert listed(f"?consultation__id__exact={closed_round.pk}") == {"Ailleurs"}
    assert listed("?state__exact=pending") == {"Pas encore"}
    assert listed("?q=achetez") == {"Achetez maintenant"}
    assert listed("?flag_reason=nonsense") == {
        "Achetez maintenant",
        "Gros mot",
        "Ailleurs",
        "Pas encore",
    }


@pytest.mark.parametrize(
    "query",
    [
        "?q=%00",
        "?q=%3Cscript%3E",
        "?state__exact=%00",
        "?consultation__id__exact=abc",
        "?flag_reason=%00",
        "?o=99",
        "?p=abc",
        "?answered=%00",
    ],
)
def test_hostile_queue_queries_never_500(team_client, open_round, query):
    ContributionFactory(consultation=open_round)
    assert team_client.get(CHANGELIST + query).status_code in (200, 302, 400)


def test_hostile_bodies_are_escaped_in_list_change_and_log_pages(
    team_client, team_member, open_round
):
    contribution = ContributionFactory(consultation=open_round, body=HOSTILE, flag_count=1)
    FlagFactory(contribution=contribution, details=HOSTILE)
    moderation_services.item_hide(item=contribution, actor=team_member, reason=HOSTILE)
    pages = [
        team_client.get(CHANGELIST),
        team_client.get(f"{CHANGELIST}{contribution.pk}/change/"),
        team_client.get("/admin/moderation/moderationlog/"),
        team_client.get(
            f"/admin/moderation/moderationlog/{ModerationLog.objects.get().pk}/change/"
        ),
    ]
    for page in pages:
        assert page.status_code == 200
        assert HOSTILE not in text(page)
        assert "&lt;script&gt;" in text(page)


# --- bulk decisions ------------------------------------------------------------------------


def action(client, name: str, items, **extra):
    data = {
        "action": name,
        helpers.ACTION_CHECKBOX_NAME: [str(item.pk) for item in items],
        **extra,
    }
    return client.post(CHANGELIST, data)


def test_bulk_publish_goes_through_the_service(team_client, moderated_round, team_member):
    items = [
        contribution_submit(consultation=moderated_round, author=ResidentFactory(), body=f"P{i}")
        for i in range(3)
    ]
    response = action(team_client, "publish_selected", items)
    assert response.status_code == 302
    assert set(Contribution.objects.values_list("state", flat=True)) == {"published"}
    moderated_round.refresh_from_db()
    assert moderated_round.contribution_count == 3
    assert ModerationLog.objects.filter(action="publish", actor=team_member).count() == 3


def test_bulk_reject_asks_for_a_reason_first(team_client, moderated_round, team_member):
    items = [
        contribution_submit(consultation=moderated_round, author=ResidentFactory(), body=f"R{i}")
        for i in range(2)
    ]
    page = action(team_client, "reject_selected", items)
    assert page.status_code == 200
    assert "Motif (montré à l&#x27;auteur)" in text(page) or "Motif (montré à l'auteur)" in text(
        page
    )
    assert "R0" in text(page) and "R1" in text(page)
    assert set(Contribution.objects.values_list("state", flat=True)) == {"pending"}

    empty = action(team_client, "reject_selected", items, apply="yes", reason="   ")
    assert empty.status_code == 400
    assert "Ce champ est obligatoire." in text(empty)
    assert set(Contribution.objects.values_list("state", flat=True)) == {"pending"}

    done = action(team_client, "reject_selected", items, apply="yes", reason="Hors sujet.")
    assert done.status_code == 302
    assert set(Contribution.objects.values_list("state", "moderation_reason")) == {
        ("rejected", "Hors sujet.")
    }
    assert ModerationLog.objects.filter(action="reject", reason="Hors sujet.").count() == 2


def test_bulk_hide_and_restore(team_client, open_round):
    items = [
        contribution_submit(consultation=open_round, author=ResidentFactory(), body=f"H{i}")
        for i in range(2)
    ]
    action(team_client, "hide_selected", items, apply="yes", reason="Injurieux")
    assert set(Contribution.objects.values_list("state", flat=True)) == {"hidden"}
    open_round.refresh_from_db()
    assert open_round.contribution_count == 0
    # Restoring needs a reason, like hiding.
    refused = action(team_client, "restore_selected", items, apply="yes", reason="")
    assert refused.status_code == 400
    assert set(Contribution.objects.values_list("state", flat=True)) == {"hidden"}
    action(team_client, "restore_selected", items, apply="yes", reason="Signalement infondé")
    assert set(Contribution.objects.values_list("state", flat=True)) == {"published"}
    open_round.refresh_from_db()
    assert open_round.contribution_count == 2


def test_bulk_decisions_skip_items_in_the_wrong_state(team_client, open_round):
    published = ContributionFactory(consultation=open_round)
    response = action(team_client, "reject_selected", [published], apply="yes", reason="Non")
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.state == "published"
    follow = team_client.get(CHANGELIST)
    assert "ignoré" in text(follow)


def test_select_across_applies_to_the_filtered_queue(team_client, moderated_round):
    for i in range(3):
        contribution_submit(consultation=moderated_round, author=ResidentFactory(), body=f"A{i}")
    ContributionFactory(consultation=moderated_round, body="Déjà publiée")
    first = Contribution.objects.filter(state="pending").first()
    # "Select all" in the changelist: the page's boxes are ticked, select_across says "all".
    response = team_client.post(
        CHANGELIST + "?state__exact=pending",
        {
            "action": "hide_selected",
            "index": "0",
            "select_across": "1",
            helpers.ACTION_CHECKBOX_NAME: [str(first.pk)],
        },
    )
    assert response.status_code == 200  # the reason page
    assert 'name="select_across" value="1"' in text(response)
    assert "3 éléments" in text(response)
    response = team_client.post(
        CHANGELIST + "?state__exact=pending",
        {
            "action": "publish_selected",
            "index": "0",
            "select_across": "1",
            helpers.ACTION_CHECKBOX_NAME: [str(first.pk)],
        },
    )
    assert response.status_code == 302
    assert Contribution.objects.filter(state="published").count() == 4
    assert ModerationLog.objects.count() == 3


def test_nobody_adds_or_deletes_contributions_in_the_admin(team_client, superuser, open_round):
    contribution = ContributionFactory(consultation=open_round)
    for client in (team_client, login(superuser)):
        assert client.get(CHANGELIST + "add/").status_code == 403
        assert client.get(f"{CHANGELIST}{contribution.pk}/delete/").status_code == 403
        assert "delete_selected" not in text(client.get(CHANGELIST))


# --- the contribution's page ---------------------------------------------------------------


def change(client, contribution, **data):
    payload = {"answer": "", "decision": "", "decision_reason": "", **flags_management()}
    payload.update(data)
    return client.post(f"{CHANGELIST}{contribution.pk}/change/", payload)


def test_the_team_rejects_with_a_reason_from_the_change_page(team_client, moderated_round):
    contribution = contribution_submit(
        consultation=moderated_round, author=ResidentFactory(), body="Texte"
    )
    missing = change(team_client, contribution, decision="reject")
    assert missing.status_code == 200
    assert "Indiquez le motif de cette décision." in text(missing)
    done = change(team_client, contribution, decision="reject", decision_reason="Doublon")
    assert done.status_code == 302
    contribution.refresh_from_db()
    assert (contribution.state, contribution.moderation_reason) == ("rejected", "Doublon")
    page = text(team_client.get(f"{CHANGELIST}{contribution.pk}/change/"))
    assert "Refus" in page and "Doublon" in page  # the history on the page


def test_the_team_answers_publicly_from_the_change_page(team_client, open_round, team_member):
    contribution = ContributionFactory(consultation=open_round)
    response = change(team_client, contribution, answer="Merci, c'est noté " + HOSTILE)
    assert response.status_code == 302
    contribution.refresh_from_db()
    assert contribution.answer == "Merci, c'est noté " + HOSTILE
    assert (contribution.answered_by, bool(contribution.answered_at)) == (team_member, True)
    public = text(login(ResidentFactory()).get(open_round.get_absolute_url()))
    assert "Merci, c&#x27;est noté &lt;script&gt;" in public


def test_outcome_is_editable_only_after_closing(team_client, open_round):
    contribution = ContributionFactory(consultation=open_round)
    page = text(team_client.get(f"{CHANGELIST}{contribution.pk}/change/"))
    assert 'name="outcome"' not in page
    change(team_client, contribution, outcome="yes", outcome_reason="Retenu")
    contribution.refresh_from_db()
    assert contribution.outcome == ""
    close_round(open_round)
    page = text(team_client.get(f"{CHANGELIST}{contribution.pk}/change/"))
    assert 'name="outcome"' in page
    missing = change(team_client, contribution, outcome="no", outcome_reason="")
    assert "Expliquez cette prise en compte." in text(missing)
    done = change(team_client, contribution, outcome="partly", outcome_reason="En partie")
    assert done.status_code == 302
    contribution.refresh_from_db()
    assert (contribution.outcome, contribution.outcome_reason) == ("partly", "En partie")


def test_hostile_admin_form_input_gets_messages_not_500(team_client, open_round):
    contribution = ContributionFactory(consultation=open_round)
    for data in (
        {"answer": "\x00"},
        {"decision": "nonsense"},
        {"decision": "hide", "decision_reason": "\u202e"},
        {"answer": "x" * 100_000},
    ):
        response = change(team_client, contribution, **data)
        assert response.status_code == 200
        assert "errornote" in text(response)
    contribution.refresh_from_db()
    assert (contribution.state, contribution.answer) == ("published", "")


# --- rounds and syntheses ------------------------------------------------------------------


def consultation_payload(project, **overrides) -> dict:
    now = timezone.localtime()
    data = {
        "project": str(project.pk),
        "title": "Le parc",
        "slug": "le-parc",
        "question": "Que voulez-vous ?",
        "context": "",
        "opens_at_0": (now - timedelta(days=1)).strftime("%d/%m/%Y"),
        "opens_at_1": "08:00:00",
        "closes_at_0": (now + timedelta(days=10)).strftime("%d/%m/%Y"),
        "closes_at_1": "18:00:00",
        "moderation": "after",
        "options-TOTAL_FORMS": "2",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
        "options-0-label": "Des arbres",
        "options-0-description": "",
        "options-0-position": "1",
        "options-1-label": "Des jeux",
        "options-1-description": "",
        "options-1-position": "2",
        "synthesis-TOTAL_FORMS": "1",
        "synthesis-INITIAL_FORMS": "0",
        "synthesis-MIN_NUM_FORMS": "0",
        "synthesis-MAX_NUM_FORMS": "1",
        "synthesis-0-body": "",
    }
    data.update(overrides)
    return data


def test_the_team_creates_a_round_with_options(team_client, team_member):
    project = ProjectFactory()
    response = team_client.post(
        "/admin/consultations/consultation/add/", consultation_payload(project)
    )
    assert response.status_code == 302, text(response)
    consultation = Consultation.objects.get()
    assert consultation.author == team_member
    assert list(consultation.options.values_list("label", flat=True)) == ["Des arbres", "Des jeux"]
    assert consultation.state == "open"
    assert not Synthesis.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "\x00", "Le caractère nul n’est pas autorisé."),
        ("title", "Titre \u202e", "caractères invisibles"),
        ("title", "x" * 141, "140 caractères"),
        ("slug", "<script>", "Ce champ ne doit contenir que"),
        ("question", "   ", "Ce champ est obligatoire."),
        ("opens_at_0", "31/02/2026", "Saisissez une date valide."),
        ("project", "abc", "Sélectionnez un choix valide."),
        ("options-0-label", "\x00", "Le caractère nul n’est pas autorisé."),
    ],
)
def test_hostile_round_forms_get_messages_not_500(team_client, field, value, message):
    data = consultation_payload(ProjectFactory())
    data[field] = value
    response = team_client.post("/admin/consultations/consultation/add/", data)
    assert response.status_code == 200
    assert message in text(response)
    assert not Consultation.objects.exists()


def test_round_context_is_sanitised_markdown_on_the_public_page(team_client, client):
    data = consultation_payload(
        ProjectFactory(), context="**Gras** <script>alert(1)</script> [x](javascript:alert(1))"
    )
    assert team_client.post("/admin/consultations/consultation/add/", data).status_code == 302
    body = text(client.get("/consultations/le-parc/"))
    assert "<strong>Gras</strong>" in body
    assert "<script>alert(1)" not in body and "javascript:" not in body


def test_round_dates_in_the_wrong_order_are_refused(team_client):
    now = timezone.localtime()
    data = consultation_payload(
        ProjectFactory(), closes_at_0=(now - timedelta(days=3)).strftime("%d/%m/%Y")
    )
    response = team_client.post("/admin/consultations/consultation/add/", data)
    assert response.status_code == 200
    assert "La clôture doit venir après l&#x27;ouverture." in text(response) or (
        "La clôture doit venir après l'ouverture." in text(response)
    )
    assert not Consultation.objects.exists()


def test_a_synthesis_cannot_be_published_before_closing(team_client, open_round):
    data = consultation_payload(
        open_round.project,
        slug=open_round.slug,
        **{"options-TOTAL_FORMS": "0", "synthesis-0-body": "Trop tôt", "synthesis-0-publish": "on"},
    )
    response = team_client.post(f"/admin/consultations/consultation/{open_round.pk}/change/", data)
    assert response.status_code == 200
    assert "après la clôture" in text(response)
    assert not Synthesis.objects.exists()


def test_the_team_drafts_then_publishes_the_synthesis(team_client, closed_round, team_member):
    url = f"/admin/consultations/consultation/{closed_round.pk}/change/"
    now = timezone.localtime()
    dates = {
        "opens_at_0": (now - timedelta(days=30)).strftime("%d/%m/%Y"),
        "closes_at_0": (now - timedelta(days=1)).strftime("%d/%m/%Y"),
    }
    draft = consultation_payload(
        closed_round.project,
        slug=closed_round.slug,
        **dates,
        **{"options-TOTAL_FORMS": "0", "synthesis-0-body": "Brouillon"},
    )
    assert team_client.post(url, draft).status_code == 302
    synthesis = Synthesis.objects.get()
    assert (synthesis.body, synthesis.published_at) == ("Brouillon", None)
    assert "Brouillon" not in text(team_client.get(closed_round.get_absolute_url()))

    publish = dict(draft)
    publish.update(
        {
            "synthesis-INITIAL_FORMS": "1",
            "synthesis-0-id": str(synthesis.pk),
            "synthesis-0-consultation": str(closed_round.pk),
            "synthesis-0-body": "Ce que **nous** avons entendu",
            "synthesis-0-publish": "on",
        }
    )
    assert team_client.post(url, publish).status_code == 302
    synthesis.refresh_from_db()
    assert synthesis.published_at is not None and synthesis.author == team_member
    public = text(login(ResidentFactory()).get(closed_round.get_absolute_url()))
    assert "Ce que <strong>nous</strong> avons entendu" in public


def test_options_with_votes_cannot_be_deleted(team_client, open_round, options, resident):
    from consultations.services import vote_cast

    vote_cast(consultation=open_round, voter=resident, option=options[0])
    page = text(team_client.get(f"/admin/consultations/consultation/{open_round.pk}/change/"))
    assert 'name="options-0-DELETE"' not in page


# --- flagged comments ----------------------------------------------------------------------


def test_flagged_comments_queue_hides_and_restores_through_the_services(team_client):
    quiet = CommentFactory(body="Rien à signaler")
    flagged = CommentFactory(body="Commentaire " + HOSTILE)
    flag_submit(reporter=ResidentFactory(), reason="insult", item=flagged)
    url = "/admin/projects/comment/"
    body = text(team_client.get(url))
    assert "Commentaire &lt;script&gt;" in body and HOSTILE not in body
    # The flagged comment comes first, before the quiet one.
    assert body.index("Commentaire &lt;script&gt;") < body.index(quiet.body)
    filtered = team_client.get(url + "?flag_reason=insult")
    assert filtered.status_code == 200 and quiet.body not in text(filtered)

    data = {"action": "hide_comments", helpers.ACTION_CHECKBOX_NAME: [str(flagged.pk)]}
    assert "Motif" in text(team_client.post(url, data))
    team_client.post(url, {**data, "apply": "yes", "reason": "Insulte"})
    flagged.refresh_from_db()
    assert (flagged.state, flagged.moderation_reason) == (CommentState.HIDDEN, "Insulte")

    change_url = f"{url}{flagged.pk}/change/"
    page = team_client.get(change_url)
    assert page.status_code == 200 and "Insulte" in text(page)
    restored = team_client.post(
        change_url, {"decision": "restore", "decision_reason": "", **flags_management(total=1)}
    )
    assert restored.status_code == 200  # restoring needs a reason too
    restored = team_client.post(
        change_url,
        {"decision": "restore", "decision_reason": "Méprise", **flags_management(total=1)},
    )
    assert restored.status_code == 302
    flagged.refresh_from_db()
    assert flagged.state == CommentState.PUBLISHED
    assert list(ModerationLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "hide",
        "restore",
    ]


# --- project updates cite contributions ----------------------------------------------------


def test_project_update_admin_gains_the_cited_contributions_inline(superuser, open_round):
    model_admin = admin.site.get_model_admin(ProjectUpdate)
    assert CitedContributionInline in model_admin.get_inlines(None, None)
    update = ProjectUpdateFactory(project=open_round.project)
    contribution = ContributionFactory(consultation=open_round, body="Des bancs")
    client = login(superuser)
    page = client.get(f"/admin/projects/projectupdate/{update.pk}/change/")
    assert page.status_code == 200
    assert "ce qui a changé grâce à vous" in text(page)
    # The autocomplete proposes only what the public can read.
    ContributionFactory(consultation=open_round, body="Des bancs cachés", state="hidden")
    response = client.get(
        "/admin/autocomplete/",
        {
            "term": "bancs",
            "app_label": "consultations",
            "model_name": "contribution_cited_in_updates",
            "field_name": "contribution",
        },
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(contribution.pk)]


# --- the moderation log --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["team_member", "superuser"])
def test_the_log_is_read_only_in_the_admin_for_everyone(request, role, open_round):
    user = request.getfixturevalue(role)
    contribution = ContributionFactory(consultation=open_round)
    moderation_services.item_hide(item=contribution, actor=user, reason="Motif")
    entry = ModerationLog.objects.get()
    client = login(user)
    base = "/admin/moderation/moderationlog/"
    assert client.get(base).status_code == 200
    assert client.get(base + "add/").status_code == 403
    view = client.get(f"{base}{entry.pk}/change/")
    assert view.status_code == 200
    assert 'name="reason"' not in text(view)  # shown, not editable
    assert client.post(f"{base}{entry.pk}/change/", {"reason": "réécrit"}).status_code == 403
    assert client.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(
        base, {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [str(entry.pk)]}
    ).status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.reason == "Motif"
    assert ModerationLog.objects.count() == 1
    model_admin = admin.site.get_model_admin(ModerationLog)
    req = type("Req", (), {"user": user})()
    assert not model_admin.has_add_permission(req)
    assert not model_admin.has_change_permission(req, entry)
    assert not model_admin.has_delete_permission(req, entry)
    assert reverse("admin:moderation_moderationlog_changelist") == base


def test_the_log_filters_and_search(team_client, team_member, open_round):
    contribution = ContributionFactory(consultation=open_round, body="Cherchez-moi")
    moderation_services.item_hide(item=contribution, actor=team_member, reason="Spam évident")
    for query in ("?action=hide", "?automatic__exact=1", "?q=évident", "?action=nonsense"):
        assert team_client.get("/admin/moderation/moderationlog/" + query).status_code == 200
    for query in ("?q=%00", "?action=%00"):
        assert team_client.get("/admin/moderation/moderationlog/" + query).status_code == 400
    page = text(team_client.get("/admin/moderation/moderationlog/?q=évident"))
    assert "Spam évident" in page
    assert "Publiée" in page and "Masquée" in page and "Masquage" in page  # in French


@pytest.mark.parametrize("selected", ["abc", "1 OR 1=1", "\x00", "-1"])
def test_a_tampered_selection_is_a_400(team_client, open_round, selected):
    ContributionFactory(consultation=open_round)
    response = team_client.post(
        CHANGELIST, {"action": "publish_selected", helpers.ACTION_CHECKBOX_NAME: [selected]}
    )
    assert response.status_code == 400
    assert not ModerationLog.objects.exists()


def test_a_tampered_reason_page_gets_a_message_not_a_500(team_client, moderated_round):
    item = contribution_submit(consultation=moderated_round, author=ResidentFactory(), body="x")
    for reason in ("\x00", "\u202e", "x" * 2001):
        response = action(team_client, "reject_selected", [item], apply="yes", reason=reason)
        assert response.status_code == 400
        assert "errorlist" in text(response)
    item.refresh_from_db()
    assert item.state == "pending"
