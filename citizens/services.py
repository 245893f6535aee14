from django.db import transaction

from .models import User


@transaction.atomic
def user_update_profile(*, user: User, display_name: str, neighbourhood, language: str) -> User:
    user.display_name = display_name
    user.neighbourhood = neighbourhood
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "neighbourhood", "language"])
    return user
