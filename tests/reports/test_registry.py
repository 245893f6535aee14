"""Apps contribute their figures through citizens.reporting: reports need no edit for them."""

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citizens import reporting as registry
from projects.models import Follow
from reports.indicators import csv_rows, glossary
from reports.scopes import PROJECT, TOWN, Scope
from reports.selectors import report_compute
from tests.factories import FollowFactory, ResidentFactory

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(dt.datetime(2025, 11, 12, 18, 0))


@pytest.fixture
def follows_registered(monkeypatch):
    acts = registry.Acts(
        key="follows",
        queryset=lambda scope, window: registry.within(
            Follow.objects.filter(window.q()), scope.q(project="project")
        ),
        person_field="user_id",
        order=60,
    )
    indicator = registry.Indicator(
        "follows", registry.PARTICIPATION, _("Abonnements"), _("Projets suivis."), order=99
    )
    monkeypatch.setitem(registry._acts, acts.key, acts)
    monkeypatch.setitem(registry._indicators, indicator.key, indicator)


def test_the_apps_register_every_figure_of_the_report_in_reading_order():
    keys = [indicator.key for indicator in registry.indicators()]
    assert keys[:3] == ["rounds_held", "open_days", "updates_posted"]
    assert keys[-1] == "proposals_submitted" and len(keys) == 20
    assert [acts.key for acts in registry.acts()] == [
        "contributions",
        "comments",
        "supports",
        "votes",
        "proposals",
    ]


def test_a_new_kind_of_act_is_counted_drawn_and_exported_without_editing_reports(
    town, follows_registered
):
    newcomer = ResidentFactory(neighbourhood=town.cite5)
    FollowFactory(project=town.p1, user=newcomer, created_at=AT)
    before = report_compute(scope=Scope(TOWN), period=town.period, now=town.now)
    assert (
        before["participation"]["totals"]["follows"]
        == Follow.objects.filter(
            created_at__gte=town.period.start_at, created_at__lt=town.period.end_at
        ).count()
    )
    assert (
        sum(b["follows"] for b in before["participation"]["buckets"])
        == (before["participation"]["totals"]["follows"])
    )
    project = report_compute(scope=Scope(PROJECT, town.p1), period=town.period, now=town.now)
    assert project["participation"]["totals"]["follows"] >= 1
    assert "Abonnements" in [entry["label"] for entry in glossary()]
    assert any(row["indicator"] == "follows" for row in csv_rows(before))


def test_a_new_kind_of_act_counts_its_residents_as_participants(town, follows_registered):
    newcomer = ResidentFactory(neighbourhood=town.cite5)
    FollowFactory(project=town.p1, user=newcomer, created_at=AT)
    data = report_compute(scope=Scope(TOWN), period=town.period, now=town.now)
    by_hood = {row["key"]: row["participants"] for row in data["reach"]["by_neighbourhood"]}
    registry._acts.pop("follows")
    without = report_compute(scope=Scope(TOWN), period=town.period, now=town.now)
    assert data["reach"]["participants"] == without["reach"]["participants"] + 1
    assert (
        by_hood["cite-5"]
        == 1
        + {row["key"]: row["participants"] for row in without["reach"]["by_neighbourhood"]}[
            "cite-5"
        ]
    )
