"""Who may read the participation reports and download their exports."""

import rules

from citizens.rules import is_mayors_office, is_superuser


@rules.predicate
def is_export_owner(user, export) -> bool:
    return export is not None and user.is_authenticated and export.owner_id == user.pk


can_view_reports = is_mayors_office | is_superuser

rules.add_perm("reports.view_reports", can_view_reports)
# An export holds the figures its owner asked for: only they download it.
rules.add_perm("reports.view_export", can_view_reports & is_export_owner)
