"""moderation.services on every registered item: flags hide with the counters kept right,
the team's own words are never hidden by flags, one rule for reasons."""

import pytest
from django.core.exceptions import ValidationError

from moderation import registry
from moderation.models import Flag, ModerationLog
from moderation.services import (
    AUTO_HIDE_FLAGS,
    flag_submit,
    item_hide,
    item_publish,
    item_reject,
    item_restore,
)
from projects import services as project_services
from projects.models import Comment, CommentState, Project
from tests.conftest import login
from tests.factories import ContributionFactory, ProjectFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def flag_by_residents(item, count=AUTO_HIDE_FLAGS):
    for _ in range(count):
        flag_submit(reporter=ResidentFactory(), reason="insult", item=item)


def test_a_reply_hidden_by_flags_leaves_the_counters_right_and_restore_puts_them_back(
    resident, other_resident, team_member
):
    project = ProjectFactory()
    top = project_services.comment_post(project=project, author=resident, body="Un avis")
    reply = project_services.comment_post(
        project=project, author=other_resident, body="Une insulte", parent=top
    )
    assert (fresh(project).comment_count, fresh(top).reply_count) == (2, 1)

    flag_by_residents(reply)

    assert fresh(reply).state == CommentState.HIDDEN
    assert (fresh(project).comment_count, fresh(top).reply_count) == (1, 0)
    item_restore(item=reply, actor=team_member, reason="Signalements infondés")
    assert fresh(reply).state == CommentState.PUBLISHED
    assert (fresh(project).comment_count, fresh(top).reply_count) == (2, 1)
    assert list(ModerationLog.objects.order_by("pk").values_list("action", "automatic")) == [
        ("auto_hide", True),
        ("restore", False),
    ]


def test_the_most_discussed_sort_forgets_a_comment_hidden_by_flags(resident):
    quiet, loud = ProjectFactory(title="Calme"), ProjectFactory(title="Bruyant")
    project_services.comment_post(project=quiet, author=resident, body="Bien")
    spam = project_services.comment_post(project=loud, author=resident, body="Spam")
    project_services.comment_post(project=loud, author=ResidentFactory(), body="Autre")
    flag_by_residents(spam)
    assert (fresh(quiet).comment_count, fresh(loud).comment_count) == (1, 1)


def test_team_comments_are_never_hidden_by_flags_but_wait_in_the_teams_queue(team_member):
    project = ProjectFactory()
    answer = project_services.comment_post(
        project=project, author=team_member, body="Réponse officielle de la mairie"
    )
    assert answer.by_team
    flag_by_residents(answer, count=AUTO_HIDE_FLAGS + 1)

    answer = fresh(answer)
    assert (answer.state, answer.flag_count) == (CommentState.PUBLISHED, AUTO_HIDE_FLAGS + 1)
    assert Flag.objects.count() == AUTO_HIDE_FLAGS + 1
    assert fresh(project).comment_count == 1
    assert not ModerationLog.objects.exists()
    # The team sees it first in its comments queue, with its flags.
    queue = login(team_member).get("/admin/projects/comment/").content.decode()
    assert "Réponse officielle de la mairie" in queue
    page = login(team_member).get(f"/admin/projects/comment/{answer.pk}/change/").content.decode()
    assert "Insulte ou propos haineux" in page


def test_a_contribution_hidden_by_flags_leaves_the_rounds_counter_right(team_member):
    contribution = ContributionFactory()
    consultation = contribution.consultation
    type(consultation).objects.filter(pk=consultation.pk).update(contribution_count=1)
    flag_by_residents(contribution)
    assert fresh(consultation).contribution_count == 0
    item_restore(item=contribution, actor=team_member, reason="Rien d'abusif")
    assert fresh(consultation).contribution_count == 1


def test_hiding_and_refusing_need_a_reason(team_member):
    published = ContributionFactory()
    pending = ContributionFactory(state="pending", published_at=None)
    with pytest.raises(ValidationError):
        item_hide(item=published, actor=team_member, reason="  ")
    with pytest.raises(ValidationError):
        item_reject(item=pending, actor=team_member, reason="")
    assert not ModerationLog.objects.exists()


def test_restoring_needs_a_reason_on_every_kind_of_item(team_member):
    comment = project_services.comment_post(
        project=ProjectFactory(), author=ResidentFactory(), body="Texte"
    )
    project = ProjectFactory()
    for item in (comment, project, ContributionFactory()):
        item_hide(item=item, actor=team_member, reason="Motif")
        with pytest.raises(ValidationError):
            item_restore(item=item, actor=team_member, reason="")
        item_restore(item=item, actor=team_member, reason="Erreur")
    assert not Project.objects.filter(is_hidden=True).exists()
    assert not Comment.objects.filter(state=CommentState.HIDDEN).exists()


def test_publishing_needs_no_reason(team_member):
    pending = ContributionFactory(state="pending", published_at=None)
    assert item_publish(item=pending, actor=team_member).state == "published"


def test_every_app_registers_its_items():
    kinds = {adapter.kind for adapter in registry.adapters()}
    assert {"commentaire", "contribution", "projet"} <= kinds
    with pytest.raises(LookupError):
        registry.adapter_for(ModerationLog)
