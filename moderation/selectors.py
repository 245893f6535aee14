"""Reads for pages that show moderated items: which of them this reader may flag, in one
query for the whole page, whatever the number of items."""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType

from citizens.rules import is_verified_resident

from . import registry
from .models import Flag


def flagged_ids_among(*, user, items: Iterable) -> set[int]:
    """Ids of these items (all of one model) the user already flagged: one query, none when
    there is nothing to ask."""
    items = list(items)
    if not items or not user.is_authenticated:
        return set()
    content_type = ContentType.objects.get_for_model(items[0], for_concrete_model=True)
    return set(
        Flag.objects.filter(
            reporter=user, content_type=content_type, object_id__in=[i.pk for i in items]
        ).values_list("object_id", flat=True)
    )


def flaggable_ids_among(*, user, items: Iterable, flagged: set[int] | None = None) -> set[int]:
    """Ids of these items the user may flag now (the `moderation.flag` rule for a page: a
    verified resident, an item others read, not their own, not flagged yet). Pass `flagged`
    when the page already asked `flagged_ids_among`."""
    items = list(items)
    if not items or not is_verified_resident(user):
        return set()
    adapter = registry.adapter_for(items[0])
    candidates = [i for i in items if adapter.is_visible(i) and adapter.author_id(i) != user.pk]
    if flagged is None:
        flagged = flagged_ids_among(user=user, items=candidates)
    return {i.pk for i in candidates if i.pk not in flagged}
