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


class ModerationLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # Only account deletion may touch the log: to drop who did it, and to remove the
        # person's name from the description of their own items (citizens.personal_data).
        if set(kwargs) - {"actor", "object_repr"} or kwargs.get("actor") is not None:
            raise PermissionError("The moderation log is append-only.")
        return super().update(**kwargs)

    def delete(self):
        raise PermissionError("The moderation log is append-only.")


class ModerationLog(models.Model):
    """Append-only record of every moderation decision: who, what, when, why.

    Generic on purpose (content type + id): projects and consultations both write here.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("décision"), max_length=40)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("type"), on_delete=models.PROTECT
    )
    object_id = models.PositiveBigIntegerField(_("identifiant"))
    object_repr = models.CharField(_("élément"), max_length=200)
    from_state = models.CharField(_("état avant"), max_length=20, blank=True)
    to_state = models.CharField(_("état après"), max_length=20, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    automatic = models.BooleanField(_("automatique"), default=False)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    objects = ModerationLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("décision de modération")
        verbose_name_plural = _("journal de modération")
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} · {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The moderation log is append-only.")


# --- Personal data: sessions traceable to their account, data downloads (issue 7) ----------

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
