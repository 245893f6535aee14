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


ResidentFactory = UserFactory


def _add_group(name: str):
    def hook(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get(name=name))

    return factory.PostGeneration(hook)


class TeamMemberFactory(UserFactory):
    is_staff = True
    role = _add_group(MUNICIPAL_TEAM)


class MayorsOfficeFactory(UserFactory):
    role = _add_group(MAYORS_OFFICE)


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True
