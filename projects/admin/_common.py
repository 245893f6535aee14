"""What the projects admin pages share."""

import rules


class TeamPermissionsMixin:
    """The team's rights come from django-rules (projects.moderate), not model permissions."""

    def _is_team(self, request) -> bool:
        return rules.has_perm("projects.moderate", request.user)

    def has_module_permission(self, request):
        return self._is_team(request)

    def has_view_permission(self, request, obj=None):
        return self._is_team(request)

    def has_change_permission(self, request, obj=None):
        return self._is_team(request)

    def has_add_permission(self, request, *args):
        return self._is_team(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
