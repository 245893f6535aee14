from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from .models import ModerationLog, User


@transaction.atomic
def user_update_profile(*, user: User, display_name: str, neighbourhood, language: str) -> User:
    user.display_name = display_name
    user.neighbourhood = neighbourhood
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "neighbourhood", "language"])
    return user


def moderation_log_write(
    *,
    actor: User | None,
    obj,
    action: str,
    from_state: str,
    to_state: str,
    reason: str,
    automatic: bool = False,
) -> ModerationLog:
    """Append one row to the moderation log. Call it inside the service's transaction."""
    return ModerationLog.objects.create(
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        automatic=automatic,
    )
