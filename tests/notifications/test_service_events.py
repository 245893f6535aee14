"""The services raise the events: each action notifies exactly the right people, never the
actor, inside the action's own transaction."""

from datetime import timedelta

import pytest
from django.utils import timezone

from citizens.models import Notification
from consultations import services as consultation_services
from moderation import services as moderation_services
from moderation.models import FlagReason
from projects import services as project_services
from projects.models import Origin, Status
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    ContributionFactory,
    FollowFactory,
    OptionFactory,
    ProjectFactory,
    ResidentFactory,
    VoteFactory,
)

pytestmark = pytest.mark.django_db


def notified(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def test_comment_post_notifies_followers_but_not_the_author():
    project = ProjectFactory()
    follower, author = ResidentFactory(), ResidentFactory()
    FollowFactory(project=project, user=follower)
    FollowFactory(project=project, user=author)
    project_services.comment_post(project=project, author=author, body="Et les vélos ?")
    assert notified("project_comment") == {follower.email}


def test_a_reply_notifies_the_parent_comments_author():
    parent = CommentFactory()
    replier = ResidentFactory()
    project_services.comment_post(
        project=parent.project, author=replier, body="Bonne idée", parent=parent
    )
    assert notified("comment_reply") == {parent.author.email}


def test_status_change_notifies_the_proposer_and_not_the_team_member(team_member):
    proposer = ResidentFactory()
    project = ProjectFactory(author=proposer, origin=Origin.RESIDENT, status=Status.PROPOSED)
    project_services.project_change_status(
        project=project, actor=team_member, to_status=Status.UNDER_STUDY, answer="On regarde."
    )
    assert notified("proposal_status") == {proposer.email}
    assert team_member.email not in notified("project_status")


def test_update_post_notifies_followers(team_member):
    project = ProjectFactory()
    follower = ResidentFactory()
    FollowFactory(project=project, user=follower)
    project_services.project_update_post(
        project=project, author=team_member, title="Travaux", body="Ils commencent lundi."
    )
    assert notified("project_update") == {follower.email}


def test_team_answer_notifies_the_contributions_author(team_member):
    contribution = ContributionFactory()
    consultation_services.contribution_answer(
        contribution=contribution, actor=team_member, answer="Merci, c'est noté."
    )
    assert notified("contribution_answered") == {contribution.author.email}


def test_rejection_and_hiding_tell_the_author_the_reason(team_member):
    pending = ContributionFactory(state="pending", published_at=None)
    moderation_services.item_reject(item=pending, actor=team_member, reason="Hors sujet.")
    assert notified("contribution_rejected") == {pending.author.email}
    comment = CommentFactory()
    moderation_services.item_hide(item=comment, actor=team_member, reason="Insulte.")
    assert notified("comment_hidden") == {comment.author.email}


def test_three_flags_hide_the_item_and_tell_its_author_and_the_team(team_member):
    contribution = ContributionFactory()
    for _ in range(3):
        moderation_services.flag_submit(
            reporter=ResidentFactory(), reason=FlagReason.SPAM, item=contribution
        )
    assert notified("contribution_hidden") == {contribution.author.email}
    assert notified("team_item_auto_hidden") == {team_member.email}


def test_synthesis_publication_notifies_contributors_and_voters_once(team_member):
    consultation = ConsultationFactory(
        opens_at=timezone.now() - timedelta(days=10), closes_at=timezone.now() - timedelta(days=1)
    )
    contribution = ContributionFactory(consultation=consultation)
    vote = VoteFactory(option=OptionFactory(consultation=consultation))
    for _ in range(2):  # publishing again corrects the text without notifying again
        consultation_services.synthesis_publish(
            consultation=consultation, author=team_member, body="Voici ce que nous retenons."
        )
    assert notified("synthesis_published") == {contribution.author.email, vote.user.email}
    assert Notification.objects.filter(kind="synthesis_published").count() == 2


def test_a_residents_data_download_holds_their_notifications_and_deletion_removes_them():
    from citizens.exports import build_export
    from citizens.services import user_delete_account

    follower = ResidentFactory()
    project = ProjectFactory()
    FollowFactory(project=project, user=follower)
    project_services.comment_post(project=project, author=ResidentFactory(), body="Un banc ?")
    data = build_export(follower, progress=lambda value: None)
    section = data["notifications"]
    assert [n["type"] for n in section["notifications"]] == ["project_comment"]
    user_delete_account(user=follower, erase_content=False)
    assert not Notification.objects.filter(kind="project_comment").exists()
