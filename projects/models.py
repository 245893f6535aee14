from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ROADS = "roads", _("Voirie")
    PUBLIC_SPACES = "public_spaces", _("Espaces publics")
    CULTURE = "culture", _("Culture")
    ENVIRONMENT = "environment", _("Environnement")
    SOLIDARITY = "solidarity", _("Solidarité")
    OTHER = "other", _("Autre")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Proposé")
    UNDER_STUDY = "under_study", _("À l'étude")
    IN_CONSULTATION = "in_consultation", _("En concertation")
    DECIDED = "decided", _("Décidé")
    IN_PROGRESS = "in_progress", _("En travaux")
    COMPLETED = "completed", _("Réalisé")
    DECLINED = "declined", _("Non retenu")


# The lifecycle: each status may move to the ones listed (declined is possible until decided).
STATUS_TRANSITIONS: dict[str, list[str]] = {
    Status.PROPOSED: [Status.UNDER_STUDY, Status.DECLINED],
    Status.UNDER_STUDY: [Status.IN_CONSULTATION, Status.DECIDED, Status.DECLINED],
    Status.IN_CONSULTATION: [Status.DECIDED, Status.DECLINED],
    Status.DECIDED: [Status.IN_PROGRESS],
    Status.IN_PROGRESS: [Status.COMPLETED],
    Status.COMPLETED: [],
    Status.DECLINED: [],
}
# Statuses a resident's proposal reaches when the town said yes (reports count them).
DECIDED_OR_BEYOND = [Status.DECIDED, Status.IN_PROGRESS, Status.COMPLETED]


class Origin(models.TextChoices):
    MUNICIPAL = "municipal", _("Projet municipal")
    RESIDENT = "resident", _("Proposition d'habitant")


class ProjectQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_hidden=False)


class Project(models.Model):
    title = models.CharField(_("titre"), max_length=140)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=160, unique=True)
    summary = models.CharField(_("résumé"), max_length=300)
    body = models.TextField(_("description"), help_text=_("Markdown simple."), blank=True)
    category = models.CharField(_("thème"), max_length=20, choices=Category.choices)
    neighbourhood = models.ForeignKey(
        "citizens.Neighbourhood",
        verbose_name=_("quartier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    origin = models.CharField(
        _("origine"), max_length=20, choices=Origin.choices, default=Origin.MUNICIPAL
    )
    status = models.CharField(
        _("état"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    is_hidden = models.BooleanField(_("masqué"), default=False)
    hidden_reason = models.TextField(_("motif du masquage"), blank=True)
    # Denormalised counters, kept right by the services (never counted in a page request).
    support_count = models.PositiveIntegerField(_("soutiens"), default=0)
    comment_count = models.PositiveIntegerField(_("commentaires"), default=0)
    follower_count = models.PositiveIntegerField(_("abonnés"), default=0)
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    status_changed_at = models.DateTimeField(_("état changé le"), default=timezone.now)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        indexes = [
            models.Index(fields=["-created_at"], name="project_recent_idx"),
            models.Index(fields=["status", "-created_at"], name="project_status_idx"),
            models.Index(fields=["category", "-created_at"], name="project_category_idx"),
            models.Index(fields=["-support_count", "-created_at"], name="project_supported_idx"),
            models.Index(fields=["-comment_count", "-created_at"], name="project_discussed_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", kwargs={"slug": self.slug})

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class StatusChange(models.Model):
    """A step of the lifecycle, with the town's public official answer."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("ancien état"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("nouvel état"), max_length=20, choices=Status.choices)
    answer = models.TextField(_("réponse officielle"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("changement d'état")
        verbose_name_plural = _("changements d'état")
        indexes = [models.Index(fields=["project", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(to_status=Status.DECLINED) | ~Q(answer=""),
                name="declined_requires_answer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.from_status} → {self.to_status}"


class CommentState(models.TextChoices):
    PUBLISHED = "published", _("Publié")
    HIDDEN = "hidden", _("Masqué")


class Comment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(_("commentaire"), max_length=5000)
    by_team = models.BooleanField(_("réponse de l'équipe"), default=False)
    state = models.CharField(
        _("état"), max_length=12, choices=CommentState.choices, default=CommentState.PUBLISHED
    )
    moderation_reason = models.TextField(_("motif de modération"), blank=True)
    is_deleted = models.BooleanField(_("supprimé par son auteur"), default=False)
    flag_count = models.PositiveIntegerField(_("signalements"), default=0)
    flags = GenericRelation("moderation.Flag")
    reply_count = models.PositiveIntegerField(_("réponses"), default=0)
    created_at = models.DateTimeField(_("écrit le"), default=timezone.now)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        indexes = [
            models.Index(fields=["project", "parent", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["author", "-created_at"], name="comment_author_idx"),
            models.Index(fields=["created_at"], name="comment_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author or _('ancien participant')} : {self.body[:50]}"

    def get_absolute_url(self) -> str:
        return f"{self.project.get_absolute_url()}#commentaire-{self.pk}"


class Support(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("soutien")
        verbose_name_plural = _("soutiens")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_support_per_resident")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.project}"


class Follow(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_follow_per_resident")
        ]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.project}"


class ProjectUpdate(models.Model):
    """News the team posts on a project: the timeline, and what changed thanks to residents."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    title = models.CharField(_("titre"), max_length=140)
    body = models.TextField(_("texte"), help_text=_("Markdown simple."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cited_comments = models.ManyToManyField(
        Comment,
        verbose_name=_("commentaires qui ont fait évoluer le projet"),
        blank=True,
        related_name="cited_in_updates",
    )
    published_at = models.DateTimeField(_("publié le"), default=timezone.now)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("actualité du projet")
        verbose_name_plural = _("actualités des projets")
        indexes = [
            models.Index(fields=["project", "-published_at"]),
            models.Index(fields=["-published_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{self.project.get_absolute_url()}#actualite-{self.pk}"
