"""The demo town's projects: believable, idempotent, with counters matching their rows."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from projects.models import Comment, Origin, Project, ProjectUpdate, Status

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_towns_projects_once_with_consistent_counters(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    assert "8 créé(s)" in out.getvalue() and "8 déjà là" in out.getvalue()
    # The projects demo's 8, plus the place de la République that the consultations demo adds.
    assert Project.objects.count() == 9

    titles = set(Project.objects.values_list("title", flat=True))
    assert {
        "Requalification de la rue Jean Jaurès",
        "Saison culturelle 2027",
        "Programme solaire : panneaux photovoltaïques chez l'habitant",
        "Cantine scolaire 100 % bio",
    } <= titles
    declined = Project.objects.get(status=Status.DECLINED)
    assert declined.origin == Origin.RESIDENT
    assert declined.status_changes.get(to_status=Status.DECLINED).answer
    assert Project.objects.filter(status=Status.COMPLETED).exists()
    assert Project.objects.exclude(latitude=None).count() >= 5
    assert ProjectUpdate.objects.filter(cited_comments__isnull=False).exists()
    assert Comment.objects.filter(by_team=True).exists()
    assert Comment.objects.filter(parent__isnull=False).exists()

    live = Q(comments__state="published", comments__is_deleted=False)
    for project in Project.objects.annotate(
        supports_n=Count("supports", distinct=True),
        follows_n=Count("follows", distinct=True),
        comments_n=Count("comments", filter=live, distinct=True),
    ):
        assert project.support_count == project.supports_n, project
        assert project.follower_count == project.follows_n, project
        assert project.comment_count == project.comments_n, project
    for comment in Comment.objects.filter(parent=None):
        assert comment.reply_count == comment.replies.count()

    assert client.get("/projets/requalification-de-la-rue-jean-jaures/").status_code == 200
    assert "Saison culturelle 2027" in client.get("/projets/", {"q": "chtis tedx"}).content.decode()
