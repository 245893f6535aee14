"""What the consultations app tells residents and the team: events, recipients, wording.

Services call these functions inside their own `transaction.atomic()`; those at the bottom,
run by the beat tasks of `consultations/tasks.py`, announce what happens by the clock (a round
opens, closes within 48 hours, a synthesis scheduled for later goes public), each event once
(`once_key`), however often they run.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import chain

from django.db import transaction
from django.db.models import Count, Min
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from citizens import todo
from citizens.models import MUNICIPAL_TEAM, NotifiedEvent, User
from citizens.notifications import (
    NotificationKind,
    notify,
    register,
)
from projects.models import Follow

from .models import Consultation, Contribution, ContributionState, Synthesis, Vote

CONSULTATION_OPENED = "consultation_opened"
CONSULTATION_CLOSING = "consultation_closing"
CONTRIBUTION_ANSWERED = "contribution_answered"
SYNTHESIS_PUBLISHED = "synthesis_published"

ANSWER_MAX = 1500
# A synthesis published (possibly scheduled) within this window and not yet announced is.
SYNTHESIS_LOOKBACK = timedelta(days=7)


def _closes_at(params: dict) -> dict:
    value = parse_datetime(params.get("closes_at") or "")
    if value is None:
        return {}
    return {"closes_at": formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")}


def _answer(params: dict) -> dict:
    answer = params.get("answer", "")
    return {"answer_block": f"« {answer} »" if answer else ""}


KINDS = [
    NotificationKind(
        name=CONSULTATION_OPENED,
        label=_("Ouverture d'une concertation"),
        text=_("La concertation « {consultation} » est ouverte jusqu'au {closes_at} : {question}"),
        subject=_("Donnez votre avis : « {consultation} »"),
        describe=_closes_at,
    ),
    NotificationKind(
        name=CONSULTATION_CLOSING,
        label=_("Clôture prochaine d'une concertation"),
        text=_(
            "La concertation « {consultation} » se termine le {closes_at}. Il est encore temps "
            "de compléter votre avis."
        ),
        subject=_("Plus que 48 heures : « {consultation} »"),
        describe=_closes_at,
    ),
    NotificationKind(
        name=CONTRIBUTION_ANSWERED,
        label=_("Réponse de l'équipe à une contribution"),
        text=_("L'équipe municipale a répondu à votre contribution à « {consultation} »."),
        subject=_("L'équipe municipale vous a répondu"),
        detail="{answer_block}",
        describe=_answer,
    ),
    NotificationKind(
        name=SYNTHESIS_PUBLISHED,
        label=_("Synthèse publiée"),
        text=_(
            "La synthèse de la concertation « {consultation} » est publiée : découvrez ce qui "
            "a été retenu."
        ),
        subject=_("Ce que la concertation « {consultation} » a changé"),
    ),
]


def register_kinds() -> None:
    for kind in KINDS:
        register(kind)
    todo.register("consultations", todo_items)


# --- Who is concerned ------------------------------------------------------------------------


def _contributors(consultation: Consultation):
    return (
        Contribution.objects.filter(consultation=consultation, author__isnull=False)
        .values_list("author_id", flat=True)
        .distinct()
    )


def _voters(consultation: Consultation):
    return Vote.objects.filter(consultation=consultation, user__isnull=False).values_list(
        "user_id", flat=True
    )


def _followers(consultation: Consultation):
    return Follow.objects.filter(project_id=consultation.project_id).values_list(
        "user_id", flat=True
    )


def _team_members():
    return User.objects.filter(groups__name=MUNICIPAL_TEAM).values_list("pk", flat=True)


def _admin_url(name: str, *args, query: str = "") -> str:
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return ""


def _round_params(consultation: Consultation) -> dict:
    return {
        "consultation": consultation.title,
        "project": consultation.project.title,
        "question": consultation.question,
        "closes_at": consultation.closes_at.isoformat(),
    }


# --- Events ------------------------------------------------------------------------------------


def consultation_opened(*, consultation: Consultation) -> int:
    """A round is open: tell the project's followers and the residents of its neighbourhood.

    Once per round: call it when a round is created already open; the beat task runs
    `consultations_announce_opened`, which announces the others when their opening date comes.
    """
    project = consultation.project
    if project.is_hidden or consultation.opens_at > timezone.now():
        return 0
    neighbours = (
        User.objects.filter(neighbourhood_id=project.neighbourhood_id).values_list("pk", flat=True)
        if project.neighbourhood_id
        else []
    )
    return notify(
        recipients=chain(_followers(consultation), neighbours),
        kind=CONSULTATION_OPENED,
        actor=None,
        target=consultation,
        params=_round_params(consultation),
        once_key=f"{CONSULTATION_OPENED}:{consultation.pk}",
    )


def consultation_closing_soon(*, consultation: Consultation) -> int:
    """The round closes within 48 hours: tell those who contributed or voted, once."""
    if consultation.project.is_hidden:
        return 0
    return notify(
        recipients=chain(_contributors(consultation), _voters(consultation)),
        kind=CONSULTATION_CLOSING,
        actor=None,
        target=consultation,
        params=_round_params(consultation),
        once_key=f"{CONSULTATION_CLOSING}:{consultation.pk}",
    )


def contribution_answered(*, contribution: Contribution) -> int:
    """The team answered a contribution: tell its author."""
    return notify(
        recipients=[contribution.author_id],
        kind=CONTRIBUTION_ANSWERED,
        actor=contribution.answered_by,
        target=contribution,
        params={
            "consultation": contribution.consultation.title,
            "answer": (contribution.answer or "")[:ANSWER_MAX],
        },
    )


def synthesis_published(*, synthesis: Synthesis) -> int:
    """The synthesis is public: tell the round's contributors and voters and the project's
    followers, once. A synthesis scheduled for later is announced by the beat task."""
    if synthesis.published_at is None or synthesis.published_at > timezone.now():
        return 0
    consultation = synthesis.consultation
    if consultation.project.is_hidden:
        return 0
    return notify(
        recipients=chain(
            _contributors(consultation), _voters(consultation), _followers(consultation)
        ),
        kind=SYNTHESIS_PUBLISHED,
        actor=synthesis.author,
        target=consultation,
        params={"consultation": consultation.title, "project": consultation.project.title},
        url=consultation.get_absolute_url(),
        once_key=f"{SYNTHESIS_PUBLISHED}:{synthesis.pk}",
    )


# --- The team's daily moderation summary -------------------------------------------------------


def todo_items() -> list[todo.TodoItem]:
    contributions = Contribution.objects
    pending = contributions.filter(state=ContributionState.PENDING).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    return [
        todo.TodoItem(
            label=_("Contributions en attente de validation"),
            count=pending["count"],
            oldest=pending["oldest"],
            url=_admin_url(
                "admin:consultations_contribution_changelist", query="?state__exact=pending"
            ),
        ),
        todo.TodoItem(
            label=_("Contributions publiées signalées"),
            count=contributions.filter(state=ContributionState.PUBLISHED, flag_count__gt=0).count(),
            url=_admin_url(
                "admin:consultations_contribution_changelist", query="?state__exact=published"
            ),
        ),
    ]


# --- What the clock announces (run by the beat tasks in tasks.py) -----------------------------


def _not_yet_announced(event: str, pks: list[int]) -> list[int]:
    keys = {f"{event}:{pk}" for pk in pks}
    done = set(NotifiedEvent.objects.filter(key__in=keys).values_list("key", flat=True))
    return [pk for pk in pks if f"{event}:{pk}" not in done]


def consultations_announce_opened() -> int:
    """Every few minutes: announce the open rounds not yet announced, and the syntheses that
    went public (possibly on a scheduled date) not yet announced. Each once."""
    now = timezone.now()
    total = 0
    open_ids = list(
        Consultation.objects.open(now).filter(project__is_hidden=False).values_list("pk", flat=True)
    )
    for consultation in Consultation.objects.filter(
        pk__in=_not_yet_announced(CONSULTATION_OPENED, open_ids)
    ).select_related("project"):
        with transaction.atomic():
            total += consultation_opened(consultation=consultation)
    synthesis_ids = list(
        Synthesis.objects.filter(
            published_at__lte=now, published_at__gte=now - SYNTHESIS_LOOKBACK
        ).values_list("pk", flat=True)
    )
    for synthesis in Synthesis.objects.filter(
        pk__in=_not_yet_announced(SYNTHESIS_PUBLISHED, synthesis_ids)
    ).select_related("consultation__project"):
        with transaction.atomic():
            total += synthesis_published(synthesis=synthesis)
    return total


def consultations_announce_closing_soon() -> int:
    """Hourly: rounds closing within 48 hours, to those who took part, once per round."""
    ids = list(Consultation.objects.closing_within(hours=48).values_list("pk", flat=True))
    total = 0
    for consultation in Consultation.objects.filter(
        pk__in=_not_yet_announced(CONSULTATION_CLOSING, ids)
    ).select_related("project"):
        with transaction.atomic():
            total += consultation_closing_soon(consultation=consultation)
    return total
