"""Who may do what in a consultation round (django-rules).

The object of `contribute`, `vote` and `read` is a Consultation. Flags and moderation
decisions on contributions are moderation's (`moderation.flag`, `moderation.moderate`).
"""

import rules

from citizens.rules import is_superuser, is_team_member, is_verified_resident

from .models import Consultation, RoundState


@rules.predicate
def is_round_open(user, consultation) -> bool:
    return isinstance(consultation, Consultation) and consultation.state_at() == RoundState.OPEN


@rules.predicate
def is_project_shown(user, consultation) -> bool:
    """The round's project is not hidden by the team: a hidden project's rounds are hidden
    from residents and closed to participation."""
    return isinstance(consultation, Consultation) and not consultation.project.is_hidden


is_moderator = is_team_member | is_superuser

rules.add_perm("consultations.read", is_project_shown | is_moderator)
rules.add_perm("consultations.contribute", is_verified_resident & is_round_open & is_project_shown)
rules.add_perm("consultations.vote", is_verified_resident & is_round_open & is_project_shown)
rules.add_perm("consultations.moderate", is_moderator)

# The back office: the municipal team runs rounds and moderates. Deleting rounds and
# residents' writing is left out on purpose (hiding keeps the record); superusers keep
# Django's own all-permissions.
rules.add_perm("consultations", is_moderator)
for _model in ("consultation", "option", "synthesis"):
    for _action in ("view", "add", "change"):
        rules.add_perm(f"consultations.{_action}_{_model}", is_moderator)
rules.add_perm("consultations.delete_option", is_moderator)
for _action in ("view", "change"):
    rules.add_perm(f"consultations.{_action}_contribution", is_moderator)
