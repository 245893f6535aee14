"""The team's back office: lifecycle with official answers, hiding with reasons, updates
citing comments, comment moderation; everything through the services and the log."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType

from moderation.models import ModerationLog
from projects import services
from projects.models import Comment, CommentState, Project, ProjectUpdate, Status, StatusChange
from tests.conftest import login
from tests.factories import CommentFactory, ProjectFactory, ProjectUpdateFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    "role,status",
    [("team", 200), ("superuser", 200), ("mayors_office", 302), ("resident", 302)],
)
def test_only_the_team_reaches_the_projects_admin(people, role, status):
    user = people[role]
    client = login(user)
    for url in ["/admin/projects/project/", "/admin/projects/comment/"]:
        assert client.get(url).status_code == status


def test_team_member_sees_projects_in_the_admin_index(team_client):
    html = text(team_client.get("/admin/"))
    assert "/admin/projects/project/" in html
    assert "/admin/projects/comment/" in html


def test_admin_lists_escape_what_residents_wrote(team_client):
    ProjectFactory(title="<script>alert('titre')</script>")
    CommentFactory(body="<img src=x onerror=alert(1)>")
    for url in ["/admin/projects/project/", "/admin/projects/comment/"]:
        html = text(team_client.get(url))
        assert "<script>alert('titre')" not in html
        assert "<img src=x onerror" not in html
    assert "&lt;script&gt;alert(&#x27;titre&#x27;)&lt;/script&gt;" in text(
        team_client.get("/admin/projects/project/")
    )


def test_list_filters_and_search(team_client):
    ProjectFactory(title="Rue Jean Jaurès", status=Status.DECIDED)
    ProjectFactory(title="Saison culturelle", status=Status.PROPOSED, is_hidden=True)
    html = text(team_client.get("/admin/projects/project/", {"status__exact": "decided"}))
    assert "Rue Jean Jaurès" in html and "Saison culturelle" not in html
    html = text(team_client.get("/admin/projects/project/", {"is_hidden__exact": "1"}))
    assert "Saison culturelle" in html and "Rue Jean Jaurès" not in html
    html = text(team_client.get("/admin/projects/project/", {"q": "jaurès"}))
    assert "Rue Jean Jaurès" in html and "Saison culturelle" not in html


# --- status -------------------------------------------------------------------------------


def test_status_form_offers_only_allowed_transitions(team_client):
    project = ProjectFactory(status=Status.UNDER_STUDY)
    html = text(team_client.get(f"/admin/projects/project/{project.pk}/etat/"))
    assert 'value="in_consultation"' in html and 'value="decided"' in html
    assert 'value="declined"' in html and 'value="completed"' not in html
    response = team_client.post(
        f"/admin/projects/project/{project.pk}/etat/",
        {"to_status": "completed", "answer": "Fini"},
    )
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.status == Status.UNDER_STUDY


def test_declining_in_the_admin_requires_the_official_answer(team_client, team_member):
    project = ProjectFactory(status=Status.PROPOSED)
    url = f"/admin/projects/project/{project.pk}/etat/"
    response = team_client.post(url, {"to_status": "declined", "answer": "  "})
    assert response.status_code == 400
    assert "Expliquez publiquement pourquoi" in text(response)
    assert not StatusChange.objects.exists()

    response = team_client.post(url, {"to_status": "declined", "answer": "Site protégé."})
    assert response.status_code == 302
    change = StatusChange.objects.get()
    assert (change.to_status, change.answer, change.author) == (
        "declined",
        "Site protégé.",
        team_member,
    )
    project.refresh_from_db()
    assert project.status == Status.DECLINED


def test_status_cannot_be_changed_through_the_change_form(team_client):
    project = ProjectFactory(status=Status.PROPOSED)
    html = text(team_client.get(f"/admin/projects/project/{project.pk}/change/"))
    assert 'name="status"' not in html
    assert f"/admin/projects/project/{project.pk}/etat/" in html


def test_saving_the_change_form_never_overwrites_counters(team_client, resident):
    project = ProjectFactory(title="Ancien titre", summary="Résumé", status=Status.PROPOSED)
    form_page = team_client.get(f"/admin/projects/project/{project.pk}/change/")
    assert form_page.status_code == 200
    services.support_add(project=project, user=resident)  # meanwhile, a resident supports
    data = {
        "title": "Nouveau titre",
        "summary": "Résumé",
        "body": project.body,
        "category": project.category,
        "neighbourhood": "",
        "origin": project.origin,
        "latitude": "",
        "longitude": "",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    response = team_client.post(f"/admin/projects/project/{project.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    project.refresh_from_db()
    assert (project.title, project.support_count) == ("Nouveau titre", 1)


# --- hiding --------------------------------------------------------------------------------


def test_hiding_from_the_project_page_of_the_admin_needs_a_reason(team_client, team_member):
    project = ProjectFactory()
    url = f"/admin/projects/project/{project.pk}/visibilite/"
    assert team_client.post(url, {"reason": ""}).status_code == 400
    assert team_client.post(url, {"reason": "Doublon"}).status_code == 302
    project.refresh_from_db()
    assert (project.is_hidden, project.hidden_reason) == (True, "Doublon")
    assert team_client.post(url, {"reason": "Fusionné"}).status_code == 302
    project.refresh_from_db()
    assert not project.is_hidden
    assert list(ModerationLog.objects.order_by("pk").values_list("action", "reason")) == [
        ("hide", "Doublon"),
        ("restore", "Fusionné"),
    ]


def test_bulk_hide_asks_for_the_reason_first(team_client):
    projects = ProjectFactory.create_batch(2)
    data = {"action": "hide_projects", ACTION_CHECKBOX_NAME: [p.pk for p in projects]}
    response = team_client.post("/admin/projects/project/", data)
    assert response.status_code == 200
    assert "Ces projets disparaîtront des pages publiques" in text(response)
    assert not Project.objects.filter(is_hidden=True).exists()

    response = team_client.post("/admin/projects/project/", {**data, "apply": "yes", "reason": ""})
    assert response.status_code == 400  # the form again, with its error
    assert not Project.objects.filter(is_hidden=True).exists()

    response = team_client.post(
        "/admin/projects/project/", {**data, "apply": "yes", "reason": "Hors sujet"}
    )
    assert response.status_code == 302
    assert Project.objects.filter(is_hidden=True).count() == 2
    assert ModerationLog.objects.filter(action="hide", reason="Hors sujet").count() == 2


# --- comments ------------------------------------------------------------------------------


def test_comments_are_hidden_and_restored_with_a_reason_through_the_services(team_client, resident):
    project = ProjectFactory()
    comment = services.comment_post(project=project, author=resident, body="Insulte")
    data = {"action": "hide_comments", ACTION_CHECKBOX_NAME: [comment.pk]}
    response = team_client.post("/admin/projects/comment/", data)
    assert "Ces commentaires disparaîtront" in text(response)
    team_client.post("/admin/projects/comment/", {**data, "apply": "yes", "reason": "Insulte"})
    comment.refresh_from_db()
    project.refresh_from_db()
    assert (comment.state, comment.moderation_reason, project.comment_count) == (
        CommentState.HIDDEN,
        "Insulte",
        0,
    )
    data = {"action": "restore_comments", ACTION_CHECKBOX_NAME: [comment.pk]}
    team_client.post("/admin/projects/comment/", {**data, "apply": "yes", "reason": "Erreur"})
    comment.refresh_from_db()
    project.refresh_from_db()
    assert (comment.state, project.comment_count) == (CommentState.PUBLISHED, 1)
    logs = ModerationLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Comment)
    ).order_by("pk")
    assert [(log.action, log.reason) for log in logs] == [
        ("hide", "Insulte"),
        ("restore", "Erreur"),
    ]


def test_the_team_cannot_add_edit_or_delete_comments_in_the_admin(team_client):
    comment = CommentFactory(body="Mon avis")
    assert team_client.get("/admin/projects/comment/add/").status_code == 403
    assert team_client.get(f"/admin/projects/comment/{comment.pk}/delete/").status_code == 403
    team_client.post(f"/admin/projects/comment/{comment.pk}/change/", {"body": "Réécrit"})
    comment.refresh_from_db()
    assert comment.body == "Mon avis"


# --- updates -------------------------------------------------------------------------------


def change_form_data(project, **extra):
    data = {
        "title": project.title,
        "summary": project.summary,
        "body": project.body,
        "category": project.category,
        "neighbourhood": "",
        "origin": project.origin,
        "latitude": "",
        "longitude": "",
        "updates-TOTAL_FORMS": "1",
        "updates-INITIAL_FORMS": "0",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_an_update_posted_inline_cites_comments_through_the_service(
    team_client, team_member, resident
):
    project = ProjectFactory()
    cited = services.comment_post(project=project, author=resident, body="Des arbres !")
    response = team_client.post(
        f"/admin/projects/project/{project.pk}/change/",
        change_form_data(
            project,
            **{
                "updates-0-title": "Six arbres plantés",
                "updates-0-body": "Grâce à vous.",
                "updates-0-cited_comments": [cited.pk],
                "updates-0-published_at_0": "01/03/2027",
                "updates-0-published_at_1": "10:00:00",
            },
        ),
    )
    assert response.status_code == 302
    update = ProjectUpdate.objects.get()
    assert (update.title, update.author) == ("Six arbres plantés", team_member)
    assert list(update.cited_comments.all()) == [cited]


def test_an_update_cannot_cite_another_projects_comment(team_client):
    project = ProjectFactory()
    elsewhere = CommentFactory()
    response = team_client.post(
        f"/admin/projects/project/{project.pk}/change/",
        change_form_data(
            project,
            **{
                "updates-0-title": "Titre",
                "updates-0-body": "Texte",
                "updates-0-cited_comments": [elsewhere.pk],
                "updates-0-published_at_0": "01/03/2027",
                "updates-0-published_at_1": "10:00:00",
            },
        ),
    )
    assert response.status_code == 200
    assert "Ne citez que des commentaires de ce projet." in text(response)
    assert not ProjectUpdate.objects.exists()


def test_cited_comment_autocomplete_offers_live_comments_of_the_edited_project(team_client):
    project = ProjectFactory()
    live = CommentFactory(project=project, body="Des bancs")
    CommentFactory(project=project, body="Des bancs cachés", state=CommentState.HIDDEN)
    CommentFactory(project=project, body="Des bancs supprimés", is_deleted=True)
    CommentFactory(body="Des bancs ailleurs")
    ProjectUpdateFactory(project=project)
    response = team_client.get(
        "/admin/autocomplete/",
        {
            "term": "bancs",
            "app_label": "projects",
            "model_name": "projectupdate",
            "field_name": "cited_comments",
        },
        HTTP_REFERER=f"http://testserver/admin/projects/project/{project.pk}/change/",
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(live.pk)]
