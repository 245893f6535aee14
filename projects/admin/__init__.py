"""The municipal team's back office for projects: lifecycle with official answers, updates
citing comments, and the moderation of projects and comments (flagged or hidden comments
first). Lifecycle decisions go through projects.services, moderation decisions through
moderation.services (one reason step for all: moderation.admin.ReasonStepMixin)."""

from .comments import CommentAdmin
from .projects import ProjectAdmin
from .updates import PROJECT_UPDATE_EXTRA_INLINES, ProjectUpdateAdmin

__all__ = ["PROJECT_UPDATE_EXTRA_INLINES", "CommentAdmin", "ProjectAdmin", "ProjectUpdateAdmin"]
