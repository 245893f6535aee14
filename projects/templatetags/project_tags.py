import rules
from django import template

register = template.Library()


@register.simple_tag
def can(permission: str, user, obj=None) -> bool:
    """`{% can "projects.change_comment" user comment as allowed %}`: the django-rules
    permission itself (no superuser shortcut, unlike `user.has_perm`)."""
    return rules.has_perm(permission, user, obj)
