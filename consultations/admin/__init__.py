"""The municipal team's back office for consultation rounds and moderation.

Rounds, answers and outcomes go through consultations.services, moderation decisions through
moderation.services (with moderation.admin's reason step); the admin never changes a state,
an answer or an outcome with a plain save.
"""

from .contributions import CitedContributionInline, ContributionAdmin
from .rounds import ConsultationAdmin

__all__ = ["CitedContributionInline", "ConsultationAdmin", "ContributionAdmin"]
