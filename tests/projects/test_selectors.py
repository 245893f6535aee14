"""Reads: filters, sorts, French full-text search, visible comments, the timeline."""

from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from moderation import services as moderation_services
from projects import selectors, services
from projects.models import Category, Origin, Project, Status
from projects.selectors import CommentOrder, ProjectFilters, Sort
from tests.factories import (
    CommentFactory,
    ContributionFactory,
    NeighbourhoodFactory,
    ProjectFactory,
    ProjectUpdateFactory,
)

pytestmark = pytest.mark.django_db


def titles(filters: ProjectFilters) -> list[str]:
    return [p.title for p in selectors.project_list(filters=filters)]


# --- filters and sorts ---------------------------------------------------------------------


def test_each_filter_narrows_the_list_and_hidden_projects_never_show():
    centre = NeighbourhoodFactory(name="Centre", slug="centre")
    ProjectFactory(title="Rue", category=Category.ROADS, neighbourhood=centre)
    ProjectFactory(title="Concert", category=Category.CULTURE, status=Status.DECIDED)
    ProjectFactory(title="Bancs", category=Category.PUBLIC_SPACES, origin=Origin.RESIDENT)
    ProjectFactory(title="Caché", category=Category.ROADS, is_hidden=True)

    assert sorted(titles(ProjectFilters())) == ["Bancs", "Concert", "Rue"]
    assert titles(ProjectFilters(category=Category.ROADS)) == ["Rue"]
    assert titles(ProjectFilters(status=Status.DECIDED)) == ["Concert"]
    assert titles(ProjectFilters(neighbourhood=centre)) == ["Rue"]
    assert titles(ProjectFilters(origin=Origin.RESIDENT)) == ["Bancs"]
    assert titles(ProjectFilters(category=Category.ROADS, origin=Origin.RESIDENT)) == []


def test_sorts_recent_most_supported_most_discussed():
    now = timezone.now()
    ProjectFactory(title="Ancien", created_at=now - timedelta(days=3), support_count=9)
    ProjectFactory(title="Moyen", created_at=now - timedelta(days=2), comment_count=7)
    ProjectFactory(title="Récent", created_at=now - timedelta(days=1))
    assert titles(ProjectFilters()) == ["Récent", "Moyen", "Ancien"]
    assert titles(ProjectFilters(sort=Sort.SUPPORTED)) == ["Ancien", "Récent", "Moyen"]
    assert titles(ProjectFilters(sort=Sort.DISCUSSED)) == ["Moyen", "Récent", "Ancien"]
    # Relevance without a search falls back to the most recent.
    assert titles(ProjectFilters(sort=Sort.RELEVANCE)) == ["Récent", "Moyen", "Ancien"]


def test_pages_hold_20_projects_and_a_bad_page_is_a_404():
    ProjectFactory.create_batch(21)
    page = selectors.project_list_page(filters=ProjectFilters(), page="2")
    assert (len(page.object_list), page.paginator.num_pages) == (1, 2)
    for bad in ["3", "0", "-1", "abc", "1.5", "9" * 40]:
        with pytest.raises(Http404):
            selectors.project_list_page(filters=ProjectFilters(), page=bad)


# --- search --------------------------------------------------------------------------------


@pytest.fixture
def town_projects():
    return {
        "school": ProjectFactory(
            title="Rénovation de l'école Basly",
            summary="Des classes plus lumineuses.",
            body="Isolation et cour végétalisée.",
        ),
        "canteen": ProjectFactory(
            title="Cantine 100 % bio",
            summary="Des repas bio pour les écoles.",
            body="Avec les maraîchers locaux.",
        ),
        "street": ProjectFactory(
            title="Requalification de la rue Jean Jaurès",
            summary="Trottoirs élargis.",
            body="Près de l'école, une zone 30.",
        ),
    }


def search(q: str, **kwargs) -> list[str]:
    return [p.title for p in selectors.project_list(filters=ProjectFilters(q=q, **kwargs))]


def test_search_is_french_stemmed_and_ranks_title_before_summary_before_body(town_projects):
    # "écoles" and "école" share their French stem; the title match comes first (weight A),
    # then the summary (B), then the body (C).
    assert search("écoles") == [
        "Rénovation de l'école Basly",
        "Cantine 100 % bio",
        "Requalification de la rue Jean Jaurès",
    ]


def test_search_ignores_accents(town_projects):
    assert search("ecole basly") == ["Rénovation de l'école Basly"]
    assert search("JAURES") == ["Requalification de la rue Jean Jaurès"]
    assert search("maraichers") == ["Cantine 100 % bio"]
    assert search("vegetalisee") == ["Rénovation de l'école Basly"]


def test_search_understands_web_search_syntax(town_projects):
    assert set(search("école -cantine")) == {
        "Rénovation de l'école Basly",
        "Requalification de la rue Jean Jaurès",
    }
    assert search('"zone 30"') == ["Requalification de la rue Jean Jaurès"]
    assert search("école OR trottoirs")[0] == "Rénovation de l'école Basly"


def test_the_search_vector_follows_edits(town_projects):
    street = town_projects["street"]
    assert search("piétonne") == []
    street.body = "Une rue piétonne le dimanche."
    street.save()
    assert search("piétonne") == ["Requalification de la rue Jean Jaurès"]
    # Counter updates (update_fields) keep the vector.
    Project.objects.filter(pk=street.pk).update(support_count=3)
    assert search("piétonne") == ["Requalification de la rue Jean Jaurès"]


def test_search_uses_the_gin_index_and_the_trigger_exists():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'project_search_idx'")
        [indexdef] = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_trigger"
            " WHERE tgname = 'projects_project_search_vector_trigger'"
        )
        [triggers] = cursor.fetchone()
    assert "gin (search_vector)" in indexdef
    assert triggers == 1


def test_search_combines_with_filters_and_odd_queries_find_nothing_without_error(
    town_projects,
):
    assert len(search("écoles", category=Category.ROADS)) == 3
    assert search("écoles", category=Category.CULTURE) == []
    for odd in ['"', "&&& !!!", "-", "()", "a" * 500, "' OR 1=1 --", "<script>"]:
        search(odd)  # never raises


def test_without_postgresql_search_falls_back_to_a_plain_match(town_projects, monkeypatch):
    class SQLite:
        vendor = "sqlite"

    monkeypatch.setattr(selectors, "connection", SQLite())
    assert sorted(search("école")) == [
        "Cantine 100 % bio",
        "Requalification de la rue Jean Jaurès",
        "Rénovation de l'école Basly",
    ]
    assert search("ecole") == []  # no accent folding without PostgreSQL
    assert search("LUMINEUSES") == ["Rénovation de l'école Basly"]


def test_hidden_projects_are_not_found(town_projects):
    Project.objects.filter(pk=town_projects["school"].pk).update(is_hidden=True)
    assert "Rénovation de l'école Basly" not in search("école")


# --- the map -------------------------------------------------------------------------------


def test_markers_only_for_located_projects():
    located = ProjectFactory(title="Square", latitude="50.457100", longitude="2.792300")
    ProjectFactory(title="Partout")
    markers = selectors.project_map_markers(Project.objects.order_by("pk"))
    assert markers == [
        {
            "title": "Square",
            "url": located.get_absolute_url(),
            "lat": 50.4571,
            "lng": 2.7923,
            "status": "À l'étude",
        }
    ]


# --- comments ------------------------------------------------------------------------------


def comment_ids(project, user, order=CommentOrder.NEWEST, page=1):
    result = selectors.project_comments_page(project=project, user=user, order=order, page=page)
    return [c.pk for c in result.object_list]


def test_deleted_or_hidden_comments_stay_as_placeholders_only_while_they_have_replies(
    project, resident, other_resident, team_member
):
    lonely = services.comment_post(project=project, author=resident, body="Seul")
    with_reply = services.comment_post(project=project, author=resident, body="Avec réponse")
    services.comment_post(project=project, author=other_resident, body="R", parent=with_reply)
    hidden = services.comment_post(project=project, author=other_resident, body="Insulte")
    services.comment_delete(comment=lonely, actor=resident)
    services.comment_delete(comment=with_reply, actor=resident)
    moderation_services.item_hide(item=hidden, actor=team_member, reason="Insulte")

    from django.contrib.auth.models import AnonymousUser

    assert comment_ids(project, AnonymousUser()) == [with_reply.pk]
    # The author of the hidden comment still sees it (with the reason, on the page).
    assert comment_ids(project, other_resident) == [hidden.pk, with_reply.pk]


def test_comments_come_newest_or_oldest_first_20_a_page_with_bounded_replies(
    project, resident, other_resident
):
    now = timezone.now()
    comments = [
        CommentFactory(project=project, author=resident, created_at=now - timedelta(hours=i))
        for i in range(25)
    ]
    first = comments[0]
    for i in range(selectors.REPLIES_SHOWN + 3):
        CommentFactory(
            project=project,
            parent=first,
            author=other_resident,
            created_at=now + timedelta(minutes=i),
        )
    page = selectors.project_comments_page(project=project, user=resident, page=1)
    assert [c.pk for c in page.object_list] == [c.pk for c in comments[:20]]
    assert len(page.object_list[0].shown_replies) == selectors.REPLIES_SHOWN
    assert comment_ids(project, resident, order=CommentOrder.OLDEST)[0] == comments[-1].pk
    assert comment_ids(project, resident, page=2) == [c.pk for c in comments[20:]]
    with pytest.raises(Http404):
        comment_ids(project, resident, page=3)


def test_a_comment_page_number_follows_the_order(project, resident):
    now = timezone.now()
    comments = [
        CommentFactory(project=project, author=resident, created_at=now - timedelta(hours=i))
        for i in range(25)
    ]
    oldest, newest = comments[-1], comments[0]
    assert selectors.comment_page_number(comment=newest) == 1
    assert selectors.comment_page_number(comment=oldest) == 2
    assert selectors.comment_page_number(comment=oldest, order=CommentOrder.OLDEST) == 1


# --- the timeline --------------------------------------------------------------------------


def test_timeline_interleaves_status_changes_and_updates_with_what_they_cite(team_member, resident):
    project = ProjectFactory(status=Status.PROPOSED)
    cited = services.comment_post(project=project, author=resident, body="Des arbres !")
    hidden = services.comment_post(project=project, author=resident, body="Insulte")
    moderation_services.item_hide(item=hidden, actor=team_member, reason="Insulte")
    services.project_change_status(
        project=project, actor=team_member, to_status=Status.UNDER_STUDY, answer="On étudie."
    )
    update = ProjectUpdateFactory(project=project, published_at=timezone.now() + timedelta(1))
    update.cited_comments.set([cited, hidden])
    contribution = ContributionFactory(consultation__project=project)
    rejected = ContributionFactory(consultation__project=project, state="rejected")
    contribution.cited_in_updates.add(update)
    rejected.cited_in_updates.add(update)

    entries = selectors.project_timeline(project=project)
    assert [e.kind for e in entries] == ["update", "status"]
    assert list(entries[0].item.cited_comments.all()) == [cited]
    assert [c.item for c in entries[0].citations] == [contribution]
    assert entries[1].item.answer == "On étudie."
