"""Each event notifies exactly the people it concerns, and never the person who acted."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from citizens.models import NotifiedEvent
from citizens.todo import items as todo_items
from consultations import notifications as consultation_events
from consultations.models import ContributionState
from consultations.tasks import consultations_notify_closing_soon, consultations_notify_opened
from moderation import notifications as moderation_events
from moderation.models import ModerationLog
from moderation.services import flag_submit
from projects import notifications as project_events
from projects.models import Origin, StatusChange
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    ContributionFactory,
    FollowFactory,
    NeighbourhoodFactory,
    OptionFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    ResidentFactory,
    SynthesisFactory,
    TeamMemberFactory,
    UserFactory,
    VoteFactory,
)

from .conftest import kinds_by_recipient, recipients_of

pytestmark = pytest.mark.django_db


def followers(project, count):
    return [FollowFactory(project=project).user for _ in range(count)]


# --- projects ------------------------------------------------------------------------------


def test_new_comment_notifies_the_followers_but_not_its_author(project):
    fans = followers(project, 3)
    author = fans[0]  # a follower who comments is not told of their own comment
    bystander = ResidentFactory()
    comment = CommentFactory(project=project, author=author)

    assert project_events.comment_posted(comment=comment) == 2
    assert kinds_by_recipient() == {
        fans[1].pk: ["project_comment"],
        fans[2].pk: ["project_comment"],
    }
    assert bystander.pk not in recipients_of("project_comment")


def test_reply_notifies_the_parent_comments_author_only(project):
    fans = followers(project, 2)
    parent = CommentFactory(project=project)
    reply = CommentFactory(project=project, parent=parent)

    assert project_events.comment_posted(comment=reply) == 1
    assert kinds_by_recipient() == {parent.author_id: ["comment_reply"]}
    assert not recipients_of("project_comment") & {f.pk for f in fans}


def test_reply_to_ones_own_comment_notifies_nobody(project):
    parent = CommentFactory(project=project)
    reply = CommentFactory(project=project, parent=parent, author=parent.author)
    assert project_events.comment_posted(comment=reply) == 0
    assert kinds_by_recipient() == {}


def test_comment_on_a_hidden_project_notifies_nobody(project):
    followers(project, 2)
    project.is_hidden = True
    project.save()
    assert project_events.comment_posted(comment=CommentFactory(project=project)) == 0


def test_update_notifies_followers_not_the_team_member_who_posted_it(project):
    team = TeamMemberFactory()
    fans = followers(project, 2)
    FollowFactory(project=project, user=team)
    update = ProjectUpdateFactory(project=project, author=team, title="Les travaux commencent")

    assert project_events.update_posted(update=update) == 2
    assert set(kinds_by_recipient()) == {f.pk for f in fans}


def test_status_change_of_a_proposal_tells_the_proposer_and_the_followers(project):
    proposer = ResidentFactory()
    team = TeamMemberFactory()
    project.origin, project.author = Origin.RESIDENT, proposer
    project.save()
    fans = followers(project, 2)
    FollowFactory(project=project, user=proposer)  # the proposer follows: told once
    change = StatusChange.objects.create(
        project=project, from_status="under_study", to_status="declined", answer="Trop coûteux."
    )
    change.author = team

    assert project_events.project_status_changed(project=project, change=change) == 3
    assert kinds_by_recipient() == {
        proposer.pk: ["proposal_status"],
        fans[0].pk: ["project_status"],
        fans[1].pk: ["project_status"],
    }


def test_status_change_of_a_municipal_project_tells_followers_only(project):
    fans = followers(project, 1)
    change = StatusChange(project=project, from_status="under_study", to_status="decided")
    assert project_events.project_status_changed(project=project, change=change) == 1
    assert kinds_by_recipient() == {fans[0].pk: ["project_status"]}


def test_hidden_comment_tells_its_author_with_the_reason(project, team_member):
    comment = CommentFactory(project=project)
    moderation_events.decision_notified(
        item=comment, state="hidden", reason="Propos injurieux", actor=team_member
    )
    assert kinds_by_recipient() == {comment.author_id: ["comment_hidden"]}


def test_hidden_proposal_tells_its_proposer(team_member):
    proposal = ProjectFactory(origin=Origin.RESIDENT, author=ResidentFactory())
    moderation_events.decision_notified(
        item=proposal, state="hidden", reason="Doublon", actor=team_member
    )
    assert kinds_by_recipient() == {proposal.author_id: ["project_hidden"]}


def test_a_moderator_hiding_their_own_comment_is_not_notified(project, team_member):
    comment = CommentFactory(project=project, author=team_member)
    assert (
        moderation_events.decision_notified(
            item=comment, state="hidden", reason="Erreur", actor=team_member
        )
        == 0
    )


# --- consultations -------------------------------------------------------------------------


def test_opened_round_tells_followers_and_neighbourhood_residents_once():
    hood, elsewhere = NeighbourhoodFactory(), NeighbourhoodFactory()
    project = ProjectFactory(neighbourhood=hood)
    neighbours = [ResidentFactory(neighbourhood=hood) for _ in range(2)]
    fan_and_neighbour = ResidentFactory(neighbourhood=hood)
    FollowFactory(project=project, user=fan_and_neighbour)
    fan = FollowFactory(project=project).user
    ResidentFactory(neighbourhood=elsewhere)
    UserFactory(neighbourhood=hood, verified=False)  # cannot sign in: not notified
    consultation = ConsultationFactory(project=project)

    assert consultation_events.consultation_opened(consultation=consultation) == 4
    assert recipients_of("consultation_opened") == {
        *(n.pk for n in neighbours),
        fan_and_neighbour.pk,
        fan.pk,
    }
    # Announced once, however often it is called.
    assert consultation_events.consultation_opened(consultation=consultation) == 0
    assert NotifiedEvent.objects.filter(key=f"consultation_opened:{consultation.pk}").exists()


def test_upcoming_round_is_not_announced_before_it_opens(project):
    followers(project, 1)
    soon = ConsultationFactory(
        project=project,
        opens_at=timezone.now() + timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=9),
    )
    assert consultation_events.consultation_opened(consultation=soon) == 0
    assert not NotifiedEvent.objects.exists()


def test_beat_task_announces_rounds_that_opened_since_its_last_run(project, time_machine):
    fan = followers(project, 1)[0]
    now = timezone.now()
    later = ConsultationFactory(
        project=project, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=7)
    )
    assert consultations_notify_opened() == 0

    time_machine.move_to(now + timedelta(hours=2))
    assert consultations_notify_opened() == 1
    assert consultations_notify_opened() == 0
    assert kinds_by_recipient(object_id=later.pk) == {fan.pk: ["consultation_opened"]}


def test_round_closing_soon_tells_contributors_and_voters_once(project):
    consultation = ConsultationFactory(
        project=project, closes_at=timezone.now() + timedelta(hours=30)
    )
    contributor = ContributionFactory(consultation=consultation).author
    ContributionFactory(consultation=consultation, author=contributor)  # twice: told once
    voter = VoteFactory(option=OptionFactory(consultation=consultation)).user
    followers(project, 1)  # followers who did not take part are not told
    other_round = ConsultationFactory(project=project)  # closes in a week
    ContributionFactory(consultation=other_round)

    assert consultations_notify_closing_soon() == 2
    assert recipients_of("consultation_closing") == {contributor.pk, voter.pk}
    assert consultations_notify_closing_soon() == 0


def test_answer_tells_the_contributor_not_the_team_member(team_member):
    contribution = ContributionFactory(answer="Merci, c'est noté.", answered_by=team_member)
    assert consultation_events.contribution_answered(contribution=contribution) == 1
    assert kinds_by_recipient() == {contribution.author_id: ["contribution_answered"]}


def test_synthesis_tells_contributors_voters_and_followers_once(project, team_member):
    consultation = ConsultationFactory(project=project)
    contributor = ContributionFactory(consultation=consultation).author
    voter = VoteFactory(option=OptionFactory(consultation=consultation)).user
    fan = followers(project, 1)[0]
    FollowFactory(project=project, user=team_member)
    ResidentFactory()
    synthesis = SynthesisFactory(consultation=consultation, author=team_member)

    assert consultation_events.synthesis_published(synthesis=synthesis) == 3
    assert recipients_of("synthesis_published") == {contributor.pk, voter.pk, fan.pk}
    assert consultation_events.synthesis_published(synthesis=synthesis) == 0


def test_scheduled_synthesis_is_announced_by_the_beat_task_when_it_goes_public(
    project, time_machine
):
    consultation = ConsultationFactory(project=project)
    contributor = ContributionFactory(consultation=consultation).author
    now = timezone.now()
    synthesis = SynthesisFactory(consultation=consultation, published_at=now + timedelta(days=1))
    assert consultation_events.synthesis_published(synthesis=synthesis) == 0

    time_machine.move_to(now + timedelta(days=1, minutes=5))
    consultations_notify_opened()
    assert recipients_of("synthesis_published") == {contributor.pk}


def test_hidden_and_rejected_contributions_tell_their_author(team_member):
    hidden = ContributionFactory()
    rejected = ContributionFactory(state=ContributionState.REJECTED)
    moderation_events.decision_notified(
        item=hidden, state="hidden", reason="Hors sujet", actor=team_member
    )
    moderation_events.decision_notified(
        item=rejected, state="rejected", reason="Insultes", actor=team_member
    )
    assert kinds_by_recipient() == {
        hidden.author_id: ["contribution_hidden"],
        rejected.author_id: ["contribution_rejected"],
    }


def test_auto_hidden_item_tells_its_author_and_the_team(team_member):
    other_member = TeamMemberFactory()
    contribution = ContributionFactory()
    for _ in range(3):
        flag_submit(reporter=ResidentFactory(), reason="spam", item=contribution)
    assert kinds_by_recipient() == {
        contribution.author_id: ["contribution_hidden"],
        team_member.pk: ["team_item_auto_hidden"],
        other_member.pk: ["team_item_auto_hidden"],
    }


def test_moderation_counts_come_from_each_apps_schema(project):
    ContributionFactory(state=ContributionState.PENDING)
    ContributionFactory(state=ContributionState.PENDING)
    ContributionFactory(flag_count=1)
    ContributionFactory(state=ContributionState.HIDDEN, flag_count=3)
    CommentFactory(project=project, flag_count=2)
    CommentFactory(project=project)
    comment = CommentFactory(project=project)
    ModerationLog.objects.create(
        action="hide",
        automatic=True,
        content_type=ContentType.objects.get_for_model(comment),
        object_id=comment.pk,
        object_repr="x",
    )
    counts = [c.count for c in todo_items()]
    assert counts == [2, 1, 1, 1]


def test_the_reason_reads_as_one_sentence(project, team_member):
    from citizens.notifications.registry import render

    comment = CommentFactory(project=project)
    moderation_events.decision_notified(
        item=comment, state="hidden", reason="Propos injurieux.", actor=team_member
    )
    notification = comment.author.notifications.get()
    text = render(kind_name=notification.kind, params=notification.params, actor_name="x").text
    assert text == (
        "Votre commentaire sur le projet « Place de la République » a été masqué. "
        "Motif : Propos injurieux."
    )
