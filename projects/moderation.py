"""How moderation reads and changes the projects app's items (see moderation/registry.py):
comments (flagged by residents; the team's own never hidden by flags) and projects (hidden by
the team). Registered in ProjectsConfig.ready()."""

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation import registry
from moderation.notifications import moderation_kind
from moderation.registry import HIDDEN, PUBLISHED, ModerationAdapter

from .models import Comment, CommentState, Project

COMMENT_HIDDEN = "comment_hidden"
PROJECT_HIDDEN = "project_hidden"


def is_counted(comment: Comment, state: str) -> bool:
    """Counted in project.comment_count and in its parent's reply_count."""
    return state == CommentState.PUBLISHED and not comment.is_deleted


def shift_comment_counters(comment: Comment, delta: int) -> None:
    Project.objects.filter(pk=comment.project_id).update(
        comment_count=Greatest(F("comment_count") + delta, 0)
    )
    if comment.parent_id:
        Comment.objects.filter(pk=comment.parent_id).update(
            reply_count=Greatest(F("reply_count") + delta, 0)
        )


class CommentAdapter(ModerationAdapter):
    model = Comment
    kind = "commentaire"
    label = _("commentaire")
    states = {PUBLISHED: CommentState.PUBLISHED, HIDDEN: CommentState.HIDDEN}
    notification_kinds = {
        HIDDEN: moderation_kind(
            name=COMMENT_HIDDEN,
            label=_("Commentaire masqué"),
            text=_("Votre commentaire sur le projet « {project} » a été masqué. Motif : {reason}."),
            subject=_("Votre commentaire a été masqué"),
        )
    }

    def is_visible(self, item: Comment) -> bool:
        return (
            item.state == CommentState.PUBLISHED
            and not item.is_deleted
            and not item.project.is_hidden
        )

    def is_team_content(self, item: Comment) -> bool:
        return item.by_team

    def flag_queryset(self):
        return Comment.objects.select_related("project", "author")

    def place(self, item: Comment) -> str:
        return item.project.title

    def url(self, item: Comment) -> str:
        return item.get_absolute_url()

    def author_url(self, item: Comment) -> str:
        return item.project.get_absolute_url()

    def notification_params(self, item: Comment) -> dict:
        return {"project": item.project.title}

    def state_changed(self, item: Comment, *, from_state: str, to_state: str) -> None:
        delta = int(is_counted(item, to_state)) - int(is_counted(item, from_state))
        if delta:
            shift_comment_counters(item, delta)


class ProjectAdapter(ModerationAdapter):
    """A project is shown or hidden (`is_hidden`); hiding it closes its rounds too (the
    consultations rules read `project.is_hidden`)."""

    model = Project
    kind = "projet"
    label = _("projet")
    states = {PUBLISHED: "visible", HIDDEN: "hidden"}
    has_flag_count = False
    notification_kinds = {
        HIDDEN: moderation_kind(
            name=PROJECT_HIDDEN,
            label=_("Proposition masquée"),
            text=_("Votre proposition « {project} » a été masquée. Motif : {reason}."),
            subject=_("Votre proposition a été masquée"),
        )
    }

    def state(self, item: Project) -> str:
        return "hidden" if item.is_hidden else "visible"

    def set_state(self, item: Project, *, state: str, reason: str) -> list[str]:
        item.is_hidden = state == "hidden"
        item.hidden_reason = reason if item.is_hidden else ""
        item.updated_at = timezone.now()
        return ["is_hidden", "hidden_reason", "updated_at"]

    def state_label(self, code: str) -> str:
        return str({"visible": _("Visible"), "hidden": _("Masqué")}.get(code, code))

    def is_visible(self, item: Project) -> bool:
        # Projects are not flagged by residents: the team hides them from the admin.
        return False

    def author_id(self, item: Project):
        return item.author_id

    def place(self, item: Project) -> str:
        return item.title

    def author_url(self, item: Project) -> str:
        return ""  # a hidden project has no public page to link to

    def notification_params(self, item: Project) -> dict:
        return {"project": item.title}


def register() -> None:
    registry.register(CommentAdapter())
    registry.register(ProjectAdapter())
