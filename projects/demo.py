"""Demo projects of Loos-en-Gohelle, with their discussions, supports and updates.

Idempotent: a project whose slug exists is left alone. Everything goes through the services
(so counters are right), then dates are moved into the past so the town looks lived in.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify

from citizens.models import Neighbourhood, User

from . import services
from .models import Category, Comment, Follow, Project, Status, StatusChange, Support

TEAM = "equipe"

PROJECTS = [
    {
        "title": "Requalification de la rue Jean Jaurès",
        "summary": "Trottoirs élargis, vitesse apaisée, arbres et stationnement repensés : "
        "la rue Jean Jaurès se redessine avec ses riverains.",
        "body": (
            "La rue Jean Jaurès relie le centre à l'école et aux commerces. Ses trottoirs "
            "sont étroits, les voitures y roulent vite et les eaux de pluie débordent à "
            "chaque orage.\n\n"
            "## Ce que la commune propose\n\n"
            "- des trottoirs d'au moins 1,40 m des deux côtés ;\n"
            "- une zone 30 entre la mairie et l'école ;\n"
            "- des noues plantées pour absorber la pluie ;\n"
            "- un stationnement réorganisé avec les riverains.\n\n"
            "Rien n'est figé : **le tracé définitif sortira de la concertation**."
        ),
        "category": Category.ROADS,
        "hood": "centre",
        "author": TEAM,
        "location": ("50.457900", "2.793400"),
        "days_ago": 150,
        "statuses": [
            (
                Status.UNDER_STUDY,
                140,
                "Les relevés techniques (réseaux, eaux pluviales) commencent ce mois-ci.",
            ),
            (
                Status.IN_CONSULTATION,
                75,
                "Trois esquisses sont soumises aux riverains : venez en discuter en ligne "
                "et à la réunion publique.",
            ),
        ],
        "comments": [
            {
                "key": "poussettes",
                "author": "marie",
                "days_ago": 130,
                "body": "Devant l'école, on ne peut pas passer avec une poussette sans "
                "descendre sur la chaussée. C'est la priorité pour moi.",
                "replies": [
                    ("karim", 129, "Pareil avec un fauteuil roulant, mon père ne passe pas."),
                    (
                        TEAM,
                        120,
                        "Merci à vous deux : la largeur des trottoirs devant l'école devient "
                        "une contrainte du cahier des charges.",
                    ),
                ],
            },
            {
                "key": "parking",
                "author": "josiane",
                "days_ago": 90,
                "body": "Attention à ne pas supprimer toutes les places : les personnes "
                "âgées du bout de la rue ont besoin de se garer près de chez elles.",
                "replies": [
                    ("nadia", 88, "Peut-être quelques places réservées aux riverains ?"),
                ],
            },
            {
                "key": "velo",
                "author": "theo",
                "days_ago": 40,
                "body": "Une bande cyclable jusqu'au collège serait top, beaucoup de jeunes "
                "y vont à vélo.",
                "replies": [],
            },
        ],
        "supporters": ["marie", "karim", "josiane", "nadia", "theo"],
        "followers": ["marie", "karim", "josiane"],
        "updates": [
            {
                "title": "Réunion publique : ce que nous avons retenu",
                "days_ago": 60,
                "body": "Plus de 60 habitants étaient présents salle Fernand Léger. "
                "L'esquisse B, avec des trottoirs de 1,80 m devant l'école, a la "
                "préférence de la majorité. Le stationnement sera conservé côté impair "
                "avec des places réservées aux riverains.",
                "cites": ["poussettes", "parking"],
            },
        ],
    },
    {
        "title": "Un square pour la Cité 5 : jeux, ombre et bancs",
        "summary": "Transformer la friche de la rue des Mineurs en square : jeux pour les "
        "petits, arbres d'ombre et bancs pour les anciens.",
        "body": (
            "La friche de la rue des Mineurs est inutilisée depuis des années. Les "
            "habitants de la Cité 5 ont demandé un lieu pour se retrouver.\n\n"
            "Le square comprendra une aire de jeux pour les 2-10 ans, une dizaine "
            "d'arbres, des bancs et une fontaine à eau potable."
        ),
        "category": Category.PUBLIC_SPACES,
        "hood": "cite-5",
        "author": TEAM,
        "location": ("50.452600", "2.784900"),
        "days_ago": 300,
        "statuses": [
            (Status.UNDER_STUDY, 290, ""),
            (Status.IN_CONSULTATION, 250, "Atelier de co-conception avec l'école Basly."),
            (
                Status.DECIDED,
                180,
                "Le plan retenu garde les grands tilleuls et ajoute une fontaine, "
                "comme demandé lors de l'atelier.",
            ),
            (Status.IN_PROGRESS, 45, "Les travaux ont commencé ; livraison prévue au printemps."),
        ],
        "comments": [
            {
                "key": "ombre",
                "author": "karim",
                "days_ago": 260,
                "body": "L'été, il n'y a pas un coin d'ombre dans la cité. Gardez les "
                "tilleuls et plantez-en d'autres !",
                "replies": [("josiane", 258, "Et une fontaine, pour les enfants.")],
            },
            {
                "key": "bancs",
                "author": "josiane",
                "days_ago": 240,
                "body": "Des bancs avec dossier et accoudoirs, sinon on ne peut pas se "
                "relever à mon âge.",
                "replies": [],
            },
        ],
        "supporters": ["karim", "josiane", "nadia"],
        "followers": ["karim", "josiane"],
        "updates": [
            {
                "title": "Le plan du square est arrêté",
                "days_ago": 175,
                "body": "Les tilleuls sont conservés, six arbres seront plantés, les bancs "
                "auront dossier et accoudoirs et une fontaine sera installée.",
                "cites": ["ombre", "bancs"],
            },
            {
                "title": "Début des travaux",
                "days_ago": 44,
                "body": "L'entreprise a installé le chantier. La rue des Mineurs reste "
                "ouverte à la circulation.",
                "cites": [],
            },
        ],
    },
    {
        "title": "Saison culturelle 2027",
        "summary": "Concerts, théâtre de rue, Chtis TedX : construisons ensemble la "
        "programmation de la saison 2027.",
        "body": (
            "La saison culturelle 2027 se programme avec vous. Au menu déjà : "
            "une nouvelle édition des **Chtis TedX**, ces soirées entre one-man-show et "
            "mini-conférence où des Loossois racontent leurs engagements, des concerts "
            "au pied des terrils et du théâtre de rue dans chaque quartier.\n\n"
            "Dites-nous ce que vous aimeriez voir, et où."
        ),
        "category": Category.CULTURE,
        "hood": None,
        "author": TEAM,
        "location": ("50.458400", "2.791100"),
        "days_ago": 60,
        "statuses": [
            (Status.UNDER_STUDY, 58, ""),
            (
                Status.IN_CONSULTATION,
                30,
                "Propositions ouvertes jusqu'à la fin du mois : chaque idée sera lue.",
            ),
        ],
        "comments": [
            {
                "key": "tedx",
                "author": "nadia",
                "days_ago": 28,
                "body": "Un Chtis TedX sur les couturières bénévoles qui ont fait les "
                "masques pendant le Covid ! Elles ont des histoires incroyables.",
                "replies": [
                    ("marie", 27, "Oui ! Et sur la manne, beaucoup ne savent pas l'utiliser."),
                ],
            },
            {
                "key": "quartiers",
                "author": "theo",
                "days_ago": 20,
                "body": "Des concerts aux Hauts de Loos aussi, pas seulement au centre.",
                "replies": [],
            },
        ],
        "supporters": ["nadia", "marie", "theo"],
        "followers": ["nadia", "theo"],
        "updates": [
            {
                "title": "Un Chtis TedX « Fil et aiguille » en ouverture de saison",
                "days_ago": 10,
                "body": "Suite à vos propositions, la saison s'ouvrira avec un Chtis TedX "
                "consacré aux couturières bénévoles, et un concert sera programmé aux "
                "Hauts de Loos en juin.",
                "cites": ["tedx", "quartiers"],
            },
        ],
    },
    {
        "title": "Programme solaire : panneaux photovoltaïques chez l'habitant",
        "summary": "La commune accompagne les ménages qui veulent poser des panneaux "
        "solaires sur leur toit : conseil, achats groupés, aides.",
        "body": (
            "Loos-en-Gohelle produit déjà beaucoup d'électricité solaire sur ses "
            "bâtiments publics. Le programme s'ouvre aux particuliers :\n\n"
            "1. une visite gratuite d'un conseiller énergie ;\n"
            "2. un achat groupé pour faire baisser les prix ;\n"
            "3. une aide au montage des dossiers de subvention.\n\n"
            "Priorité aux ménages modestes."
        ),
        "category": Category.ENVIRONMENT,
        "hood": None,
        "author": TEAM,
        "location": None,
        "days_ago": 400,
        "statuses": [
            (Status.UNDER_STUDY, 390, ""),
            (Status.DECIDED, 330, "Le conseil municipal a voté le programme et son budget."),
            (Status.IN_PROGRESS, 300, "Les premières visites de conseillers ont lieu."),
        ],
        "comments": [
            {
                "key": "locataires",
                "author": "karim",
                "days_ago": 320,
                "body": "Et les locataires ? Pourrait-on voir avec les bailleurs pour les "
                "cités minières ?",
                "replies": [
                    (
                        TEAM,
                        318,
                        "Bonne question : nous ouvrons une discussion avec les bailleurs.",
                    ),
                ],
            },
        ],
        "supporters": ["karim", "marie", "theo", "nadia"],
        "followers": ["karim", "theo"],
        "updates": [
            {
                "title": "Premier bilan : 48 foyers équipés",
                "days_ago": 120,
                "body": "48 foyers sont équipés, dont 30 aux revenus modestes. Un accord "
                "avec un bailleur permet d'équiper 20 logements de la Cité 11.",
                "cites": ["locataires"],
            },
        ],
    },
    {
        "title": "Cantine scolaire 100 % bio",
        "summary": "Après la maternelle, toutes les cantines de la commune servent des "
        "repas 100 % bio, avec des produits locaux.",
        "body": (
            "Depuis plusieurs années, les repas de la cantine maternelle sont 100 % bio. "
            "Le projet étend ce choix aux écoles élémentaires, avec les maraîchers du "
            "territoire et sans augmenter le prix payé par les familles."
        ),
        "category": Category.SOLIDARITY,
        "hood": None,
        "author": TEAM,
        "location": ("50.456100", "2.789700"),
        "days_ago": 700,
        "statuses": [
            (Status.UNDER_STUDY, 690, ""),
            (Status.DECIDED, 600, "Le prix du repas ne change pas pour les familles."),
            (Status.IN_PROGRESS, 500, ""),
            (Status.COMPLETED, 380, "Toutes les cantines servent désormais des repas bio."),
        ],
        "comments": [
            {
                "key": "vegetarien",
                "author": "marie",
                "days_ago": 620,
                "body": "Un menu végétarien par semaine au moins, ce serait bien.",
                "replies": [("nadia", 619, "D'accord, et moins de gaspillage.")],
            },
        ],
        "supporters": ["marie", "nadia", "josiane"],
        "followers": ["marie"],
        "updates": [
            {
                "title": "Un repas végétarien chaque semaine",
                "days_ago": 450,
                "body": "Comme proposé par des parents, un repas végétarien est servi "
                "chaque semaine depuis la rentrée.",
                "cites": ["vegetarien"],
            },
        ],
    },
    {
        "title": "Un skatepark au pied du terril",
        "summary": "Un espace de glisse pour les jeunes, au pied des terrils jumeaux.",
        "body": (
            "Les jeunes n'ont pas d'endroit pour faire du skate ou du BMX. Le pied du "
            "terril serait idéal : de la place, loin des maisons."
        ),
        "category": Category.PUBLIC_SPACES,
        "hood": "hauts-de-loos",
        "author": "theo",
        "location": ("50.449800", "2.780200"),
        "days_ago": 200,
        "statuses": [
            (Status.UNDER_STUDY, 190, ""),
            (
                Status.DECLINED,
                150,
                "Le pied des terrils est un site naturel protégé, inscrit au patrimoine "
                "mondial de l'Unesco : nous ne pouvons pas y construire. L'idée d'un "
                "espace de glisse reste bonne : nous étudions un emplacement près du "
                "complexe sportif, et vous invitons à en discuter sur une nouvelle "
                "proposition.",
            ),
        ],
        "comments": [
            {
                "key": "skate",
                "author": "karim",
                "days_ago": 195,
                "body": "Mes enfants seraient ravis. Mais attention au bruit pour les "
                "promeneurs du terril.",
                "replies": [],
            },
        ],
        "supporters": ["theo", "karim"],
        "followers": ["karim"],
        "updates": [],
    },
    {
        "title": "Des bancs le long du chemin de la gare",
        "summary": "Pouvoir s'asseoir sur le trajet entre la gare et le centre.",
        "body": (
            "Le chemin de la gare au centre fait près d'un kilomètre sans un seul banc. "
            "Pour les personnes âgées et les parents avec de jeunes enfants, c'est long."
        ),
        "category": Category.PUBLIC_SPACES,
        "hood": "gare",
        "author": "nadia",
        "location": ("50.461200", "2.797800"),
        "days_ago": 12,
        "statuses": [],
        "comments": [
            {
                "key": "abri",
                "author": "josiane",
                "days_ago": 10,
                "body": "Avec un abri, quand il pleut ce serait parfait.",
                "replies": [("nadia", 9, "Bonne idée, au moins près de l'arrêt de bus.")],
            },
        ],
        "supporters": ["nadia", "josiane", "marie"],
        "followers": ["josiane"],
        "updates": [],
    },
    {
        "title": "Un composteur partagé à la Cité 11",
        "summary": "Réduire nos déchets et produire du compost pour les jardins ouvriers.",
        "body": (
            "Beaucoup d'entre nous n'ont pas de place pour composter. Un composteur "
            "partagé, géré par des habitants volontaires, servirait aux jardins."
        ),
        "category": Category.ENVIRONMENT,
        "hood": "cite-11",
        "author": "josiane",
        "location": ("50.447300", "2.801500"),
        "days_ago": 35,
        "statuses": [
            (
                Status.UNDER_STUDY,
                20,
                "Les Anges Gardins proposent d'accompagner les habitants volontaires.",
            ),
        ],
        "comments": [],
        "supporters": ["josiane", "karim"],
        "followers": ["karim"],
        "updates": [],
    },
]


def _email(name: str) -> str:
    return f"{name}@demo.loos.fr"


def seed(*, stdout) -> None:
    people = {u.email: u for u in User.objects.filter(email__endswith="@demo.loos.fr")}
    team = people.get(_email(TEAM))
    if team is None:
        stdout.write("Projets : comptes de démonstration absents, rien à créer.")
        return
    hoods = {h.slug: h for h in Neighbourhood.objects.all()}
    created = 0
    for spec in PROJECTS:
        if Project.objects.filter(slug=slugify(spec["title"])).exists():
            continue
        _seed_project(spec, people=people, team=team, hoods=hoods)
        created += 1
    stdout.write(
        f"Projets de démonstration : {created} créé(s), {len(PROJECTS) - created} déjà là."
    )


def _seed_project(spec: dict, *, people: dict, team: User, hoods: dict) -> None:
    # Events happen during the day, not all at the same minute.
    now = timezone.now().replace(hour=20, minute=0, second=0, microsecond=0)
    step = iter(range(10_000))

    def ago(days: float):
        return now - timedelta(days=days, minutes=(next(step) * 137) % 600)

    def who(name: str) -> User:
        return people[_email(name)]

    lat, lng = (Decimal(v) for v in spec["location"]) if spec["location"] else (None, None)
    fields = {
        "title": spec["title"],
        "summary": spec["summary"],
        "body": spec["body"],
        "category": spec["category"],
        "neighbourhood": hoods.get(spec["hood"]) if spec["hood"] else None,
        "latitude": lat,
        "longitude": lng,
    }
    if spec["author"] == TEAM:
        project = services.project_create(author=team, **fields)
    else:
        project = services.project_propose(author=who(spec["author"]), **fields)
    Project.objects.filter(pk=project.pk).update(
        created_at=ago(spec["days_ago"]), status_changed_at=ago(spec["days_ago"])
    )
    Follow.objects.filter(project=project).update(created_at=ago(spec["days_ago"]))

    for status, days, answer in spec["statuses"]:
        change = services.project_change_status(
            project=project, actor=team, to_status=status, answer=answer
        )
        StatusChange.objects.filter(pk=change.pk).update(created_at=ago(days))
        Project.objects.filter(pk=project.pk).update(status_changed_at=ago(days))

    comments: dict[str, Comment] = {}
    for item in spec["comments"]:
        author = team if item["author"] == TEAM else who(item["author"])
        comment = services.comment_post(project=project, author=author, body=item["body"])
        Comment.objects.filter(pk=comment.pk).update(created_at=ago(item["days_ago"]))
        comments[item["key"]] = comment
        for reply_author, days, body in item["replies"]:
            author = team if reply_author == TEAM else who(reply_author)
            reply = services.comment_post(project=project, author=author, body=body, parent=comment)
            Comment.objects.filter(pk=reply.pk).update(created_at=ago(days))

    for index, name in enumerate(spec["supporters"]):
        services.support_add(project=project, user=who(name))
        Support.objects.filter(project=project, user=who(name)).update(
            created_at=ago(spec["days_ago"] * (1 - (index + 1) / (len(spec["supporters"]) + 2)))
        )
    for name in spec["followers"]:
        if services.follow_add(project=project, user=who(name)):
            Follow.objects.filter(project=project, user=who(name)).update(
                created_at=ago(spec["days_ago"] / 2)
            )

    for update_spec in spec["updates"]:
        services.project_update_post(
            project=project,
            author=team,
            title=update_spec["title"],
            body=update_spec["body"],
            cited_comments=[comments[key] for key in update_spec["cites"]],
            published_at=ago(update_spec["days_ago"]),
        )
