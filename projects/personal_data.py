"""The projects app's part of a person's data (registered in ProjectsConfig.ready):
proposals, comments, supports and follows. See citizens/personal_data.py."""

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citizens import personal_data as registry
from citizens.personal_data import ActivityItem, ActivityStream, absolute_url, iso, url_of

from .models import Comment, CommentState, Follow, Project, Support

EXCERPT_CHARS = 160
STATE_TONES = {CommentState.PUBLISHED: "success", CommentState.HIDDEN: "danger"}


def _excerpt(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(EXCERPT_CHARS)


def _proposal_item(project: Project) -> ActivityItem:
    if project.is_hidden:
        state, label, tone = "hidden", _("Masquée"), "danger"
    else:
        state, label, tone = project.status, project.get_status_display(), "info"
    return ActivityItem(
        kind="propositions",
        type_label=_("Proposition de projet"),
        title=project.title,
        excerpt=_excerpt(project.summary),
        url=url_of(project),
        date=project.created_at,
        state=state,
        state_label=label,
        state_tone=tone,
        reason=project.hidden_reason if project.is_hidden else "",
    )


def _comment_item(comment: Comment) -> ActivityItem:
    if comment.is_deleted:
        state, label, tone = "deleted", _("Supprimé"), "secondary"
    else:
        state, label = comment.state, comment.get_state_display()
        tone = STATE_TONES.get(comment.state, "secondary")
    return ActivityItem(
        kind="commentaires",
        type_label=_("Réponse") if comment.parent_id else _("Commentaire"),
        title=comment.project.title,
        excerpt="" if comment.is_deleted else _excerpt(comment.body),
        url=url_of(comment),
        date=comment.created_at,
        state=state,
        state_label=label,
        state_tone=tone,
        reason=comment.moderation_reason if comment.state == CommentState.HIDDEN else "",
    )


def _support_item(support: Support) -> ActivityItem:
    return ActivityItem(
        kind="soutiens",
        type_label=_("Soutien"),
        title=support.project.title,
        url=url_of(support.project),
        date=support.created_at,
    )


def _follow_item(follow: Follow) -> ActivityItem:
    return ActivityItem(
        kind="abonnements",
        type_label=_("Abonnement"),
        title=follow.project.title,
        url=url_of(follow.project),
        date=follow.created_at,
    )


def activity(user) -> list[ActivityStream]:
    return [
        ActivityStream(
            key="propositions",
            label=_("Mes propositions de projet"),
            queryset=Project.objects.filter(author=user).order_by("-created_at", "-pk"),
            to_item=_proposal_item,
            empty_text=_("Vous n'avez pas encore proposé de projet."),
        ),
        ActivityStream(
            key="commentaires",
            label=_("Mes commentaires"),
            queryset=Comment.objects.filter(author=user)
            .select_related("project")
            .order_by("-created_at", "-pk"),
            to_item=_comment_item,
            empty_text=_("Vous n'avez pas encore commenté de projet."),
        ),
        ActivityStream(
            key="soutiens",
            label=_("Les projets que je soutiens"),
            queryset=Support.objects.filter(user=user)
            .select_related("project")
            .order_by("-created_at", "-pk"),
            to_item=_support_item,
            empty_text=_("Vous ne soutenez encore aucun projet."),
        ),
        ActivityStream(
            key="abonnements",
            label=_("Les projets que je suis"),
            queryset=Follow.objects.filter(user=user)
            .select_related("project")
            .order_by("-created_at", "-pk"),
            to_item=_follow_item,
            empty_text=_("Vous ne suivez encore aucun projet."),
        ),
    ]


def export(user) -> dict:
    proposals = Project.objects.filter(author=user).select_related("neighbourhood")
    comments = Comment.objects.filter(author=user).select_related("project")
    supports = Support.objects.filter(user=user).select_related("project")
    follows = Follow.objects.filter(user=user).select_related("project")
    return {
        "propositions_de_projet": [
            {
                "titre": p.title,
                "résumé": p.summary,
                "description": p.body,
                "thème": p.get_category_display(),
                "quartier": p.neighbourhood.name if p.neighbourhood_id else None,
                "latitude": str(p.latitude) if p.latitude is not None else None,
                "longitude": str(p.longitude) if p.longitude is not None else None,
                "état": p.get_status_display(),
                "masquée": p.is_hidden,
                "motif_du_masquage": p.hidden_reason,
                "proposée_le": iso(p.created_at),
                "adresse": absolute_url(url_of(p)),
            }
            for p in proposals.order_by("created_at", "pk")
        ],
        # Other people's words are not the person's data: a reply points to its parent by id.
        "commentaires": [
            {
                "identifiant": c.pk,
                "projet": c.project.title,
                "texte": c.body,
                "en_réponse_au_commentaire": c.parent_id,
                "réponse_de_l_équipe": c.by_team,
                "état": c.get_state_display(),
                "motif_de_modération": c.moderation_reason,
                "supprimé": c.is_deleted,
                "écrit_le": iso(c.created_at),
                "modifié_le": iso(c.edited_at),
                "adresse": absolute_url(url_of(c)),
            }
            for c in comments.order_by("created_at", "pk")
        ],
        "soutiens": [
            {
                "projet": s.project.title,
                "le": iso(s.created_at),
                "adresse": absolute_url(url_of(s.project)),
            }
            for s in supports.order_by("created_at", "pk")
        ],
        "abonnements": [
            {
                "projet": f.project.title,
                "le": iso(f.created_at),
                "adresse": absolute_url(url_of(f.project)),
            }
            for f in follows.order_by("created_at", "pk")
        ],
    }


def erase(user, *, erase_content: bool) -> None:
    """Supports and follows go (and the projects' counters with them); comments and
    proposals stay, without their author. With `erase_content`, comments lose their text
    (marked deleted, so replies keep their thread). Proposals always stay: the town and other
    residents have taken them up."""
    comment_ids = list(Comment.objects.filter(author=user).values_list("pk", flat=True))
    erased = str(gettext_lazy("Commentaire supprimé par son auteur."))
    registry.scrub_log_reprs(
        user=user,
        model=Comment,
        ids=comment_ids,
        replacement=f"{registry.FORMER_PARTICIPANT} : {erased}" if erase_content else None,
    )
    for model, counter in ((Support, "support_count"), (Follow, "follower_count")):
        rows = model.objects.filter(user=user)
        registry.scrub_log_reprs(user=user, model=model, ids=rows.values_list("pk", flat=True))
        project_ids = list(rows.values_list("project_id", flat=True))
        rows.delete()
        Project.objects.filter(pk__in=project_ids).update(**{counter: Greatest(F(counter) - 1, 0)})
    if erase_content and comment_ids:
        Comment.objects.filter(pk__in=comment_ids).update(body=erased, is_deleted=True)


registry.register(
    registry.Section(
        key="projets",
        label=gettext_lazy("Projets"),
        description=gettext_lazy(
            "vos propositions de projet, commentaires, soutiens et abonnements"
        ),
        export=export,
        erase=erase,
        activity=activity,
        order=10,
    )
)
