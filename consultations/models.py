from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModerationMode(models.TextChoices):
    AFTER = "after", _("Publication immédiate, modération après")
    BEFORE = "before", _("Validation par l'équipe avant publication")


class RoundState(models.TextChoices):
    UPCOMING = "upcoming", _("À venir")
    OPEN = "open", _("Ouverte")
    CLOSED = "closed", _("Clôturée")
    SYNTHESIS = "synthesis", _("Synthèse publiée")


def round_state(*, now, opens_at, closes_at, synthesis_published_at=None) -> str:
    """Upcoming, open, closed or synthesis published, from the dates alone."""
    if now < opens_at:
        return RoundState.UPCOMING
    if now < closes_at:
        return RoundState.OPEN
    if synthesis_published_at is not None and synthesis_published_at <= now:
        return RoundState.SYNTHESIS
    return RoundState.CLOSED


def round_next_change(*, now, opens_at, closes_at, synthesis_published_at=None):
    """When that state next changes by the clock alone, or None."""
    moments = [m for m in (opens_at, closes_at, synthesis_published_at) if m and m > now]
    return min(moments, default=None)


class ConsultationQuerySet(models.QuerySet):
    def upcoming(self, now=None):
        return self.filter(opens_at__gt=now or timezone.now())

    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)

    def closed(self, now=None):
        return self.filter(closes_at__lte=now or timezone.now())

    def closing_within(self, *, hours: int, now=None):
        now = now or timezone.now()
        return self.open(now).filter(closes_at__lte=now + timedelta(hours=hours))

    def with_published_synthesis(self):
        return self.filter(synthesis__published_at__isnull=False)


class Consultation(models.Model):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="consultations"
    )
    title = models.CharField(_("titre"), max_length=140)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=160, unique=True)
    question = models.CharField(_("question posée"), max_length=300)
    context = models.TextField(_("contexte"), blank=True, help_text=_("Markdown simple."))
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    moderation = models.CharField(
        _("modération"), max_length=10, choices=ModerationMode.choices, default=ModerationMode.AFTER
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Denormalised counters, kept right by the services.
    contribution_count = models.PositiveIntegerField(_("contributions publiées"), default=0)
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("concertation")
        verbose_name_plural = _("concertations")
        indexes = [
            models.Index(fields=["opens_at", "closes_at"], name="consultation_dates_idx"),
            models.Index(fields=["project", "-opens_at"], name="consultation_project_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="closes_after_opening"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultations:detail", kwargs={"slug": self.slug})

    def state_at(self, now=None) -> str:
        """Upcoming, open, closed or synthesis published. Reads `synthesis` if prefetched."""
        return round_state(
            now=now or timezone.now(),
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            synthesis_published_at=getattr(self.synthesis_or_none, "published_at", None),
        )

    @property
    def state(self) -> str:
        return self.state_at()

    @property
    def synthesis_or_none(self):
        return getattr(self, "synthesis", None)

    def next_change(self, now=None):
        """When the state next changes by the clock alone (opening, closing, a synthesis
        published at a set time), or None."""
        return round_next_change(
            now=now or timezone.now(),
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            synthesis_published_at=getattr(self.synthesis_or_none, "published_at", None),
        )

    @property
    def state_label(self) -> str:
        return RoundState(self.state_at()).label


class Option(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    vote_count = models.PositiveIntegerField(_("votes"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return self.label


class Vote(models.Model):
    """One vote per resident per round, changeable until closing. Kept anonymously when the
    resident deletes their account (user set to NULL)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="votes",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"],
                condition=Q(user__isnull=False),
                name="one_vote_per_resident_per_round",
            )
        ]
        indexes = [models.Index(fields=["created_at"]), models.Index(fields=["user"])]

    def __str__(self) -> str:
        return f"{self.consultation} · {self.option}"


class ContributionState(models.TextChoices):
    PENDING = "pending", _("En attente de validation")
    PUBLISHED = "published", _("Publiée")
    REJECTED = "rejected", _("Refusée")
    HIDDEN = "hidden", _("Masquée")


class Outcome(models.TextChoices):
    YES = "yes", _("Prise en compte")
    PARTLY = "partly", _("En partie prise en compte")
    NO = "no", _("Non retenue")


class Contribution(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="contributions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contributions",
    )
    body = models.TextField(_("contribution"), max_length=5000)
    option = models.ForeignKey(
        Option,
        verbose_name=_("option choisie"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contributions",
    )
    state = models.CharField(
        _("état"),
        max_length=12,
        choices=ContributionState.choices,
        default=ContributionState.PENDING,
    )
    moderation_reason = models.TextField(_("motif de modération"), blank=True)
    moderated_at = models.DateTimeField(_("modérée le"), null=True, blank=True)
    flag_count = models.PositiveIntegerField(_("signalements"), default=0)
    flags = GenericRelation("moderation.Flag")
    answer = models.TextField(_("réponse de l'équipe"), blank=True)
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(
        _("prise en compte"), max_length=8, choices=Outcome.choices, blank=True
    )
    outcome_reason = models.TextField(_("explication"), blank=True)
    cited_in_updates = models.ManyToManyField(
        "projects.ProjectUpdate",
        verbose_name=_("actualités qui la citent"),
        blank=True,
        related_name="cited_contributions",
    )
    created_at = models.DateTimeField(_("écrite le"), default=timezone.now)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        indexes = [
            models.Index(
                fields=["consultation", "state", "created_at"], name="contribution_list_idx"
            ),
            models.Index(fields=["author", "-created_at"], name="contribution_author_idx"),
            models.Index(fields=["state", "-flag_count"], name="contribution_queue_idx"),
            models.Index(fields=["created_at"], name="contribution_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author or _('ancien participant')} : {self.body[:50]}"

    def get_absolute_url(self) -> str:
        return f"{self.consultation.get_absolute_url()}#contribution-{self.pk}"


class Synthesis(models.Model):
    """What the team heard, published after the round closed."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="synthesis"
    )
    body = models.TextField(_("synthèse"), help_text=_("Markdown simple."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("synthèse")
        verbose_name_plural = _("synthèses")

    def __str__(self) -> str:
        return f"{_('Synthèse')} : {self.consultation}"
