import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from citizens.models import MAYORS_OFFICE, MUNICIPAL_TEAM, Neighbourhood, User

PASSWORD = "un-mot-de-passe-solide-42"  # noqa: S105


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Quartier {n}")
    slug = factory.Sequence(lambda n: f"quartier-{n}")
    population = 1000


class UserFactory(factory.django.DjangoModelFactory):
    """A resident with a verified email address (pass `verified=False` for one without)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"habitant{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Habitant {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()
        EmailAddress.objects.create(
            user=self, email=self.email, primary=True, verified=extracted is not False
        )

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))
            # Staff roles come with their second factor, as with TeamMemberFactory.
            if {MUNICIPAL_TEAM, MAYORS_OFFICE} & set(extracted):
                _add_totp(self, create, None)


ResidentFactory = UserFactory


def _add_group(name: str):
    def hook(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(
                Group.objects.get_or_create(name=name)[0]
            )  # flushed in transactional tests

    return factory.PostGeneration(hook)


def _add_totp(obj, create, extracted, **kwargs):
    """Staff must have a second factor to reach /admin/ and /rapports/: give them one unless
    the test asks for a staff account without (`mfa=False`)."""
    if create and extracted is not False:
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(obj, generate_totp_secret())


def totp_code(user) -> str:
    """The code the user's authenticator app shows now, from allauth's own TOTP functions."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


class TeamMemberFactory(UserFactory):
    is_staff = True
    role = _add_group(MUNICIPAL_TEAM)
    mfa = factory.PostGeneration(_add_totp)


class MayorsOfficeFactory(UserFactory):
    role = _add_group(MAYORS_OFFICE)
    mfa = factory.PostGeneration(_add_totp)


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True
    mfa = factory.PostGeneration(_add_totp)


# --- projects ------------------------------------------------------------------------------

from datetime import timedelta  # noqa: E402

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.utils import timezone  # noqa: E402

from consultations.models import (  # noqa: E402
    Consultation,
    Contribution,
    ContributionState,
    Option,
    Synthesis,
    Vote,
)
from moderation.models import Flag, FlagReason  # noqa: E402
from projects.models import (  # noqa: E402
    Category,
    Comment,
    Follow,
    Origin,
    Project,
    ProjectUpdate,
    Status,
    Support,
)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    title = factory.Sequence(lambda n: f"Réaménagement de la rue {n}")
    slug = factory.Sequence(lambda n: f"projet-{n}")
    summary = "Repenser la rue avec ses riverains."
    body = "Le projet **concerne** la chaussée et les trottoirs."
    category = Category.ROADS
    origin = Origin.MUNICIPAL
    status = Status.UNDER_STUDY


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    project = factory.SubFactory(ProjectFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Commentaire numéro {n}")


class SupportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Support

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)


class ProjectUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectUpdate

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Actualité {n}")
    body = "Les travaux avancent."


# --- consultations -------------------------------------------------------------------------


class ConsultationFactory(factory.django.DjangoModelFactory):
    """An open round by default: opened a day ago, closes in a week."""

    class Meta:
        model = Consultation

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Concertation {n}")
    slug = factory.Sequence(lambda n: f"concertation-{n}")
    question = "Que voulez-vous pour cette place ?"
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Option

    consultation = factory.SubFactory(ConsultationFactory)
    label = factory.Sequence(lambda n: f"Option {n}")
    position = factory.Sequence(lambda n: n)


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contribution

    consultation = factory.SubFactory(ConsultationFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Contribution numéro {n}")
    state = ContributionState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    option = factory.SubFactory(OptionFactory)
    consultation = factory.SelfAttribute("option.consultation")
    user = factory.SubFactory(UserFactory)


class FlagFactory(factory.django.DjangoModelFactory):
    """A flag on `item` (or, for short, `contribution=` / `comment=`; a new contribution
    when none is given)."""

    class Meta:
        model = Flag

    reporter = factory.SubFactory(UserFactory)
    reason = FlagReason.SPAM

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        item = kwargs.pop("item", None) or kwargs.pop("comment", None)
        item = item or kwargs.pop("contribution", None) or ContributionFactory()
        kwargs.pop("comment", None)
        kwargs.pop("contribution", None)
        kwargs["content_type"] = ContentType.objects.get_for_model(item)
        kwargs["object_id"] = item.pk
        return kwargs


class SynthesisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Synthesis

    consultation = factory.SubFactory(ConsultationFactory)
    body = "Nous avons entendu vos avis."
    published_at = factory.LazyFunction(timezone.now)
