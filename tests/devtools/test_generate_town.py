"""The benchmark town generator: refuses SQLite, fills every table believably, and the report
computed on it is consistent with the rows."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.models import F

from citizens.models import User
from consultations.models import Consultation, Contribution, Synthesis, Vote
from moderation.models import ModerationLog
from projects.models import Comment, Project, ProjectUpdate, StatusChange, Support
from reports.periods import EVERYTHING
from reports.scopes import TOWN, Scope
from reports.selectors import period_for_preset, report_compute

pytestmark = pytest.mark.django_db


def test_refuses_to_run_on_sqlite(monkeypatch):
    settings_dict = connections["default"].settings_dict
    monkeypatch.setitem(settings_dict, "ENGINE", "django.db.backends.sqlite3")
    with pytest.raises(CommandError, match="refuses to run on SQLite"):
        call_command("generate_town", residents=50)


def test_refuses_a_database_with_users_unless_flushed(resident):
    with pytest.raises(CommandError, match="--flush"):
        call_command("generate_town", residents=50)


def test_generates_a_believable_town_and_the_report_adds_up():
    call_command(
        "generate_town",
        residents=400,
        years=3,
        seed=7,
        flush=True,
        contributions=3000,
        comments=2000,
        votes=1500,
        supports=1500,
        follows=500,
        projects=60,
    )
    residents = User.objects.filter(is_staff=False, groups__isnull=True)
    assert residents.count() == 400
    assert Contribution.objects.count() == 3000
    assert Comment.objects.count() == 2000
    assert 0 < Vote.objects.count() <= 1500  # one vote per resident and round
    # Projects in every status, with the StatusChange rows that led there.
    assert set(Project.objects.values_list("status", flat=True)) >= {
        "proposed",
        "under_study",
        "in_consultation",
        "decided",
        "declined",
    }
    assert StatusChange.objects.filter(to_status="declined").exclude(answer="").exists()
    # Rounds, answers, outcomes, syntheses, updates that cite contributions, moderation.
    assert Consultation.objects.exists() and Synthesis.objects.exists()
    assert set(Contribution.objects.values_list("state", flat=True)) == {
        "pending",
        "published",
        "rejected",
        "hidden",
    }
    assert Contribution.objects.filter(answered_at__isnull=False).exists()
    assert Contribution.objects.exclude(outcome="").exists()
    assert Comment.objects.filter(by_team=True, parent__isnull=False).exists()
    assert ProjectUpdate.objects.exists()
    assert ModerationLog.objects.filter(automatic=True).exists()
    # A resident acts after joining (up to the rounding of the first instants).
    late = Contribution.objects.filter(author__date_joined__gt=F("created_at")).count()
    assert late <= 3000 * 0.01

    data = report_compute(scope=Scope(TOWN), period=period_for_preset(EVERYTHING))
    totals = data["participation"]["totals"]
    assert (
        totals["contributions"]
        == Contribution.objects.filter(state__in=["pending", "published"]).count()
    )
    assert totals["supports"] == Support.objects.count()
    assert 0 < data["reach"]["participants"] <= 400
    assert sum(b["votes"] for b in data["participation"]["buckets"]) == Vote.objects.count()


def test_hot_spots_and_notifications():
    """The popular project and the round closing under a rush that `make bench` measures, and
    the notifications residents were sent."""
    from django.utils import timezone

    from citizens.models import Notification

    call_command(
        "generate_town",
        residents=300,
        years=2,
        seed=3,
        flush=True,
        contributions=800,
        comments=600,
        votes=300,
        supports=300,
        follows=400,
        projects=40,
        hot_comments=400,
        hot_contributions=900,
    )
    popular = Project.objects.order_by("-comment_count").first()
    assert popular.status == "in_consultation"
    assert Comment.objects.filter(project=popular).count() >= 400
    assert Comment.objects.filter(project=popular, parent__isnull=False).count() >= 100
    rush = Consultation.objects.order_by("-contribution_count").first()
    assert rush.project_id == popular.pk
    assert rush.state_at() == "open"
    assert timezone.now() < rush.closes_at < timezone.now() + timezone.timedelta(days=3)
    assert rush.contributions.count() >= 900
    # The counters the services keep match the rows.
    assert rush.contribution_count == rush.contributions.filter(state="published").count()
    assert rush.vote_count == Vote.objects.filter(consultation=rush).count()
    # Notifications: replies to one's comments, news of followed projects; older ones read.
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"comment_reply", "project_update", "project_status"} <= kinds
    assert not Notification.objects.filter(recipient=F("actor"), kind="comment_reply").exists()
    assert Notification.objects.filter(read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=False).exists()


def test_the_content_log_triggers_are_on_again_after_generating():
    """They are off while the town is made (a generated town starts at version 0) and back
    on afterwards: a comment posted then changes its project's version."""
    from pagecache.models import ContentChange
    from pagecache.versions import content_version
    from projects.cached_pages import PROJECT
    from tests.factories import CommentFactory

    call_command(
        "generate_town", residents=60, years=1, seed=5, flush=True, projects=30, comments=50
    )
    assert not ContentChange.objects.exists()
    project = Project.objects.first()
    CommentFactory(project=project)
    assert content_version(PROJECT, project.pk) > 0
