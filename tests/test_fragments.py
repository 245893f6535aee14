"""Cached fragments (pagecache) are never stale: every kind of write, whether through
a service, the admin's bulk UPDATE or a plain SQL statement, shows on the next request,
because PostgreSQL triggers change the versions the fragments are keyed by."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citizens.models import Neighbourhood, User
from consultations.models import Contribution, Option
from projects import services
from projects.models import Comment, Project
from tests.conftest import login
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    ContributionFactory,
    FlagFactory,
    OptionFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    ResidentFactory,
    SynthesisFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def page(path: str, client: Client | None = None) -> str:
    response = (client or Client()).get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def queries(path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        Client().get(path)
    return len(captured.captured_queries)


def contribution(round_, **kwargs) -> Contribution:
    """A published contribution with the round's counter kept, as the services do."""
    item = ContributionFactory(consultation=round_, **kwargs)
    type(round_).objects.filter(pk=round_.pk).update(
        contribution_count=round_.contributions.filter(state="published").count()
    )
    return item


# --- the project page ----------------------------------------------------------------------


def test_project_page_is_served_from_the_cache_the_second_time():
    project = ProjectFactory()
    CommentFactory.create_batch(3, project=project)
    path = project.get_absolute_url()
    first = queries(path)
    second = queries(path)
    assert second < first
    assert page(path).count('id="commentaire-') == 3


def test_project_page_shows_each_kind_of_comment_change():
    project = ProjectFactory()
    resident = ResidentFactory(display_name="Lucie Martin")
    path = project.get_absolute_url()
    assert "Pas encore de commentaire" in page(path)

    comment = services.comment_post(project=project, author=resident, body="Premier avis")
    assert "Premier avis" in page(path)

    # The admin's bulk actions and hand-made SQL go around the services.
    Comment.objects.filter(pk=comment.pk).update(body="Avis corrigé")
    assert "Avis corrigé" in page(path)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE projects_comment SET state = 'hidden' WHERE id = %s", [comment.pk])
    assert "Avis corrigé" not in page(path)
    Comment.objects.filter(pk=comment.pk).update(state="published")
    assert "Lucie Martin" in page(path)

    User.objects.filter(pk=resident.pk).update(display_name="Lucie M.")
    html = page(path)
    assert "Lucie M." in html and "Lucie Martin" not in html

    Comment.objects.filter(pk=comment.pk).delete()
    assert "Avis corrigé" not in page(path)


def test_project_page_shows_new_updates_and_text():
    project = ProjectFactory(body="Texte initial")
    path = project.get_absolute_url()
    assert "Texte initial" in page(path)
    Project.objects.filter(pk=project.pk).update(body="Texte **revu**")
    assert "<strong>revu</strong>" in page(path)
    ProjectUpdateFactory(project=project, title="Le chantier démarre")
    assert "Le chantier démarre" in page(path)


def test_logged_in_readers_see_their_own_links_not_a_cached_page():
    project = ProjectFactory()
    author = ResidentFactory()
    services.comment_post(project=project, author=author, body="Mon avis")
    path = project.get_absolute_url()
    assert "Modifier" not in page(path)  # cached for visitors
    assert "Modifier" in page(path, login(author))


# --- the round page ------------------------------------------------------------------------


def test_round_page_shows_each_kind_of_contribution_change():
    round_ = ConsultationFactory()
    option = OptionFactory(consultation=round_, label="Des arbres")
    author = ResidentFactory(display_name="Karim B.")
    path = round_.get_absolute_url()
    assert "Aucune contribution publiée" in page(path)

    item = contribution(round_, author=author, body="Plus d'ombre", option=option)
    html = page(path)
    assert "Plus d&#x27;ombre" in html and "Karim B." in html and "Des arbres" in html
    assert queries(path) < 4  # now from the cache

    Option.objects.filter(pk=option.pk).update(label="Des arbres fruitiers")
    assert "Des arbres fruitiers" in page(path)
    User.objects.filter(pk=author.pk).update(display_name="Karim Benali")
    assert "Karim Benali" in page(path)
    Contribution.objects.filter(pk=item.pk).update(answer="L'équipe étudie votre idée.")
    assert "L&#x27;équipe étudie votre idée." in page(path)
    Contribution.objects.filter(pk=item.pk).update(state="hidden")
    assert "Plus d&#x27;ombre" not in page(path)


def test_round_page_follows_the_clock():
    opens = timezone.now() + timedelta(hours=1)
    round_ = ConsultationFactory(opens_at=opens, closes_at=opens + timedelta(days=7))
    path = round_.get_absolute_url()
    assert "ouvriront avec la concertation." in page(path)
    with time_machine.travel(opens + timedelta(minutes=1), tick=False):
        assert "Aucune contribution publiée pour le moment." in page(path)


def test_project_page_follows_its_rounds_and_its_author():
    author = ResidentFactory(display_name="Josiane D.")
    project = ProjectFactory(origin="resident", author=author)
    opens = timezone.now() + timedelta(hours=1)
    round_ = ConsultationFactory(
        project=project, opens_at=opens, closes_at=opens + timedelta(days=2)
    )
    path = project.get_absolute_url()
    html = page(path)
    assert "Josiane D." in html and "À venir" in html
    with time_machine.travel(opens + timedelta(minutes=1), tick=False):
        assert "Ouverte jusqu" in page(path)
    User.objects.filter(pk=author.pk).update(display_name="Josiane Dupont")
    assert "Josiane Dupont" in page(path)
    type(round_).objects.filter(pk=round_.pk).update(title="Concertation renommée")
    assert "Concertation renommée" in page(path)
    # Closed, then its synthesis is published at a set time: the state follows the clock.
    closed = opens + timedelta(days=3)
    SynthesisFactory(consultation=round_, published_at=closed + timedelta(days=1))
    with time_machine.travel(closed, tick=False):
        assert "Close depuis le" in page(path)
    with time_machine.travel(closed + timedelta(days=1, minutes=1), tick=False):
        assert "Close, synthèse publiée" in page(path)


def test_round_page_follows_its_project_synthesis_and_results():
    opens = timezone.now() - timedelta(days=10)
    round_ = ConsultationFactory(opens_at=opens, closes_at=opens + timedelta(days=5))
    option = OptionFactory(consultation=round_, label="Un jardin")
    path = round_.get_absolute_url()
    assert round_.project.title in page(path)
    Project.objects.filter(pk=round_.project_id).update(title="Projet renommé")
    assert "Projet renommé" in page(path)
    Option.objects.filter(pk=option.pk).update(vote_count=7)
    assert "7 votes exprimés" in page(path)
    SynthesisFactory(consultation=round_, body="Ce que nous avons **entendu**")
    assert "<strong>entendu</strong>" in page(path)


def test_one_shared_list_with_each_readers_own_flag_links():
    """Logged-in readers share the cached list of contributions; the flag links are theirs:
    none on their own contribution, "already flagged" where they flagged, none for an
    account without a verified address, none for visitors."""
    round_ = ConsultationFactory()
    author, flagger, other = ResidentFactory(), ResidentFactory(), ResidentFactory()
    mine = contribution(round_, author=author, body="Ma contribution")
    path = round_.get_absolute_url()
    flag_url = f"/signaler/contribution/{mine.pk}/"
    assert flag_url in page(path, login(flagger))  # renders and caches the list
    assert flag_url not in page(path, login(author))
    assert flag_url not in page(path)  # a visitor
    assert flag_url not in page(path, login(UserFactory(verified=False)))  # not verified
    FlagFactory(item=mine, reporter=flagger, reason="spam")
    html = page(path, login(flagger))
    assert flag_url not in html and "Vous avez signalé cette contribution." in html
    html = page(path, login(other))
    assert flag_url in html and "Vous avez signalé" not in html


# --- lists: home and /projets/ -------------------------------------------------------------


def test_home_follows_writes_anywhere_and_the_clock():
    project = ProjectFactory(title="Place du marché", support_count=0)
    assert "Place du marché" in page("/")
    assert queries("/") <= 2
    services.support_add(project=project, user=ResidentFactory())
    assert "1 soutien" in page("/")
    Project.objects.filter(pk=project.pk).update(title="Place du marché couvert")
    assert "Place du marché couvert" in page("/")

    opens = timezone.now() + timedelta(hours=2)
    ConsultationFactory(title="Concertation sur le parc", opens_at=opens)
    assert "Concertation sur le parc" not in page("/")
    with time_machine.travel(opens + timedelta(minutes=1), tick=False):
        assert "Concertation sur le parc" in page("/")


def test_home_is_not_fooled_by_a_deleted_project():
    """The lists are keyed by the greatest version: deleting the newest project must not
    bring back a key an older list was cached under."""
    older = ProjectFactory(title="Ancien projet")
    page("/")
    newer = ProjectFactory(title="Nouveau projet")
    assert "Nouveau projet" in page("/")
    Project.objects.filter(pk=newer.pk).delete()
    html = page("/")
    assert "Nouveau projet" not in html and older.title in html


def test_project_list_follows_writes_and_renamed_neighbourhoods():
    hood = Neighbourhood.objects.create(name="Cité 5", slug="cite-5", population=100)
    project = ProjectFactory(title="Jardin partagé", neighbourhood=hood)
    assert "Jardin partagé" in page("/projets/?q=jardin")
    assert "Cité 5" in page("/projets/")
    Neighbourhood.objects.filter(pk=hood.pk).update(name="Cité des Provinces")
    assert "Cité des Provinces" in page("/projets/")
    Project.objects.filter(pk=project.pk).update(title="Verger partagé")
    assert "Verger partagé" in page("/projets/?q=verger")
    assert "Jardin partagé" not in page("/projets/")


def test_compacting_the_change_log_keeps_every_version_pages_are_keyed_by():
    from consultations.cached_pages import ROUND
    from pagecache.models import ContentChange
    from pagecache.versions import content_changes_compact, content_version, kind_version
    from projects.cached_pages import PROJECT

    project = ProjectFactory()
    CommentFactory.create_batch(3, project=project)
    round_ = ConsultationFactory()
    contribution(round_)
    before = (
        content_version(PROJECT, project.pk),
        content_version(ROUND, round_.pk),
        kind_version(PROJECT, ROUND),
    )
    assert ContentChange.objects.filter(object_id=project.pk, kind="project").count() > 1
    page(project.get_absolute_url())
    assert content_changes_compact() > 0
    after = (
        content_version(PROJECT, project.pk),
        content_version(ROUND, round_.pk),
        kind_version(PROJECT, ROUND),
    )
    assert after == before
    assert ContentChange.objects.filter(object_id=project.pk, kind="project").count() == 1
    with CaptureQueriesContext(connection) as captured:
        assert page(project.get_absolute_url()).count('id="commentaire-') == 3
    assert len(captured.captured_queries) <= 2  # the same key: still from the cache
    assert content_changes_compact() == 0


def test_project_page_follows_the_name_of_a_cited_contributor():
    project = ProjectFactory()
    author = ResidentFactory(display_name="Nadia K.")
    update = ProjectUpdateFactory(project=project)
    item = contribution(ConsultationFactory(project=project), author=author, body="Un abri")
    item.cited_in_updates.add(update)
    path = project.get_absolute_url()
    assert "Nadia K." in page(path)
    User.objects.filter(pk=author.pk).update(display_name="Nadia Kaci")
    html = page(path)
    assert "Nadia Kaci" in html and "Nadia K.," not in html
    assert "Nadia Kaci" in page(path, login(ResidentFactory()))  # the cached timeline too
