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
        # Only account deletion may touch the log, and only to drop who did it.
        if set(kwargs) - {"actor"} or kwargs.get("actor") is not None:
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
