"""What the projects app tells residents: the events, their recipients and their wording.

Services call these functions inside their own `transaction.atomic()`, right after the write;
the notifications and their email rows are then written with the event, or not at all.
Recipients are computed with a query or two, never a loop over residents; the actor is never
notified of their own action (`citizens.notifications.notify` drops them).
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from citizens import todo
from citizens.notifications import (
    NotificationKind,
    notify,
    register,
)

from .models import (
    Comment,
    CommentState,
    Follow,
    Origin,
    Project,
    ProjectUpdate,
    Status,
    StatusChange,
)

COMMENT_REPLY = "comment_reply"
PROJECT_COMMENT = "project_comment"
PROJECT_UPDATE = "project_update"
PROJECT_STATUS = "project_status"
PROPOSAL_STATUS = "proposal_status"

# The official answer is the team's text, quoted in full up to this length.
ANSWER_MAX = 1500


def _by_team(params: dict) -> dict:
    return {"actor": gettext("L'équipe municipale")} if params.get("by_team") else {}


def _status(params: dict) -> dict:
    values = {}
    for key in ("from_status", "to_status"):
        code = params.get(key, "")
        values[key] = str(Status(code).label) if code in Status.values else code
    answer = params.get("answer", "")
    values["answer_block"] = (
        gettext("Réponse de la mairie : %(answer)s") % {"answer": answer} if answer else ""
    )
    return values


KINDS = [
    NotificationKind(
        name=COMMENT_REPLY,
        label=_("Réponse à un commentaire"),
        text=_("{actor} a répondu à votre commentaire sur le projet « {project} »."),
        subject=_("Nouvelle réponse à votre commentaire"),
        describe=_by_team,
    ),
    NotificationKind(
        name=PROJECT_COMMENT,
        label=_("Commentaire sur un projet suivi"),
        text=_("{actor} a commenté le projet « {project} »."),
        subject=_("Nouveau commentaire sur « {project} »"),
        describe=_by_team,
    ),
    NotificationKind(
        name=PROJECT_UPDATE,
        label=_("Actualité d'un projet suivi"),
        text=_("Nouvelle actualité du projet « {project} » : {title}"),
        subject=_("Du nouveau sur « {project} »"),
    ),
    NotificationKind(
        name=PROJECT_STATUS,
        label=_("Changement d'état d'un projet suivi"),
        text=_("Le projet « {project} » passe de « {from_status} » à « {to_status} »."),
        subject=_("« {project} » : {to_status}"),
        detail="{answer_block}",
        describe=_status,
    ),
    NotificationKind(
        name=PROPOSAL_STATUS,
        label=_("Changement d'état de ma proposition"),
        text=_("Votre proposition « {project} » passe de « {from_status} » à « {to_status} »."),
        subject=_("Votre proposition « {project} » : {to_status}"),
        detail="{answer_block}",
        describe=_status,
    ),
]


def register_kinds() -> None:
    for kind in KINDS:
        register(kind)
    todo.register("projects", todo_items)


def todo_items() -> list[todo.TodoItem]:
    try:
        url = reverse("admin:projects_comment_changelist")
    except NoReverseMatch:
        url = ""
    count = Comment.objects.filter(
        state=CommentState.PUBLISHED, flag_count__gt=0, is_deleted=False
    ).count()
    return [todo.TodoItem(label=_("Commentaires publiés signalés"), count=count, url=url)]


def _followers(project: Project):
    return Follow.objects.filter(project=project).values_list("user_id", flat=True)


def comment_posted(*, comment: Comment) -> int:
    """A reply tells the parent comment's author; a new comment tells the project's followers."""
    project = comment.project
    if project.is_hidden or comment.is_deleted or comment.state != CommentState.PUBLISHED:
        return 0
    params = {"project": project.title, "by_team": comment.by_team}
    if comment.parent_id is not None:
        return notify(
            recipients=[comment.parent.author_id],
            kind=COMMENT_REPLY,
            actor=comment.author,
            target=comment,
            params=params,
        )
    return notify(
        recipients=_followers(project),
        kind=PROJECT_COMMENT,
        actor=comment.author,
        target=comment,
        params=params,
    )


def update_posted(*, update: ProjectUpdate) -> int:
    """A project update tells the project's followers."""
    project = update.project
    if project.is_hidden:
        return 0
    return notify(
        recipients=_followers(project),
        kind=PROJECT_UPDATE,
        actor=update.author,
        target=update,
        params={"project": project.title, "title": update.title},
    )


def project_status_changed(*, project: Project, change: StatusChange) -> int:
    """A step of the lifecycle tells the proposer (resident proposals) and the followers."""
    params = {
        "project": project.title,
        "from_status": change.from_status,
        "to_status": change.to_status,
        "answer": (change.answer or "")[:ANSWER_MAX],
    }
    proposer_id = project.author_id if project.origin == Origin.RESIDENT else None
    count = 0
    if proposer_id is not None:
        count += notify(
            recipients=[proposer_id],
            kind=PROPOSAL_STATUS,
            actor=change.author,
            target=project,
            params=params,
        )
    if not project.is_hidden:
        followers = _followers(project)
        if proposer_id is not None:
            followers = followers.exclude(user_id=proposer_id)
        count += notify(
            recipients=followers,
            kind=PROJECT_STATUS,
            actor=change.author,
            target=project,
            params=params,
        )
    return count
