"""Demo consultation rounds, one in every state, built through the services.

Idempotent: a round whose slug exists is left alone. Runs after citizens (people) and
projects (the projects the rounds belong to); creates those projects itself when the
projects demo did not.
"""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from citizens.models import User
from moderation.services import flag_submit, item_publish, item_reject
from projects.models import Category, Comment, CommentState, Project, ProjectUpdate, Status

from .models import Consultation, Contribution, ModerationMode, Option, Synthesis, Vote
from .services import contribution_answer, contribution_submit, synthesis_publish, vote_cast

PROJECTS = {
    "place-de-la-republique": {
        "title": "Réaménagement de la place de la République",
        "summary": "Redonner la place aux piétons, au marché et aux enfants.",
        "body": (
            "La place de la République est aujourd'hui un grand parking. La commune veut en "
            "faire un lieu de vie : **ombre**, bancs, marché, jeux. Rien n'est décidé : les "
            "habitants dessinent le projet avec l'équipe."
        ),
        "category": Category.PUBLIC_SPACES,
        "status": Status.IN_CONSULTATION,
    },
    "requalification-de-la-rue-jean-jaures": {
        "title": "Requalification de la rue Jean-Jaurès",
        "summary": "Des trottoirs praticables, des arbres et une circulation apaisée.",
        "body": (
            "La rue Jean-Jaurès relie la cité 5 au centre. Trottoirs étroits, vitesse, "
            "stationnement anarchique : les riverains ont demandé qu'on la reprenne."
        ),
        "category": Category.ROADS,
        "status": Status.DECIDED,
    },
}

RESIDENTS = ["marie", "karim", "josiane", "theo", "nadia"]


def _people() -> dict[str, User] | None:
    emails = {name: f"{name}@demo.loos.fr" for name in [*RESIDENTS, "equipe"]}
    users = {u.email: u for u in User.objects.filter(email__in=emails.values())}
    if len(users) != len(emails):
        return None
    return {name: users[email] for name, email in emails.items()}


def _project(slug: str) -> Project:
    project, _ = Project.objects.get_or_create(slug=slug, defaults=PROJECTS[slug])
    return project


def _new_round(*, project: Project, slug: str, options: list[str], **fields) -> Consultation:
    """Create the round open (so the services accept participation); the caller moves its
    dates to where the demo needs them afterwards."""
    now = timezone.now()
    consultation = Consultation.objects.create(
        project=project,
        slug=slug,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        **fields,
    )
    for position, label in enumerate(options, start=1):
        Option.objects.create(consultation=consultation, label=label, position=position)
    return consultation


def _move(consultation: Consultation, *, opens_in_days: int, closes_in_days: int) -> None:
    """Set the round's dates, and shift what residents did into the period it was open."""
    now = timezone.now()
    opens_at = now + timedelta(days=opens_in_days)
    closes_at = now + timedelta(days=closes_in_days)
    Consultation.objects.filter(pk=consultation.pk).update(opens_at=opens_at, closes_at=closes_at)
    if closes_in_days < 0:
        shift = timedelta(days=(closes_in_days - opens_in_days) // 2 - closes_in_days)
        contributions = Contribution.objects.filter(consultation=consultation)
        contributions.update(created_at=F("created_at") - shift)
        contributions.exclude(published_at=None).update(published_at=F("published_at") - shift)
        contributions.exclude(answered_at=None).update(
            answered_at=F("answered_at") - shift + timedelta(days=2)
        )
        Vote.objects.filter(consultation=consultation).update(
            created_at=F("created_at") - shift, updated_at=F("updated_at") - shift
        )
    consultation.refresh_from_db()


def _open_round(people, stdout) -> None:
    if Consultation.objects.filter(slug="place-republique-usages").exists():
        return
    round_ = _new_round(
        project=_project("place-de-la-republique"),
        slug="place-republique-usages",
        title="La place de demain : quels usages ?",
        question="Que voudriez-vous faire sur la place de la République réaménagée ?",
        context=(
            "La place compte aujourd'hui **120 places de stationnement**. Le projet en garde "
            "une partie et libère environ 3 000 m² pour d'autres usages.\n\n"
            "- réunion publique le 12 à 18 h 30, salle des fêtes ;\n"
            "- plans consultables en mairie."
        ),
        moderation=ModerationMode.AFTER,
        author=people["equipe"],
        options=[
            "Un marché couvert le samedi",
            "Un jardin ombragé avec des bancs",
            "Une aire de jeux pour les enfants",
        ],
    )
    options = list(round_.options.all())
    texts = {
        "marie": (
            "De l'ombre ! L'été, la place est un four. Des arbres et des bancs, et un point "
            "d'eau pour les anciens qui viennent du marché.",
            1,
        ),
        "karim": (
            "Le marché du samedi manque d'abris quand il pleut. Une halle couverte servirait "
            "aussi aux fêtes de quartier.",
            0,
        ),
        "josiane": (
            "Il faut garder du stationnement pour les personnes qui ont du mal à marcher, "
            "près de la pharmacie.",
            None,
        ),
        "nadia": ("Une aire de jeux, mais clôturée, loin de la route.", 2),
    }
    contributions = {}
    for name, (body, option) in texts.items():
        contributions[name] = contribution_submit(
            consultation=round_,
            author=people[name],
            body=body,
            option=options[option] if option is not None else None,
        )
    contribution_answer(
        contribution=contributions["josiane"],
        actor=people["equipe"],
        answer=(
            "Merci Josiane : six places réservées aux personnes à mobilité réduite restent "
            "devant la pharmacie dans tous les scénarios."
        ),
    )
    spam = contribution_submit(
        consultation=round_,
        author=people["theo"],
        body="Gagnez 500 € par semaine depuis chez vous, écrivez-moi !",
    )
    for name in ("marie", "karim", "nadia"):  # the third flag hides it automatically
        flag_submit(reporter=people[name], reason="spam", item=spam)
    flag_submit(
        reporter=people["karim"],
        reason="off_topic",
        details="Ce n'est pas la question posée.",
        item=contributions["nadia"],
    )
    for name, option in zip(RESIDENTS, [1, 0, 1, 2, 1], strict=True):
        vote_cast(consultation=round_, voter=people[name], option=options[option])
    comment = (
        Comment.objects.filter(
            project=round_.project, state=CommentState.PUBLISHED, is_deleted=False
        )
        .exclude(author=people["nadia"])
        .first()
    )
    if comment is not None and not comment.flags.filter(reporter=people["nadia"]).exists():
        flag_submit(reporter=people["nadia"], reason="insult", item=comment)
    _move(round_, opens_in_days=-5, closes_in_days=16)
    stdout.write(f"  concertation ouverte : {round_.title}")


def _upcoming_round(people, stdout) -> None:
    if Consultation.objects.filter(slug="place-republique-kiosque").exists():
        return
    round_ = _new_round(
        project=_project("place-de-la-republique"),
        slug="place-republique-kiosque",
        title="Le kiosque : son nom et ses animations",
        question="Quel nom donner au kiosque, et qu'aimeriez-vous y voir ?",
        context="Le kiosque sera construit au printemps. À vous de le faire vivre.",
        moderation=ModerationMode.BEFORE,
        author=people["equipe"],
        options=[],
    )
    _move(round_, opens_in_days=7, closes_in_days=37)
    stdout.write(f"  concertation à venir : {round_.title}")


def _closed_round(people, stdout) -> None:
    if Consultation.objects.filter(slug="rue-jean-jaures-stationnement").exists():
        return
    round_ = _new_round(
        project=_project("requalification-de-la-rue-jean-jaures"),
        slug="rue-jean-jaures-stationnement",
        title="Rue Jean-Jaurès : stationnement et circulation",
        question="Comment organiser le stationnement et la circulation rue Jean-Jaurès ?",
        context="Trois scénarios ont été étudiés avec les riverains lors de la balade urbaine.",
        moderation=ModerationMode.BEFORE,
        author=people["equipe"],
        options=["Zone bleue", "Stationnement alterné", "Sens unique vers le centre"],
    )
    options = list(round_.options.all())
    bodies = {
        "marie": "Le sens unique réduirait la vitesse devant l'école.",
        "karim": "La zone bleue, sinon les voitures ventouses restent toute la semaine.",
        "theo": "Pensez aux vélos : une bande cyclable dans le sens montant.",
        "nadia": "Les camions de livraison du Proxi se garent sur le trottoir tous les matins.",
        "josiane": "Encore un projet pour rien, comme d'habitude, et mon numéro 06 12 34 56 78.",
    }
    contributions = {
        name: contribution_submit(consultation=round_, author=people[name], body=body)
        for name, body in bodies.items()
    }
    for name in ("marie", "karim", "theo"):
        item_publish(item=contributions[name], actor=people["equipe"])
    item_reject(
        item=contributions["josiane"],
        actor=people["equipe"],
        reason=(
            "Votre message contient un numéro de téléphone : nous ne publions pas de données "
            "personnelles. Reformulez votre avis sans lui, il sera le bienvenu."
        ),
    )
    # Nadia's contribution is still waiting for the team: the queue has work to show.
    for name, option in zip(RESIDENTS, [2, 0, 0, 1, 2], strict=True):
        vote_cast(consultation=round_, voter=people[name], option=options[option])
    _move(round_, opens_in_days=-33, closes_in_days=-3)
    stdout.write(f"  concertation close, synthèse à écrire : {round_.title}")


def _round_with_synthesis(people, stdout) -> None:
    if Consultation.objects.filter(slug="rue-jean-jaures-trottoirs").exists():
        return
    project = _project("requalification-de-la-rue-jean-jaures")
    round_ = _new_round(
        project=project,
        slug="rue-jean-jaures-trottoirs",
        title="Première phase : trottoirs et plantations",
        question="Qu'attendez-vous des nouveaux trottoirs de la rue Jean-Jaurès ?",
        context="Première phase des travaux : du carrefour de la mairie à la cité 5.",
        moderation=ModerationMode.AFTER,
        author=people["equipe"],
        options=["Des arbres d'alignement", "Des trottoirs plus larges, sans arbres"],
    )
    options = list(round_.options.all())
    bodies = {
        "marie": "Des bancs tous les 100 mètres : on ne peut pas aller à pied au centre sans "
        "s'asseoir quand on a 80 ans.",
        "karim": "Des arbres, mais qui ne soulèvent pas le trottoir comme rue Pasteur.",
        "theo": "Supprimer toutes les places de stationnement de la rue.",
        "nadia": "Des bateaux (trottoirs abaissés) à chaque passage piéton, pour les poussettes.",
    }
    contributions = {
        name: contribution_submit(consultation=round_, author=people[name], body=body)
        for name, body in bodies.items()
    }
    contribution_answer(
        contribution=contributions["theo"],
        actor=people["equipe"],
        answer="Les commerces ont besoin de quelques places : nous en étudions la réduction.",
    )
    for name, option in zip(RESIDENTS, [0, 0, 1, 0, 0], strict=True):
        vote_cast(consultation=round_, voter=people[name], option=options[option])
    _move(round_, opens_in_days=-70, closes_in_days=-40)
    synthesis_publish(
        consultation=round_,
        author=people["equipe"],
        body=(
            "### Ce que nous avons entendu\n\n"
            "Quarante habitants sont venus à la balade urbaine, et vos contributions en ligne "
            "disent la même chose : **marcher doit redevenir agréable**.\n\n"
            "### Ce que nous faisons\n\n"
            "- des arbres d'alignement (choix de 80 % des votants), avec des fosses qui "
            "protègent le trottoir ;\n"
            "- un banc tous les 100 mètres ;\n"
            "- des trottoirs abaissés à chaque passage piéton."
        ),
        outcomes={
            contributions["marie"].pk: ("yes", "Onze bancs sont prévus sur la première phase."),
            contributions["karim"].pk: (
                "yes",
                "Des fosses d'arbres renforcées ont été choisies pour protéger le trottoir.",
            ),
            contributions["nadia"].pk: (
                "partly",
                "Abaissés aux passages principaux ; deux passages restent à l'étude.",
            ),
            contributions["theo"].pk: (
                "no",
                "Les commerces de la rue ont besoin de stationnement de courte durée.",
            ),
        },
    )
    Synthesis.objects.filter(consultation=round_).update(
        published_at=timezone.now() - timedelta(days=25)
    )
    update, _ = ProjectUpdate.objects.get_or_create(
        project=project,
        title="Ce qui a changé grâce à vous : des bancs et des trottoirs abaissés",
        defaults={
            "body": (
                "Suite à la concertation sur la première phase, le plan intègre un banc tous "
                "les 100 mètres et des trottoirs abaissés aux passages piétons."
            ),
            "author": people["equipe"],
            "published_at": timezone.now() - timedelta(days=20),
        },
    )
    update.cited_contributions.add(contributions["marie"], contributions["nadia"])
    stdout.write(f"  concertation avec synthèse publiée : {round_.title}")


def seed(*, stdout) -> None:
    people = _people()
    if people is None:
        stdout.write("Concertations : comptes de démonstration absents, rien à créer.")
        return
    stdout.write("Concertations de démonstration")
    _open_round(people, stdout)
    _upcoming_round(people, stdout)
    _closed_round(people, stdout)
    _round_with_synthesis(people, stdout)
