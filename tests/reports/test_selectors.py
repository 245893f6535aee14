"""Every indicator on the hand-made town of conftest.py, against figures worked out by hand.

November 2025 (30 days, weekly buckets starting on Mondays: 27 Oct, 3, 10, 17, 24 Nov).
"""

import datetime as dt

import pytest

from reports.scopes import CONSULTATION, NEIGHBOURHOOD, PROJECT, TOWN, Scope
from reports.selectors import (
    Median,
    median_fallback,
    report_compute,
    report_story,
)

pytestmark = pytest.mark.django_db

WEEKS = ["2025-10-27", "2025-11-03", "2025-11-10", "2025-11-17", "2025-11-24"]


def compute(town, scope):
    return report_compute(scope=scope, period=town.period, now=town.now)


def series(data, name):
    return [bucket[name] for bucket in data["participation"]["buckets"]]


def test_town_means(town):
    means = compute(town, Scope(TOWN))["means"]
    # Round c1 is open 1 Nov 00:00 → 11 Nov 12:00 (10.5 days), c2 20 Nov 12:00 → 1 Dec
    # 00:00 (10.5 days); c3 closed in September.
    assert means["rounds_held"] == 2
    assert means["open_days"] == 21.0
    # u1, u2, u4 in November; u3 in October.
    assert means["updates_posted"] == 3
    # Published in November: k1, k2, k3, k5 (k4 rejected, k6 pending, k8 hidden, k7 October);
    # answered: k1 (24 h), k2 (48 h), k5 (6 h) -> 3/4, median 24 h.
    assert means["contributions_published"] == 4
    assert means["contributions_answered"] == 3
    assert means["contributions_answered_share"] == 75.0
    assert means["median_answer_hours_contributions"] == 24.0
    # Residents' published top-level comments: m1, m2, m3 (m4 hidden, m5 October).
    # m1 answered by the team after 12 h, m2 after 48 h (r3; r2 is a resident, r4 later),
    # m3's only team reply is hidden -> 2/3, median (12 + 48) / 2 = 30 h.
    assert means["comments_top_level"] == 3
    assert means["comments_answered"] == 2
    assert means["comments_answered_share"] == 66.7
    assert means["median_answer_hours_comments"] == 30.0
    # Log rows of November: k4 rejected, k8 hidden automatically, m4 hidden.
    assert means["moderation_decisions"] == 3
    assert means["moderation_automatic"] == 1
    assert means["moderation_by_state"] == [
        {"key": "hidden", "count": 2, "automatic": 1},
        {"key": "rejected", "count": 1, "automatic": 0},
    ]


def test_town_reach(town):
    reach = compute(town, Scope(TOWN))["reach"]
    # alice (k1, m1, vote), bob (k2, m2, support, vote), chloe (k3, k5, r2, m3, proposal p2),
    # david (vote only: his k4 was rejected, k8 and m4 hidden). Emma supported in December.
    assert reach["participants"] == 4
    # bob, chloe (1 Nov), frank (20 Nov).
    assert reach["new_accounts"] == 3
    assert reach["by_neighbourhood"] == [
        {"key": "centre", "label": "Centre", "participants": 2, "population": 2000, "share": 0.1},
        {"key": "cite-5", "label": "Cité 5", "participants": 1, "population": 500, "share": 0.2},
        {"key": "gare", "label": "Gare", "participants": 0, "population": None, "share": None},
        {"key": "", "label": "", "participants": 1, "population": None, "share": None},
    ]


def test_town_participation_over_time(town):
    data = compute(town, Scope(TOWN))
    assert data["participation"]["granularity"] == "week"
    assert [b["start"] for b in data["participation"]["buckets"]] == WEEKS
    # k1 Sun 2 Nov; k2, k3 6-7 Nov; k5, k6 21-22 Nov.
    assert series(data, "contributions") == [1, 2, 0, 2, 0]
    # m1 3 Nov, m2 4 Nov, r2 5 Nov, m3 13 Nov (team replies and hidden m4 not counted).
    assert series(data, "comments") == [0, 3, 1, 0, 0]
    assert series(data, "supports") == [0, 0, 1, 1, 0]
    # Sun 9 Nov belongs to the week of 3 Nov.
    assert series(data, "votes") == [0, 2, 0, 0, 1]
    assert data["participation"]["totals"] == {
        "contributions": 5,
        "comments": 4,
        "supports": 2,
        "votes": 3,
    }


def test_town_results(town):
    results = compute(town, Scope(TOWN))["results"]
    assert results["contributions_with_outcome"] == 3
    assert results["outcomes"] == [
        {"key": "yes", "count": 1, "share": 33.3},
        {"key": "partly", "count": 1, "share": 33.3},
        {"key": "no", "count": 1, "share": 33.3},
    ]
    # p1 → in consultation, p2 → under study → decided, p3 → in progress (completed in Dec).
    assert results["status_changes"] == 4
    assert results["projects_status_moved"] == 3
    assert results["status_moves_by_status"] == [
        {"key": "under_study", "count": 1},
        {"key": "in_consultation", "count": 1},
        {"key": "decided", "count": 1},
        {"key": "in_progress", "count": 1},
    ]
    # Resident proposals: p2 (decided) and p3 (in progress); only p2 was proposed in November.
    assert results["proposals_decided"] == 2
    assert results["proposals_submitted"] == 1


def test_project_scope(town):
    data = compute(town, Scope(PROJECT, town.p1))
    means, reach, results = data["means"], data["reach"], data["results"]
    assert (means["rounds_held"], means["open_days"]) == (1, 10.5)
    assert means["updates_posted"] == 1  # u1 (u2 and u4 are on p2, u3 in October)
    # k1 (24 h), k2 (48 h) answered, k3 not: 2/3, median 36 h.
    assert (means["contributions_published"], means["contributions_answered"]) == (3, 2)
    assert means["contributions_answered_share"] == 66.7
    assert means["median_answer_hours_contributions"] == 36.0
    assert (means["comments_top_level"], means["comments_answered"]) == (2, 2)
    assert means["median_answer_hours_comments"] == 30.0
    # k4 rejected (c1 is on p1) and m4 hidden.
    assert (means["moderation_decisions"], means["moderation_automatic"]) == (2, 0)
    # alice, bob, chloe (k3, r2), david (vote on c1); bob and chloe joined in November.
    assert (reach["participants"], reach["new_accounts"]) == (4, 2)
    assert series(data, "contributions") == [1, 2, 0, 0, 0]
    assert series(data, "comments") == [0, 3, 0, 0, 0]
    assert series(data, "supports") == [0, 0, 1, 0, 0]
    assert series(data, "votes") == [0, 2, 0, 0, 0]
    assert [o["count"] for o in results["outcomes"]] == [1, 1, 1]
    assert (results["status_changes"], results["projects_status_moved"]) == (1, 1)
    assert (results["proposals_decided"], results["proposals_submitted"]) == (0, 0)


def test_consultation_scope(town):
    data = compute(town, Scope(CONSULTATION, town.c2))
    means, reach, results = data["means"], data["reach"], data["results"]
    assert (means["rounds_held"], means["open_days"]) == (1, 10.5)
    # u4 cites k8, a contribution of this round.
    assert means["updates_posted"] == 1
    assert (means["contributions_published"], means["contributions_answered"]) == (1, 1)
    assert means["median_answer_hours_contributions"] == 6.0
    # Comments and supports belong to projects: "sans objet" for a round.
    assert means["comments_top_level"] is None
    assert means["comments_answered_share"] is None
    assert (means["moderation_decisions"], means["moderation_automatic"]) == (1, 1)
    # chloe (k5), alice (k6 pending), bob (vote); chloe and bob joined in November.
    assert (reach["participants"], reach["new_accounts"]) == (3, 2)
    assert series(data, "contributions") == [0, 0, 0, 2, 0]
    assert series(data, "comments") == [None] * 5
    assert series(data, "votes") == [0, 0, 0, 0, 1]
    assert data["participation"]["totals"]["supports"] is None
    assert results["contributions_with_outcome"] == 0
    assert [o["share"] for o in results["outcomes"]] == [None, None, None]
    assert results["projects_status_moved"] is None
    assert results["proposals_decided"] is None


def test_neighbourhood_scope(town):
    data = compute(town, Scope(NEIGHBOURHOOD, town.cite5))
    means, reach, results = data["means"], data["reach"], data["results"]
    # Only p2 is in Cité 5: round c2, k5 answered after 6 h, m3 not answered.
    assert (means["rounds_held"], means["open_days"]) == (1, 10.5)
    assert means["updates_posted"] == 2
    assert (means["contributions_published"], means["contributions_answered"]) == (1, 1)
    assert (means["comments_top_level"], means["comments_answered"]) == (1, 0)
    assert means["comments_answered_share"] == 0.0
    assert means["median_answer_hours_comments"] is None
    assert means["moderation_decisions"] == 1
    # chloe (k5, m3, proposal), alice (k6, support on p2), bob (vote on c2).
    assert reach["participants"] == 3
    # Accounts of Cité 5 created in November: chloe (Emma joined in December).
    assert reach["new_accounts"] == 1
    assert (results["status_changes"], results["projects_status_moved"]) == (2, 1)
    assert (results["proposals_decided"], results["proposals_submitted"]) == (1, 1)


def test_a_month_long_period_counts_by_month(town):
    from reports.periods import Period

    data = report_compute(
        scope=Scope(TOWN), period=Period(dt.date(2025, 5, 1), dt.date(2025, 11, 30)), now=town.now
    )
    assert data["participation"]["granularity"] == "month"
    buckets = data["participation"]["buckets"]
    assert [b["start"] for b in buckets] == [
        "2025-05-01",
        "2025-06-01",
        "2025-07-01",
        "2025-08-01",
        "2025-09-01",
        "2025-10-01",
        "2025-11-01",
    ]
    # k7 (25 Oct) joins the five of November; m5 (1 Oct) joins the four of November.
    assert [b["contributions"] for b in buckets] == [0, 0, 0, 0, 0, 1, 5]
    assert [b["comments"] for b in buckets] == [0, 0, 0, 0, 0, 1, 4]


def test_median_fallback_agrees_with_percentile_cont(town):
    from django.db.models import DurationField, F

    from consultations.models import Contribution

    answered = Contribution.objects.filter(answered_at__isnull=False)
    delay = F("answered_at") - F("created_at")
    expected = answered.aggregate(m=Median(delay, output_field=DurationField()))["m"]
    # k5 6 h, k1 24 h, k7 25 h (clocks went back on 26 Oct), k2 48 h: (24 + 25) / 2.
    assert median_fallback(answered, delay) == expected == dt.timedelta(hours=24, minutes=30)


def test_story_is_chronological_with_what_updates_cite(town):
    story = report_story(scope=Scope(TOWN), period=town.period)
    assert [(e["kind"], e["title"]) for e in story["entries"]] == [
        ("update", "Ce que vous avez changé"),
        ("synthesis", "Quelle place ?"),
        ("update", "Le jardin est lancé"),
        ("update", "Suite du jardin"),
    ]
    assert (story["total"], story["shown"]) == (4, 4)
    first = story["entries"][0]
    assert [(c["kind"], c["author"]) for c in first["citations"]] == [
        ("contribution", "Alice"),
        ("contribution", "Bob"),
        ("comment", "Alice"),
    ]
    synthesis = story["entries"][1]
    # c1's contributions of all time: k1, k7 yes; k2 partly; k3 no (k4 rejected).
    assert synthesis["outcomes"] == {"yes": 2, "partly": 1, "no": 1}
    assert synthesis["published_contributions"] == 4
    # A hidden contribution is never quoted.
    assert story["entries"][3]["citations"] == []


def test_story_is_truncated_to_the_most_recent_entries(town):
    story = report_story(scope=Scope(TOWN), period=town.period, limit=2)
    assert [e["title"] for e in story["entries"]] == ["Le jardin est lancé", "Suite du jardin"]
    assert (story["total"], story["shown"]) == (4, 2)


def test_story_of_a_round(town):
    story = report_story(scope=Scope(CONSULTATION, town.c1), period=town.period)
    assert [e["title"] for e in story["entries"]] == ["Ce que vous avez changé", "Quelle place ?"]


@pytest.mark.django_db(transaction=True)
def test_query_groups_run_side_by_side_give_the_same_report(town):
    from reports.selectors.figures import can_run_concurrently

    # Outside a transaction, on PostgreSQL, the page and the tasks run the groups at once.
    assert can_run_concurrently()
    together = report_compute(scope=Scope(TOWN), period=town.period, now=town.now)
    alone = report_compute(scope=Scope(TOWN), period=town.period, now=town.now, concurrent=False)
    assert together == alone
    assert together["reach"]["participants"] == 4
    assert together["means"]["median_answer_hours_comments"] == 30.0
