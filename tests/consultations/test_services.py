"""The consultations services, and moderation's on contributions and comments: each state
change, its counters and its moderation log row."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from consultations.models import (
    Consultation,
    Contribution,
    ContributionState,
    Option,
    Outcome,
    Synthesis,
    Vote,
)
from consultations.services import (
    contribution_answer,
    contribution_set_outcome,
    contribution_submit,
    synthesis_publish,
    synthesis_save,
    vote_cast,
)
from moderation import rules as moderation_rules
from moderation import services as moderation_services
from moderation.models import Flag, FlagReason, ModerationLog
from moderation.services import AlreadyFlagged, InvalidTransition, flag_submit
from projects.models import Comment, CommentState
from tests.consultations.conftest import close_round
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    ContributionFactory,
    FlagFactory,
    OptionFactory,
    ResidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def counts(consultation) -> tuple[int, int]:
    consultation.refresh_from_db()
    return consultation.contribution_count, consultation.vote_count


# --- contribution_submit -------------------------------------------------------------------


def test_contribution_is_published_at_once_when_moderated_after(open_round, resident, options):
    contribution = contribution_submit(
        consultation=open_round, author=resident, body="  Plus d'ombre.  ", option=options[0]
    )
    assert contribution.state == ContributionState.PUBLISHED
    assert contribution.published_at is not None
    assert contribution.body == "Plus d'ombre."
    assert contribution.option == options[0]
    assert counts(open_round) == (1, 0)


def test_contribution_waits_for_the_team_when_moderated_before(moderated_round, resident):
    contribution = contribution_submit(consultation=moderated_round, author=resident, body="Oui")
    assert contribution.state == ContributionState.PENDING
    assert contribution.published_at is None
    assert counts(moderated_round) == (0, 0)


def test_the_same_text_sent_twice_is_one_contribution(open_round, resident):
    first = contribution_submit(consultation=open_round, author=resident, body="Des bancs.")
    second = contribution_submit(consultation=open_round, author=resident, body="Des bancs.")
    assert first.pk == second.pk
    assert counts(open_round) == (1, 0)


@pytest.mark.parametrize("round_fixture", ["upcoming_round", "closed_round"])
def test_contributions_are_refused_outside_the_open_period(request, round_fixture, resident):
    consultation = request.getfixturevalue(round_fixture)
    with pytest.raises(PermissionDenied):
        contribution_submit(consultation=consultation, author=resident, body="Trop tôt ou tard")
    assert not Contribution.objects.exists()


def test_unverified_people_cannot_contribute(open_round, unverified_user):
    with pytest.raises(PermissionDenied):
        contribution_submit(consultation=open_round, author=unverified_user, body="Bonjour")


def test_an_option_of_another_round_is_refused(open_round, resident):
    foreign = OptionFactory()
    with pytest.raises(ValidationError):
        contribution_submit(consultation=open_round, author=resident, body="x", option=foreign)


# --- vote_cast -----------------------------------------------------------------------------


def test_first_vote_counts_once(open_round, resident, options):
    vote = vote_cast(consultation=open_round, voter=resident, option=options[1])
    assert vote.option == options[1]
    assert counts(open_round) == (0, 1)
    assert [o.vote_count for o in Option.objects.filter(consultation=open_round)] == [0, 1, 0]


def test_changing_a_vote_moves_it_between_options(open_round, resident, other_resident, options):
    vote_cast(consultation=open_round, voter=resident, option=options[0])
    vote_cast(consultation=open_round, voter=other_resident, option=options[0])
    vote_cast(consultation=open_round, voter=resident, option=options[2])
    vote_cast(consultation=open_round, voter=resident, option=options[2])  # same again
    assert Vote.objects.filter(consultation=open_round).count() == 2
    assert counts(open_round) == (0, 2)
    assert [o.vote_count for o in Option.objects.filter(consultation=open_round)] == [1, 0, 1]


def test_votes_are_refused_after_closing(open_round, resident, options):
    vote_cast(consultation=open_round, voter=resident, option=options[0])
    close_round(open_round)
    with pytest.raises(PermissionDenied):
        vote_cast(consultation=open_round, voter=resident, option=options[1])
    assert Vote.objects.get(user=resident).option == options[0]


def test_a_vote_for_another_rounds_option_is_refused(open_round, resident, options):
    with pytest.raises(ValidationError):
        vote_cast(consultation=open_round, voter=resident, option=OptionFactory())
    assert not Vote.objects.exists()


# --- flag_submit ---------------------------------------------------------------------------


def published(consultation, **kwargs) -> Contribution:
    contribution = contribution_submit(
        consultation=consultation,
        author=kwargs.pop("author", None) or ResidentFactory(),
        body=kwargs.pop("body", "Une contribution à signaler"),
    )
    assert contribution.state == ContributionState.PUBLISHED
    return contribution


def test_a_flag_is_recorded_and_counted(open_round, resident):
    contribution = published(open_round)
    flag = flag_submit(
        reporter=resident, reason=FlagReason.SPAM, details=" pub ", item=contribution
    )
    assert (flag.reason, flag.details, flag.item) == ("spam", "pub", contribution)
    contribution.refresh_from_db()
    assert contribution.flag_count == 1
    assert contribution.state == ContributionState.PUBLISHED


def test_one_flag_per_resident_per_item(open_round, resident):
    contribution = published(open_round)
    flag_submit(reporter=resident, reason=FlagReason.SPAM, item=contribution)
    with pytest.raises(PermissionDenied):
        flag_submit(reporter=resident, reason=FlagReason.INSULT, item=contribution)
    assert Flag.objects.count() == 1


def test_the_author_cannot_flag_their_own_contribution(open_round, resident):
    contribution = published(open_round, author=resident)
    with pytest.raises(PermissionDenied):
        flag_submit(reporter=resident, reason=FlagReason.SPAM, item=contribution)


def test_an_unknown_reason_is_refused(open_round, resident):
    with pytest.raises(ValidationError):
        flag_submit(reporter=resident, reason="boring", item=published(open_round))


def test_the_database_refuses_a_second_flag_even_past_the_permission_check(
    open_round, resident, monkeypatch
):
    contribution = published(open_round)
    FlagFactory(reporter=resident, item=contribution, reason=FlagReason.SPAM)
    # As if a concurrent request had passed the permission check before this flag existed.
    monkeypatch.setattr(moderation_rules.has_flagged, "fn", lambda user, item: False)
    with pytest.raises(AlreadyFlagged):
        flag_submit(reporter=resident, reason=FlagReason.OTHER, item=contribution)
    assert Flag.objects.count() == 1


def test_three_distinct_residents_hide_a_contribution_once(open_round):
    contribution = published(open_round)
    for _ in range(3):
        flag_submit(reporter=ResidentFactory(), reason=FlagReason.INSULT, item=contribution)
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.HIDDEN
    assert contribution.flag_count == 3
    assert "3 signalements" in contribution.moderation_reason
    assert counts(open_round) == (0, 0)
    [log] = ModerationLog.objects.all()
    assert (log.action, log.automatic, log.actor, log.from_state, log.to_state) == (
        "auto_hide",
        True,
        None,
        "published",
        "hidden",
    )
    assert log.content_type == ContentType.objects.get_for_model(Contribution)
    assert log.object_id == contribution.pk


def test_after_the_team_restores_more_flags_do_not_hide_again(open_round, team_member):
    contribution = published(open_round)
    for _ in range(3):
        flag_submit(reporter=ResidentFactory(), reason=FlagReason.SPAM, item=contribution)
    moderation_services.item_restore(item=contribution, actor=team_member, reason="Rien d'abusif")
    flag_submit(reporter=ResidentFactory(), reason=FlagReason.SPAM, item=contribution)
    contribution.refresh_from_db()
    assert (contribution.state, contribution.flag_count) == (ContributionState.PUBLISHED, 4)
    assert ModerationLog.objects.filter(automatic=True).count() == 1
    assert counts(open_round) == (1, 0)


def test_three_flags_hide_a_project_comment(db):
    comment = CommentFactory()
    for _ in range(3):
        flag_submit(reporter=ResidentFactory(), reason=FlagReason.OFF_TOPIC, item=comment)
    comment.refresh_from_db()
    assert (comment.state, comment.flag_count) == (CommentState.HIDDEN, 3)
    assert comment.moderation_reason
    [log] = ModerationLog.objects.all()
    assert log.automatic and log.content_type == ContentType.objects.get_for_model(Comment)


def test_a_hidden_or_deleted_comment_cannot_be_flagged(resident):
    for comment in (CommentFactory(state=CommentState.HIDDEN), CommentFactory(is_deleted=True)):
        with pytest.raises(PermissionDenied):
            flag_submit(reporter=resident, reason=FlagReason.SPAM, item=comment)


def test_only_moderated_models_can_be_flagged(resident):
    with pytest.raises(LookupError):
        flag_submit(reporter=resident, reason=FlagReason.SPAM, item=UserFactory())


# --- moderation decisions ------------------------------------------------------------------


def test_publishing_a_pending_contribution_counts_it_and_logs_who(moderated_round, team_member):
    contribution = contribution_submit(
        consultation=moderated_round, author=ResidentFactory(), body="À valider"
    )
    result = moderation_services.item_publish(item=contribution, actor=team_member)
    assert result.state == ContributionState.PUBLISHED
    assert result.published_at and result.moderated_at
    assert counts(moderated_round) == (1, 0)
    [log] = ModerationLog.objects.all()
    assert (log.actor, log.action, log.from_state, log.to_state, log.automatic) == (
        team_member,
        "publish",
        "pending",
        "published",
        False,
    )


def test_rejecting_requires_a_reason_shown_to_the_author(moderated_round, team_member):
    contribution = contribution_submit(
        consultation=moderated_round, author=ResidentFactory(), body="Hors sujet"
    )
    with pytest.raises(ValidationError):
        moderation_services.item_reject(item=contribution, actor=team_member, reason="   ")
    assert not ModerationLog.objects.exists()
    result = moderation_services.item_reject(
        item=contribution, actor=team_member, reason="Sans rapport avec la place."
    )
    assert (result.state, result.moderation_reason) == ("rejected", "Sans rapport avec la place.")
    assert ModerationLog.objects.get().reason == "Sans rapport avec la place."
    assert counts(moderated_round) == (0, 0)


def test_hiding_and_restoring_keep_the_counter_right(open_round, team_member):
    contribution = published(open_round)
    with pytest.raises(ValidationError):
        moderation_services.item_hide(item=contribution, actor=team_member, reason="")
    moderation_services.item_hide(item=contribution, actor=team_member, reason="Propos injurieux")
    assert counts(open_round) == (0, 0)
    with pytest.raises(ValidationError):
        moderation_services.item_restore(item=contribution, actor=team_member, reason=" ")
    restored = moderation_services.item_restore(
        item=contribution, actor=team_member, reason="Signalement infondé"
    )
    assert (restored.state, restored.moderation_reason) == ("published", "")
    assert counts(open_round) == (1, 0)
    assert list(ModerationLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "hide",
        "restore",
    ]


@pytest.mark.parametrize(
    "decide",
    [
        lambda c, actor: moderation_services.item_reject(item=c, actor=actor, reason="x"),
        lambda c, actor: moderation_services.item_restore(item=c, actor=actor, reason="x"),
        lambda c, actor: moderation_services.item_publish(item=c, actor=actor),
    ],
)
def test_a_decision_that_does_not_fit_the_state_is_refused(open_round, team_member, decide):
    contribution = published(open_round)
    with pytest.raises(InvalidTransition):
        decide(contribution, team_member)
    assert not ModerationLog.objects.exists()
    assert counts(open_round) == (1, 0)


def test_only_the_team_moderates(open_round, resident, mayors_office):
    contribution = published(open_round)
    for person in (resident, mayors_office):
        with pytest.raises(PermissionDenied):
            moderation_services.item_hide(item=contribution, actor=person, reason="non")
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.PUBLISHED


def test_superusers_moderate_too(open_round, superuser):
    contribution = moderation_services.item_hide(
        item=published(open_round), actor=superuser, reason="Doublon"
    )
    assert contribution.state == ContributionState.HIDDEN


def test_comment_hide_and_restore_write_the_comment_and_the_log(team_member):
    comment = CommentFactory()
    with pytest.raises(ValidationError):
        moderation_services.item_hide(item=comment, actor=team_member, reason="")
    hidden = moderation_services.item_hide(
        item=comment, actor=team_member, reason="Données personnelles"
    )
    assert (hidden.state, hidden.moderation_reason) == ("hidden", "Données personnelles")
    restored = moderation_services.item_restore(item=comment, actor=team_member, reason="Erreur")
    assert (restored.state, restored.moderation_reason) == ("published", "")
    logs = ModerationLog.objects.order_by("pk")
    assert [log.action for log in logs] == ["hide", "restore"]
    assert {log.content_type.model for log in logs} == {"comment"}


# --- answers, outcomes, synthesis ----------------------------------------------------------


def test_the_team_answers_publicly_and_the_first_answer_time_is_kept(open_round, team_member):
    contribution = published(open_round)
    with pytest.raises(ValidationError):
        contribution_answer(contribution=contribution, actor=team_member, answer=" ")
    first = contribution_answer(contribution=contribution, actor=team_member, answer="Merci !")
    answered_at = first.answered_at
    again = contribution_answer(contribution=contribution, actor=team_member, answer="Merci.")
    assert (again.answer, again.answered_by, again.answered_at) == (
        "Merci.",
        team_member,
        answered_at,
    )


def test_outcomes_wait_for_the_closing(open_round, team_member):
    contribution = published(open_round)
    with pytest.raises(ValidationError):
        contribution_set_outcome(
            contribution=contribution, actor=team_member, outcome=Outcome.YES, reason="Retenu"
        )
    close_round(open_round)
    with pytest.raises(ValidationError):
        contribution_set_outcome(
            contribution=contribution, actor=team_member, outcome=Outcome.YES, reason=""
        )
    result = contribution_set_outcome(
        contribution=contribution, actor=team_member, outcome=Outcome.PARTLY, reason="En partie"
    )
    assert (result.outcome, result.outcome_reason) == ("partly", "En partie")


def test_synthesis_is_published_after_closing_with_outcomes(open_round, team_member):
    kept, dropped = published(open_round, body="A"), published(open_round, body="B")
    with pytest.raises(ValidationError):
        synthesis_publish(consultation=open_round, author=team_member, body="Trop tôt")
    close_round(open_round)
    draft = synthesis_save(consultation=open_round, author=team_member, body="Brouillon")
    assert draft.published_at is None
    synthesis = synthesis_publish(
        consultation=open_round,
        author=team_member,
        body="Nous avons entendu **vos avis**.",
        outcomes={kept.pk: (Outcome.YES, "Ajouté au plan"), dropped.pk: (Outcome.NO, "Trop cher")},
    )
    assert synthesis.published_at is not None
    assert Synthesis.objects.get().body == "Nous avons entendu **vos avis**."
    assert Consultation.objects.with_published_synthesis().get() == open_round
    assert open_round.state_at() == "synthesis"
    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert (kept.outcome, kept.outcome_reason) == ("yes", "Ajouté au plan")
    assert (dropped.outcome, dropped.outcome_reason) == ("no", "Trop cher")
    # Publishing again corrects the text and keeps the first date.
    again = synthesis_publish(consultation=open_round, author=team_member, body="Corrigé")
    assert (again.body, again.published_at) == ("Corrigé", synthesis.published_at)


def test_synthesis_outcomes_only_for_this_rounds_published_contributions(closed_round, team_member):
    other = ContributionFactory(consultation=ConsultationFactory())
    with pytest.raises(ValidationError):
        synthesis_publish(
            consultation=closed_round,
            author=team_member,
            body="Synthèse",
            outcomes={other.pk: (Outcome.YES, "oui")},
        )
    pending = ContributionFactory(consultation=closed_round, state=ContributionState.PENDING)
    with pytest.raises(ValidationError):
        synthesis_publish(
            consultation=closed_round,
            author=team_member,
            body="Synthèse",
            outcomes={pending.pk: (Outcome.YES, "oui")},
        )
    assert not Synthesis.objects.exists()


def test_only_the_team_publishes_a_synthesis(closed_round):
    with pytest.raises(PermissionDenied):
        synthesis_publish(consultation=closed_round, author=UserFactory(), body="Non")


def test_the_automatic_reason_is_stored_in_french_whatever_the_request_language(open_round):
    from django.utils import translation

    contribution = published(open_round)
    with translation.override("en"):
        for _ in range(3):
            flag_submit(reporter=ResidentFactory(), reason="spam", item=contribution)
    contribution.refresh_from_db()
    assert contribution.moderation_reason.startswith("Masqué automatiquement après 3")
