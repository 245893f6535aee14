"""Who may moderate, and who may flag an item (django-rules).

The object of `moderation.flag` is the item flagged (any model registered in
moderation.registry). Moderation decisions on every app's items check `moderation.moderate`.
"""

import rules
from django.contrib.contenttypes.models import ContentType

from citizens.rules import is_superuser, is_team_member, is_verified_resident

from . import registry
from .models import Flag


@rules.predicate
def is_author(user, item) -> bool:
    if item is None or not user.is_authenticated or not registry.is_moderated(item):
        return False
    return registry.adapter_for(item).author_id(item) == user.pk


@rules.predicate
def is_visible_item(user, item) -> bool:
    """Only what others can read can be flagged."""
    if item is None or not registry.is_moderated(item):
        return False
    return registry.adapter_for(item).is_visible(item)


@rules.predicate
def has_flagged(user, item) -> bool:
    if item is None or not user.is_authenticated:
        return False
    return Flag.objects.filter(
        reporter=user,
        content_type=ContentType.objects.get_for_model(item, for_concrete_model=True),
        object_id=item.pk,
    ).exists()


is_moderator = is_team_member | is_superuser

rules.add_perm("moderation.moderate", is_moderator)
rules.add_perm(
    "moderation.flag", is_verified_resident & is_visible_item & ~is_author & ~has_flagged
)

# The back office: the flags and the log are read, never written, in the admin.
rules.add_perm("moderation", is_moderator)
rules.add_perm("moderation.view_flag", is_moderator)
