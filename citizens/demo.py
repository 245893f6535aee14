"""Demo people: neighbourhoods, residents and staff with known passwords."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from . import town
from .models import MAYORS_OFFICE, MUNICIPAL_TEAM, Neighbourhood, User

DEMO_PASSWORD = "loos-demo-2026"  # noqa: S105 - printed on purpose for the demo

NEIGHBOURHOODS = town.NEIGHBOURHOODS[: town.DEMO_NEIGHBOURHOODS]

PEOPLE = [
    # email, display name, neighbourhood slug, groups, is_superuser
    ("marie@demo.loos.fr", "Marie L.", "centre", [], False),
    ("karim@demo.loos.fr", "Karim B.", "cite-5", [], False),
    ("josiane@demo.loos.fr", "Josiane D.", "cite-11", [], False),
    ("theo@demo.loos.fr", "Théo P.", "hauts-de-loos", [], False),
    ("nadia@demo.loos.fr", "Nadia S.", "gare", [], False),
    ("equipe@demo.loos.fr", "Équipe municipale (Claire)", "centre", [MUNICIPAL_TEAM], False),
    ("cabinet@demo.loos.fr", "Cabinet du maire", "centre", [MAYORS_OFFICE], False),
    ("admin@demo.loos.fr", "Administrateur", None, [], True),
]


def seed(*, stdout) -> None:
    hoods = {}
    for name, slug, population in NEIGHBOURHOODS:
        hood, _ = Neighbourhood.objects.get_or_create(
            slug=slug, defaults={"name": name, "population": population}
        )
        hoods[slug] = hood
    stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD})")
    for email, name, hood_slug, groups, superuser in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                display_name=name,
                neighbourhood=hoods.get(hood_slug),
                is_staff=bool(groups) and MUNICIPAL_TEAM in groups or superuser,
                is_superuser=superuser,
            )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        for group in groups:
            user.groups.add(Group.objects.get(name=group))
        role = ", ".join(groups) or ("superuser" if superuser else "habitant")
        stdout.write(f"  {email:<26} {role}")
