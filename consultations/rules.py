"""Who may do what in a consultation round (django-rules).

The object of `contribute` and `vote` is a Consultation; the object of `flag` is the item
flagged (a Contribution or a projects Comment).
"""

import rules

from citizens.rules import is_superuser, is_team_member, is_verified_resident
from projects.models import Comment, CommentState

from .models import Consultation, Contribution, ContributionState, Flag, RoundState


@rules.predicate
def is_round_open(user, consultation) -> bool:
    return isinstance(consultation, Consultation) and consultation.state_at() == RoundState.OPEN


@rules.predicate
def is_author(user, item) -> bool:
    return item is not None and user.is_authenticated and item.author_id == user.pk


@rules.predicate
def is_visible_item(user, item) -> bool:
    """Only what others can read can be flagged: published contributions and comments."""
    if isinstance(item, Contribution):
        return item.state == ContributionState.PUBLISHED
    if isinstance(item, Comment):
        return item.state == CommentState.PUBLISHED and not item.is_deleted
    return False


@rules.predicate
def has_flagged(user, item) -> bool:
    if item is None or not user.is_authenticated:
        return False
    field = "contribution" if isinstance(item, Contribution) else "comment"
    return Flag.objects.filter(reporter=user, **{field: item}).exists()


is_moderator = is_team_member | is_superuser

rules.add_perm("consultations.contribute", is_verified_resident & is_round_open)
rules.add_perm("consultations.vote", is_verified_resident & is_round_open)
rules.add_perm(
    "consultations.flag", is_verified_resident & is_visible_item & ~is_author & ~has_flagged
)
rules.add_perm("consultations.moderate", is_moderator)

# The back office: the municipal team runs rounds and moderates. Deleting rounds and
# residents' writing is left out on purpose (hiding keeps the record); superusers keep
# Django's own all-permissions.
rules.add_perm("consultations", is_moderator)
for _model in ("consultation", "option", "synthesis"):
    for _action in ("view", "add", "change"):
        rules.add_perm(f"consultations.{_action}_{_model}", is_moderator)
rules.add_perm("consultations.delete_option", is_moderator)
for _model in ("contribution", "flaggedcomment"):
    for _action in ("view", "change"):
        rules.add_perm(f"consultations.{_action}_{_model}", is_moderator)
rules.add_perm("consultations.view_flag", is_moderator)
