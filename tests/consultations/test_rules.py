"""Who may contribute, vote, flag and moderate: roles x round states, on a frozen clock."""

from datetime import UTC, datetime, timedelta

import pytest
import rules
import time_machine
from django.contrib.auth.models import AnonymousUser

from consultations.models import Consultation
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    ContributionFactory,
    FlagFactory,
    MayorsOfficeFactory,
    ResidentFactory,
    SuperuserFactory,
    SynthesisFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 15, 10, 0, tzinfo=UTC)
ROUND_DATES = {
    # state: (opens_at, closes_at, synthesis published?)
    "upcoming": (NOW + timedelta(days=2), NOW + timedelta(days=20), False),
    "open": (NOW - timedelta(days=2), NOW + timedelta(days=5), False),
    "closed": (NOW - timedelta(days=20), NOW - timedelta(days=1), False),
    "synthesis": (NOW - timedelta(days=30), NOW - timedelta(days=10), True),
}
ROLES = {
    "visitor": lambda: AnonymousUser(),
    "resident": lambda: ResidentFactory(),
    "unverified": lambda: UserFactory(verified=False),
    "team": lambda: TeamMemberFactory(),
    "mayors_office": lambda: MayorsOfficeFactory(),
    "superuser": lambda: SuperuserFactory(),
}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_round(state: str) -> Consultation:
    opens_at, closes_at, with_synthesis = ROUND_DATES[state]
    consultation = ConsultationFactory(opens_at=opens_at, closes_at=closes_at)
    if with_synthesis:
        SynthesisFactory(consultation=consultation, published_at=closes_at + timedelta(days=3))
    consultation = Consultation.objects.select_related("synthesis").get(pk=consultation.pk)
    assert consultation.state_at() == state
    return consultation


PARTICIPATION_TABLE = [
    # role, upcoming, open, closed, synthesis
    ("visitor", False, False, False, False),
    ("resident", False, True, False, False),
    ("unverified", False, False, False, False),
    ("team", False, True, False, False),
    ("mayors_office", False, True, False, False),
    ("superuser", False, True, False, False),
]


@pytest.mark.parametrize("action", ["consultations.contribute", "consultations.vote"])
@pytest.mark.parametrize(("role", "upcoming", "open_", "closed", "synthesis"), PARTICIPATION_TABLE)
def test_contribute_and_vote_table(frozen, action, role, upcoming, open_, closed, synthesis):
    user = ROLES[role]()
    expected = {"upcoming": upcoming, "open": open_, "closed": closed, "synthesis": synthesis}
    actual = {state: rules.has_perm(action, user, make_round(state)) for state in expected}
    assert actual == expected


FLAG_TABLE = [
    # role, may flag someone else's published item in any round state
    ("visitor", False),
    ("resident", True),
    ("unverified", False),
    ("team", True),
    ("mayors_office", True),
    ("superuser", True),
]


@pytest.mark.parametrize(("role", "expected"), FLAG_TABLE)
@pytest.mark.parametrize("state", list(ROUND_DATES))
def test_flag_table(frozen, role, expected, state):
    user = ROLES[role]()
    contribution = ContributionFactory(consultation=make_round(state))
    assert rules.has_perm("moderation.flag", user, contribution) is expected
    assert rules.has_perm("moderation.flag", user, CommentFactory()) is expected


def test_nobody_flags_their_own_item_or_twice(frozen):
    resident = ResidentFactory()
    own = ContributionFactory(author=resident, consultation=make_round("open"))
    assert not rules.has_perm("moderation.flag", resident, own)
    assert not rules.has_perm("moderation.flag", resident, CommentFactory(author=resident))
    flagged = ContributionFactory(consultation=make_round("open"))
    FlagFactory(reporter=resident, contribution=flagged)
    assert not rules.has_perm("moderation.flag", resident, flagged)
    comment = CommentFactory()
    FlagFactory(reporter=resident, contribution=None, comment=comment)
    assert not rules.has_perm("moderation.flag", resident, comment)


def test_pending_rejected_and_hidden_contributions_cannot_be_flagged(frozen):
    resident = ResidentFactory()
    for state in ("pending", "rejected", "hidden"):
        contribution = ContributionFactory(state=state, consultation=make_round("open"))
        assert not rules.has_perm("moderation.flag", resident, contribution)


MODERATE_TABLE = [
    ("visitor", False),
    ("resident", False),
    ("unverified", False),
    ("team", True),
    ("mayors_office", False),
    ("superuser", True),
]


@pytest.mark.parametrize(("role", "expected"), MODERATE_TABLE)
def test_moderate_table(frozen, role, expected):
    user = ROLES[role]()
    assert rules.has_perm("consultations.moderate", user) is expected
    assert rules.has_perm("moderation.moderate", user) is expected
    # The back office follows the same rule (superusers through Django's own shortcut).
    if role != "visitor":
        assert user.has_perm("consultations.change_contribution") is expected
        assert user.has_module_perms("consultations") is expected
