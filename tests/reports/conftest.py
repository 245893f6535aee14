"""A small hand-made town for the report tests; every expected figure is worked out by hand
in test_selectors.py from the rows created here (November 2025, a month without a clock change).
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from consultations.models import ContributionState, Outcome
from moderation.models import ModerationLog
from projects.models import CommentState, Origin, Status, StatusChange
from reports.periods import Period
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    ContributionFactory,
    NeighbourhoodFactory,
    OptionFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    SupportFactory,
    SynthesisFactory,
    TeamMemberFactory,
    UserFactory,
    VoteFactory,
)

NOW = dt.datetime(2025, 12, 15, 12, 0)


def paris(year, month, day, hour=12, minute=0):
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def nov(day, hour=12, minute=0):
    return paris(2025, 11, day, hour, minute)


NOVEMBER = Period(start=dt.date(2025, 11, 1), end=dt.date(2025, 11, 30))


@pytest.fixture(autouse=True)
def roles(db):
    """The role groups come from a data migration, which a transactional test's flush erases."""
    from django.contrib.auth.models import Group

    from citizens.models import MAYORS_OFFICE, MUNICIPAL_TEAM

    for name in (MUNICIPAL_TEAM, MAYORS_OFFICE):
        Group.objects.get_or_create(name=name)


@pytest.fixture
def frozen_now(time_machine):
    time_machine.move_to(timezone.make_aware(NOW), tick=False)
    return timezone.make_aware(NOW)


@pytest.fixture
def town(db, frozen_now):
    t = SimpleNamespace(now=frozen_now, period=NOVEMBER)
    t.centre = NeighbourhoodFactory(name="Centre", slug="centre", population=2000)
    t.cite5 = NeighbourhoodFactory(name="Cité 5", slug="cite-5", population=500)
    t.gare = NeighbourhoodFactory(name="Gare", slug="gare", population=None)

    t.alice = UserFactory(
        display_name="Alice", neighbourhood=t.centre, date_joined=paris(2024, 1, 1)
    )
    t.bob = UserFactory(display_name="Bob", neighbourhood=t.centre, date_joined=nov(1, 10))
    t.chloe = UserFactory(display_name="Chloé", neighbourhood=t.cite5, date_joined=nov(1, 8))
    t.david = UserFactory(display_name="David", neighbourhood=None, date_joined=paris(2024, 6, 1))
    t.emma = UserFactory(
        display_name="Emma", neighbourhood=t.cite5, date_joined=paris(2025, 12, 10)
    )
    t.frank = UserFactory(display_name="Frank", neighbourhood=t.gare, date_joined=nov(20))
    t.claire = TeamMemberFactory(display_name="Claire (mairie)", date_joined=paris(2020, 1, 1))

    t.p1 = ProjectFactory(
        title="La place", slug="la-place", neighbourhood=t.centre, created_at=paris(2024, 1, 1)
    )
    t.p2 = ProjectFactory(
        title="Le jardin partagé",
        slug="jardin",
        neighbourhood=t.cite5,
        origin=Origin.RESIDENT,
        author=t.chloe,
        created_at=nov(12),
    )
    t.p3 = ProjectFactory(
        title="Les bancs",
        slug="bancs",
        neighbourhood=t.centre,
        origin=Origin.RESIDENT,
        author=t.alice,
        created_at=paris(2025, 5, 1),
    )

    t.c1 = ConsultationFactory(
        project=t.p1,
        slug="place-c1",
        title="Quelle place ?",
        opens_at=paris(2025, 10, 20),
        closes_at=nov(11),
    )
    t.c2 = ConsultationFactory(
        project=t.p2,
        slug="jardin-c2",
        title="Quel jardin ?",
        opens_at=nov(20),
        closes_at=paris(2025, 12, 20),
    )
    t.c3 = ConsultationFactory(
        project=t.p1, slug="place-c3", opens_at=paris(2025, 9, 1), closes_at=paris(2025, 9, 30)
    )

    published = ContributionState.PUBLISHED
    t.k1 = ContributionFactory(
        consultation=t.c1,
        author=t.alice,
        created_at=nov(2),
        answered_at=nov(3),
        outcome=Outcome.YES,
    )
    t.k2 = ContributionFactory(
        consultation=t.c1,
        author=t.bob,
        created_at=nov(6),
        answered_at=nov(8),
        outcome=Outcome.PARTLY,
    )
    t.k3 = ContributionFactory(
        consultation=t.c1, author=t.chloe, created_at=nov(7), outcome=Outcome.NO
    )
    t.k4 = ContributionFactory(
        consultation=t.c1,
        author=t.david,
        created_at=nov(8),
        state=ContributionState.REJECTED,
        published_at=None,
    )
    t.k5 = ContributionFactory(
        consultation=t.c2, author=t.chloe, created_at=nov(21), answered_at=nov(21, 18)
    )
    t.k6 = ContributionFactory(
        consultation=t.c2,
        author=t.alice,
        created_at=nov(22),
        state=ContributionState.PENDING,
        published_at=None,
    )
    t.k7 = ContributionFactory(
        consultation=t.c1,
        author=t.alice,
        created_at=paris(2025, 10, 25),
        answered_at=paris(2025, 10, 26),
        outcome=Outcome.YES,
        state=published,
    )
    t.k8 = ContributionFactory(
        consultation=t.c2, author=t.david, created_at=nov(25), state=ContributionState.HIDDEN
    )

    t.m1 = CommentFactory(project=t.p1, author=t.alice, created_at=nov(3))
    t.r1 = CommentFactory(
        project=t.p1, author=t.claire, parent=t.m1, by_team=True, created_at=nov(4, 0)
    )
    t.m2 = CommentFactory(project=t.p1, author=t.bob, created_at=nov(4))
    t.r2 = CommentFactory(project=t.p1, author=t.chloe, parent=t.m2, created_at=nov(5))
    t.r3 = CommentFactory(
        project=t.p1, author=t.claire, parent=t.m2, by_team=True, created_at=nov(6)
    )
    t.r4 = CommentFactory(
        project=t.p1, author=t.claire, parent=t.m2, by_team=True, created_at=nov(9)
    )
    t.m3 = CommentFactory(project=t.p2, author=t.chloe, created_at=nov(13))
    t.r6 = CommentFactory(
        project=t.p2,
        author=t.claire,
        parent=t.m3,
        by_team=True,
        state=CommentState.HIDDEN,
        created_at=nov(15),
    )
    t.m4 = CommentFactory(
        project=t.p1, author=t.david, created_at=nov(14), state=CommentState.HIDDEN
    )
    t.m5 = CommentFactory(project=t.p1, author=t.alice, created_at=paris(2025, 10, 1))
    t.r5 = CommentFactory(
        project=t.p1, author=t.claire, parent=t.m5, by_team=True, created_at=nov(2)
    )

    SupportFactory(project=t.p1, user=t.bob, created_at=nov(10))
    SupportFactory(project=t.p2, user=t.alice, created_at=nov(18))
    SupportFactory(project=t.p1, user=t.emma, created_at=paris(2025, 12, 5))

    o1 = OptionFactory(consultation=t.c1, label="Des arbres")
    o2 = OptionFactory(consultation=t.c1, label="Des bancs")
    o3 = OptionFactory(consultation=t.c2, label="Des légumes")
    VoteFactory(option=o1, user=t.alice, created_at=nov(4))
    VoteFactory(option=o2, user=t.david, created_at=nov(9))
    VoteFactory(option=o3, user=t.bob, created_at=nov(24))

    t.u1 = ProjectUpdateFactory(
        project=t.p1,
        title="Ce que vous avez changé",
        body="Grâce à vous, **plus d'arbres**.",
        published_at=nov(12),
    )
    t.u1.cited_contributions.set([t.k1, t.k2])
    t.u1.cited_comments.set([t.m1])
    t.u2 = ProjectUpdateFactory(project=t.p2, title="Le jardin est lancé", published_at=nov(26))
    t.u3 = ProjectUpdateFactory(project=t.p1, title="Ancienne", published_at=paris(2025, 10, 15))
    t.u4 = ProjectUpdateFactory(project=t.p2, title="Suite du jardin", published_at=nov(28))
    t.u4.cited_contributions.set([t.k8])

    t.y1 = SynthesisFactory(
        consultation=t.c1, body="Vous voulez **des arbres**.", published_at=nov(20)
    )

    types = ContentType.objects.get_for_models(t.k1, t.m1)
    contribution_type, comment_type = types[t.k1], types[t.m1]
    for item, kind, to_state, automatic, when in [
        (t.k4, contribution_type, "rejected", False, nov(9)),
        (t.k8, contribution_type, "hidden", True, nov(26)),
        (t.m4, comment_type, "hidden", False, nov(15)),
        (t.k7, contribution_type, "published", False, paris(2025, 10, 26)),
    ]:
        ModerationLog.objects.create(
            actor=None if automatic else t.claire,
            action=f"set_{to_state}",
            content_type=kind,
            object_id=item.pk,
            object_repr=str(item)[:200],
            to_state=to_state,
            reason="Motif",
            automatic=automatic,
            created_at=when,
        )

    for project, old, new, when, answer in [
        (t.p1, Status.UNDER_STUDY, Status.IN_CONSULTATION, nov(1), ""),
        (t.p2, Status.PROPOSED, Status.UNDER_STUDY, nov(15), ""),
        (t.p2, Status.UNDER_STUDY, Status.DECIDED, nov(27), "Oui"),
        (t.p3, Status.DECIDED, Status.IN_PROGRESS, nov(16), ""),
        (t.p3, Status.IN_PROGRESS, Status.COMPLETED, paris(2025, 12, 5), ""),
        (t.p1, Status.PROPOSED, Status.UNDER_STUDY, paris(2025, 6, 1), ""),
    ]:
        StatusChange.objects.create(
            project=project, from_status=old, to_status=new, created_at=when, answer=answer
        )
    return t
