from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MUNICIPAL_TEAM = "municipal_team"
MAYORS_OFFICE = "mayors_office"


class Neighbourhood(models.Model):
    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    population = models.PositiveIntegerField(
        _("population"), null=True, blank=True, help_text=_("Nombre d'habitants du quartier.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("quartier")
        verbose_name_plural = _("quartiers")

    def __str__(self) -> str:
        return self.name


class EmailFrequency(models.TextChoices):
    """How often a resident wants to hear, by email, about what concerns them."""

    IMMEDIATE = "immediate", _("À chaque nouveauté")
    DAILY = "daily", _("Un résumé par jour")
    WEEKLY = "weekly", _("Un résumé par semaine")
    NEVER = "never", _("Jamais")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. The email is the login; `display_name` is what others see."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    display_name = models.CharField(
        _("nom affiché"),
        max_length=60,
        help_text=_("Le nom que les autres habitants voient à côté de vos contributions."),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        verbose_name=_("quartier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES, default="fr")
    email_frequency = models.CharField(
        _("e-mails de notification"),
        max_length=10,
        choices=EmailFrequency.choices,
        default=EmailFrequency.DAILY,
    )
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        indexes = [models.Index(fields=["date_joined"])]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


# --- Personal data: sessions traceable to their account, data downloads -----------

from django.contrib.sessions.base_session import AbstractBaseSession  # noqa: E402


class AccountSession(AbstractBaseSession):
    """The session store's table, with the account each session belongs to (see
    citizens/sessions.py), so that deleting an account ends its sessions without reading
    every session of the site."""

    account_id = models.BigIntegerField(null=True, db_index=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore


class DataExportState(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En préparation")
    READY = "ready", _("Prêt")
    FAILED = "failed", _("Échec")
    EXPIRED = "expired", _("Expiré")


class DataExportQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(state__in=[DataExportState.PENDING, DataExportState.RUNNING])

    def expired(self, now=None):
        return self.filter(state=DataExportState.READY, expires_at__lte=now or timezone.now())


class DataExport(models.Model):
    """A resident's download of their data: prepared by a Celery task, private files served
    only to its owner, for `DATA_EXPORT_TTL_DAYS` days."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    token = models.UUIDField(_("identifiant"), unique=True, editable=False)
    state = models.CharField(
        _("état"), max_length=10, choices=DataExportState.choices, default=DataExportState.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("prêt le"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)
    # Names in the private storage (PRIVATE_STORAGE_ROOT), never under MEDIA or static.
    json_name = models.CharField(max_length=200, blank=True)
    zip_name = models.CharField(max_length=200, blank=True)
    json_size = models.PositiveBigIntegerField(default=0)
    zip_size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(_("erreur"), max_length=200, blank=True)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("téléchargement de données")
        verbose_name_plural = _("téléchargements de données")
        indexes = [
            models.Index(fields=["user", "-requested_at"]),
            models.Index(fields=["state", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.token} · {self.get_state_display()}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("citizens:data_export")

    def is_expired(self, now=None) -> bool:
        if self.state == DataExportState.EXPIRED:
            return True
        return bool(self.expires_at and self.expires_at <= (now or timezone.now()))

    @property
    def in_progress(self) -> bool:
        return self.state in (DataExportState.PENDING, DataExportState.RUNNING)


# --- Notifications ---------------------------------------------------------------------------


class Notification(models.Model):
    """Something that concerns a resident: shown in-app at once, emailed as they chose.

    Generic on purpose: the target is a content type + id, and the text is rendered from the
    kind registered by the app that owns the event (`citizens.notifications.registry`), in
    the reader's language, with `params`.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notification_list_idx starts with the recipient
    )
    kind = models.CharField(_("type"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur de l'action"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("type d'élément"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_index=False,
    )
    object_id = models.PositiveBigIntegerField(_("identifiant de l'élément"), null=True, blank=True)
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    url = models.CharField(_("lien"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_list_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["created_at"], name="notification_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotifiedEvent(models.Model):
    """Marks an event already announced (a round opening, closing soon…), so beat tasks that
    look for such events notify each one once, however often they run."""

    key = models.CharField(_("événement"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("événement notifié")
        verbose_name_plural = _("événements notifiés")

    def __str__(self) -> str:
        return self.key


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")
    CANCELLED = "cancelled", _("Annulé")


class EmailDelivery(models.Model):
    """The outbox and the log of notification emails.

    One row per (recipient, notification) for an immediate email, one per (recipient, kind,
    period) for a digest or the team's summary, under unique constraints; written in the same
    transaction as the event, sent only while pending, stamped after the SMTP server accepted.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="email_deliveries",
    )
    kind = models.CharField(_("type"), max_length=40)
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    period_start = models.DateField(_("période du"), null=True, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    item_count = models.PositiveIntegerField(_("nouveautés"), default=0)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("envoi d'e-mail")
        verbose_name_plural = _("journal des e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "notification"],
                condition=models.Q(notification__isnull=False),
                name="one_email_per_notification",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "period_start"],
                condition=models.Q(period_start__isnull=False),
                name="one_email_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(notification__isnull=False, period_start__isnull=True)
                | models.Q(notification__isnull=True, period_start__isnull=False),
                name="delivery_for_a_notification_or_a_period",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending_idx",
            ),
            models.Index(fields=["-created_at"], name="delivery_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.status})"
