from django import template

from citizens.notifications.selectors import UNREAD_CAP, unread_count_for

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """The signed-in person's unread notifications, counted up to UNREAD_CAP (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_loos_unread_notifications", None)
    if cached is None:
        cached = unread_count_for(user=user)
        request._loos_unread_notifications = cached
    return cached


@register.filter
def capped(count: int) -> str:
    return f"{UNREAD_CAP - 1}+" if count >= UNREAD_CAP else str(count)
