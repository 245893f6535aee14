"""Writes on projects: each service changes state, keeps its counters and its log right."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from moderation import services as moderation_services
from moderation.models import ModerationLog
from moderation.services import InvalidTransition, moderation_log_write
from projects import services
from projects.models import (
    Category,
    Comment,
    CommentState,
    Follow,
    Origin,
    Project,
    Status,
    StatusChange,
    Support,
)
from tests.factories import CommentFactory, ProjectFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def propose(author, **overrides):
    data = {
        "author": author,
        "title": "Des bancs rue de la Gare",
        "summary": "Pouvoir s'asseoir entre la gare et le centre.",
        "body": "Il n'y a **aucun** banc.",
        "category": Category.PUBLIC_SPACES,
    }
    data.update(overrides)
    return services.project_propose(**data)


def fresh(obj):
    obj.refresh_from_db()
    return obj


# --- proposing -----------------------------------------------------------------------------


def test_a_proposal_is_published_at_once_as_a_resident_proposal_followed_by_its_author(
    resident,
):
    project = propose(resident)
    project = fresh(project)
    assert (project.status, project.origin, project.author) == (
        Status.PROPOSED,
        Origin.RESIDENT,
        resident,
    )
    assert project.slug == "des-bancs-rue-de-la-gare"
    assert not project.is_hidden
    assert Follow.objects.filter(project=project, user=resident).exists()
    assert project.follower_count == 1


def test_slugs_stay_unique_and_never_shadow_the_propose_page(resident):
    first = propose(resident)
    second = propose(resident, body="Un autre texte.")
    third = propose(ResidentFactory())
    assert [first.slug, second.slug, third.slug] == [
        "des-bancs-rue-de-la-gare",
        "des-bancs-rue-de-la-gare-2",
        "des-bancs-rue-de-la-gare-3",
    ]
    assert propose(resident, title="Proposer").slug == "proposer-2"
    assert propose(resident, title="!!! ???").slug == "projet"
    long = propose(resident, title="Très " * 28)
    assert len(long.slug) <= 160


def test_a_similar_slug_prefix_does_not_count_as_taken(resident):
    ProjectFactory(slug="des-bancs-rue-de-la-gare-et-du-centre")
    assert propose(resident).slug == "des-bancs-rue-de-la-gare"


def test_only_verified_residents_propose(unverified_user):
    with pytest.raises(PermissionDenied):
        propose(unverified_user)
    assert not Project.objects.exists()


# --- the lifecycle -------------------------------------------------------------------------


def test_a_status_change_is_recorded_with_its_official_answer(team_member):
    project = ProjectFactory(status=Status.PROPOSED)
    before = project.status_changed_at
    change = services.project_change_status(
        project=project, actor=team_member, to_status=Status.UNDER_STUDY, answer="  Étude lancée. "
    )
    project = fresh(project)
    assert project.status == Status.UNDER_STUDY
    assert project.status_changed_at > before
    assert (change.from_status, change.to_status, change.answer, change.author) == (
        Status.PROPOSED,
        Status.UNDER_STUDY,
        "Étude lancée.",
        team_member,
    )


def test_declining_requires_a_public_answer(team_member):
    project = ProjectFactory(status=Status.PROPOSED)
    with pytest.raises(ValidationError) as excinfo:
        services.project_change_status(
            project=project, actor=team_member, to_status=Status.DECLINED, answer="   "
        )
    assert "answer" in excinfo.value.message_dict
    assert fresh(project).status == Status.PROPOSED
    assert not StatusChange.objects.exists()
    services.project_change_status(
        project=project, actor=team_member, to_status=Status.DECLINED, answer="Site protégé."
    )
    assert fresh(project).status == Status.DECLINED


@pytest.mark.parametrize(
    "start,target",
    [
        (Status.PROPOSED, Status.COMPLETED),
        (Status.DECLINED, Status.UNDER_STUDY),
        (Status.COMPLETED, Status.IN_PROGRESS),
        (Status.DECIDED, Status.DECLINED),
        (Status.PROPOSED, Status.PROPOSED),
        (Status.PROPOSED, "nonsense"),
    ],
)
def test_only_the_lifecycles_transitions_are_allowed(team_member, start, target):
    project = ProjectFactory(status=start)
    with pytest.raises(ValidationError):
        services.project_change_status(
            project=project, actor=team_member, to_status=target, answer="Réponse."
        )
    assert fresh(project).status == start


def test_the_whole_lifecycle_can_be_walked(team_member):
    project = ProjectFactory(status=Status.PROPOSED)
    for target in [
        Status.UNDER_STUDY,
        Status.IN_CONSULTATION,
        Status.DECIDED,
        Status.IN_PROGRESS,
        Status.COMPLETED,
    ]:
        services.project_change_status(
            project=project, actor=team_member, to_status=target, answer=""
        )
    assert fresh(project).status == Status.COMPLETED
    assert StatusChange.objects.filter(project=project).count() == 5


def test_residents_cannot_change_a_status(resident):
    with pytest.raises(PermissionDenied):
        services.project_change_status(
            project=ProjectFactory(status=Status.PROPOSED),
            actor=resident,
            to_status=Status.UNDER_STUDY,
            answer="",
        )


# --- hiding --------------------------------------------------------------------------------


def test_hiding_and_unhiding_a_project_need_a_reason_and_are_logged(team_member):
    project = ProjectFactory()
    with pytest.raises(ValidationError):
        moderation_services.item_hide(item=project, actor=team_member, reason=" ")
    assert not fresh(project).is_hidden

    assert moderation_services.item_hide(item=project, actor=team_member, reason="Doublon")
    with pytest.raises(InvalidTransition):
        moderation_services.item_hide(item=project, actor=team_member, reason="Encore")
    project = fresh(project)
    assert (project.is_hidden, project.hidden_reason) == (True, "Doublon")

    assert moderation_services.item_restore(item=project, actor=team_member, reason="Erreur")
    assert not fresh(project).is_hidden
    logs = ModerationLog.objects.order_by("created_at", "pk")
    assert [(r.action, r.from_state, r.to_state, r.reason, r.actor) for r in logs] == [
        ("hide", "visible", "hidden", "Doublon", team_member),
        ("restore", "hidden", "visible", "Erreur", team_member),
    ]
    assert logs[0].content_type == ContentType.objects.get_for_model(Project)
    assert logs[0].object_id == project.pk


def test_residents_cannot_hide_a_project(resident):
    with pytest.raises(PermissionDenied):
        moderation_services.item_hide(item=ProjectFactory(), actor=resident, reason="Je n'aime pas")


def test_moderation_log_write_records_every_detail(team_member):
    project = ProjectFactory()
    row = moderation_log_write(
        actor=None,
        obj=project,
        action="hide",
        from_state="visible",
        to_state="hidden",
        reason="3 signalements",
        automatic=True,
    )
    row.refresh_from_db()
    assert (row.actor, row.automatic, row.reason, row.object_id) == (
        None,
        True,
        "3 signalements",
        project.pk,
    )
    assert row.object_repr == str(project)


# --- comments ------------------------------------------------------------------------------


def test_comments_and_replies_keep_the_counters(resident, other_resident):
    project = ProjectFactory()
    comment = services.comment_post(project=project, author=resident, body="Un banc ?")
    reply = services.comment_post(
        project=project, author=other_resident, body="Oui !", parent=comment
    )
    assert fresh(project).comment_count == 2
    assert fresh(comment).reply_count == 1
    assert (reply.parent, reply.by_team) == (comment, False)


def test_a_reply_to_a_reply_joins_the_top_level_thread(resident, other_resident):
    project = ProjectFactory()
    top = services.comment_post(project=project, author=resident, body="Question")
    reply = services.comment_post(project=project, author=other_resident, body="R1", parent=top)
    nested = services.comment_post(project=project, author=resident, body="R2", parent=reply)
    assert nested.parent == top
    assert fresh(top).reply_count == 2
    assert fresh(reply).reply_count == 0


def test_team_comments_are_marked(team_member, superuser):
    project = ProjectFactory()
    assert services.comment_post(project=project, author=team_member, body="Merci").by_team
    assert services.comment_post(project=project, author=superuser, body="Merci").by_team


def test_replying_across_projects_or_to_a_gone_comment_is_refused(resident, team_member):
    project = ProjectFactory()
    elsewhere = CommentFactory()
    with pytest.raises(ValidationError):
        services.comment_post(project=project, author=resident, body="x", parent=elsewhere)
    deleted = CommentFactory(project=project, is_deleted=True)
    hidden = CommentFactory(project=project, state=CommentState.HIDDEN)
    for parent in (deleted, hidden):
        with pytest.raises(ValidationError):
            services.comment_post(project=project, author=resident, body="x", parent=parent)
    assert fresh(project).comment_count == 0


def test_comments_are_refused_on_hidden_projects_and_to_unverified_people(
    resident, unverified_user
):
    hidden = ProjectFactory(is_hidden=True)
    with pytest.raises(PermissionDenied):
        services.comment_post(project=hidden, author=resident, body="x")
    with pytest.raises(PermissionDenied):
        services.comment_post(project=ProjectFactory(), author=unverified_user, body="x")


def test_an_overlong_or_empty_comment_is_refused_by_the_service_too(resident):
    project = ProjectFactory()
    for body in ("x" * 5001, "  \n "):
        with pytest.raises(ValidationError):
            services.comment_post(project=project, author=resident, body=body)
    assert fresh(project).comment_count == 0


def test_the_author_edits_within_15_minutes_only(resident, other_resident):
    project = ProjectFactory()
    comment = services.comment_post(project=project, author=resident, body="Premier jet")
    with pytest.raises(PermissionDenied):
        services.comment_edit(comment=comment, editor=other_resident, body="Pirate")
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        services.comment_edit(comment=comment, editor=resident, body="Version corrigée")
    comment = fresh(comment)
    assert comment.body == "Version corrigée"
    assert comment.edited_at is not None
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        with pytest.raises(PermissionDenied):
            services.comment_edit(comment=comment, editor=resident, body="Trop tard")
    assert fresh(comment).body == "Version corrigée"


def test_deleting_a_comment_keeps_its_text_out_of_the_counters(resident, other_resident):
    project = ProjectFactory()
    top = services.comment_post(project=project, author=resident, body="Mon avis")
    reply = services.comment_post(project=project, author=other_resident, body="R", parent=top)
    stale_reply = Comment.objects.get(pk=reply.pk)
    with pytest.raises(PermissionDenied):
        services.comment_delete(comment=top, actor=other_resident)
    assert services.comment_delete(comment=top, actor=resident)
    assert fresh(top).is_deleted
    assert fresh(project).comment_count == 1
    assert services.comment_delete(comment=fresh(reply), actor=other_resident)
    assert fresh(top).reply_count == 0
    assert fresh(project).comment_count == 0
    # A second click, made from the page loaded before the first, changes nothing.
    assert services.comment_delete(comment=stale_reply, actor=other_resident) is False
    assert fresh(project).comment_count == 0


def test_hiding_and_restoring_a_comment_moves_the_counters_and_is_logged(
    resident, other_resident, team_member
):
    project = ProjectFactory()
    top = services.comment_post(project=project, author=resident, body="Avis")
    reply = services.comment_post(
        project=project, author=other_resident, body="Insulte", parent=top
    )
    with pytest.raises(ValidationError):
        moderation_services.item_hide(item=reply, actor=team_member, reason="")
    with pytest.raises(PermissionDenied):
        moderation_services.item_hide(item=reply, actor=resident, reason="Je n'aime pas")

    assert moderation_services.item_hide(item=reply, actor=team_member, reason="Insulte")
    with pytest.raises(InvalidTransition):
        moderation_services.item_hide(item=reply, actor=team_member, reason="Bis")
    assert (fresh(project).comment_count, fresh(top).reply_count) == (1, 0)
    assert (fresh(reply).state, fresh(reply).moderation_reason) == (CommentState.HIDDEN, "Insulte")

    assert moderation_services.item_restore(item=reply, actor=team_member, reason="Méprise")
    assert (fresh(project).comment_count, fresh(top).reply_count) == (2, 1)
    logs = ModerationLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Comment), object_id=reply.pk
    ).order_by("created_at", "pk")
    assert [(r.action, r.from_state, r.to_state, r.reason) for r in logs] == [
        ("hide", "published", "hidden", "Insulte"),
        ("restore", "hidden", "published", "Méprise"),
    ]


def test_an_automatic_hide_needs_no_actor(resident):
    comment = services.comment_post(project=ProjectFactory(), author=resident, body="Spam")
    assert moderation_services.item_hide(
        item=comment, actor=None, reason="3 signalements", automatic=True
    )
    row = ModerationLog.objects.get()
    assert (row.actor, row.automatic) == (None, True)
    assert fresh(comment.project).comment_count == 0


def test_a_deleted_then_hidden_comment_is_not_counted_twice(resident, team_member):
    comment = services.comment_post(project=ProjectFactory(), author=resident, body="Avis")
    services.comment_delete(comment=comment, actor=resident)
    moderation_services.item_hide(item=comment, actor=team_member, reason="Insulte")
    moderation_services.item_restore(item=comment, actor=team_member, reason="Erreur")
    assert fresh(comment.project).comment_count == 0


# --- supports and follows ------------------------------------------------------------------


def test_support_is_one_per_resident_and_removable(resident, other_resident):
    project = ProjectFactory()
    assert services.support_add(project=project, user=resident)
    assert services.support_add(project=project, user=resident) is False
    assert services.support_add(project=project, user=other_resident)
    assert fresh(project).support_count == 2
    assert Support.objects.filter(project=project).count() == 2
    assert services.support_remove(project=project, user=resident)
    assert services.support_remove(project=project, user=resident) is False
    assert fresh(project).support_count == 1


def test_follow_is_one_per_resident_and_removable(resident):
    project = ProjectFactory()
    assert services.follow_add(project=project, user=resident)
    assert services.follow_add(project=project, user=resident) is False
    assert fresh(project).follower_count == 1
    assert services.follow_remove(project=project, user=resident)
    assert services.follow_remove(project=project, user=resident) is False
    assert fresh(project).follower_count == 0


def test_unverified_people_cannot_support_or_follow(unverified_user):
    project = ProjectFactory()
    with pytest.raises(PermissionDenied):
        services.support_add(project=project, user=unverified_user)
    with pytest.raises(PermissionDenied):
        services.follow_add(project=project, user=unverified_user)
    assert fresh(project).support_count == 0


def test_a_counter_never_goes_below_zero(resident):
    project = ProjectFactory()
    Support.objects.create(project=project, user=resident)  # a row the counter missed
    assert services.support_remove(project=project, user=resident)
    assert fresh(project).support_count == 0


# --- updates -------------------------------------------------------------------------------


def test_an_update_cites_the_comments_that_changed_the_project(team_member, resident):
    project = ProjectFactory()
    comment = services.comment_post(project=project, author=resident, body="Des arbres !")
    update = services.project_update_post(
        project=project,
        author=team_member,
        title="Six arbres plantés",
        body="Merci pour vos idées.",
        cited_comments=[comment],
    )
    assert list(update.cited_comments.all()) == [comment]
    assert update.author == team_member


def test_an_update_cannot_cite_another_projects_comment(team_member):
    with pytest.raises(ValidationError):
        services.project_update_post(
            project=ProjectFactory(),
            author=team_member,
            title="x",
            body="y",
            cited_comments=[CommentFactory()],
        )


def test_only_the_team_posts_updates(resident):
    with pytest.raises(PermissionDenied):
        services.project_update_post(project=ProjectFactory(), author=resident, title="x", body="y")


def test_a_double_submit_posts_one_comment_and_one_proposal(resident):
    project = ProjectFactory()
    first = services.comment_post(project=project, author=resident, body="Un banc ?")
    again = services.comment_post(project=project, author=resident, body="Un banc ?")
    assert first == again
    assert fresh(project).comment_count == 1
    assert propose(resident) == propose(resident)
    assert Project.objects.filter(author=resident).count() == 1
    # A minute later, saying the same thing again is a new comment.
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        later = services.comment_post(project=project, author=resident, body="Un banc ?")
    assert later != first
    assert fresh(project).comment_count == 2


def test_removing_a_persons_supports_and_follows_keeps_the_counters(resident, other_resident):
    projects = ProjectFactory.create_batch(2)
    for project in projects:
        for person in (resident, other_resident):
            services.support_add(project=project, user=person)
            services.follow_add(project=project, user=person)
    services.user_supports_and_follows_remove(user=resident)
    for project in projects:
        project = fresh(project)
        assert (project.support_count, project.follower_count) == (1, 1)
    assert not Support.objects.filter(user=resident).exists()
    assert not Follow.objects.filter(user=resident).exists()
