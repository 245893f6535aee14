"""Moderation's part of a person's data: the flags they sent and the decisions they took
(registered in ModerationConfig.ready). See citizens/personal_data.py."""

from django.utils.translation import gettext_lazy

from citizens import personal_data as registry
from citizens.personal_data import absolute_url, iso, url_of

from . import registry as moderated
from .models import Flag, ModerationLog


def _log_manager():
    return ModerationLog.objects


def _target(flag: Flag) -> dict:
    # Only where the item is: its text and author belong to somebody else.
    item = flag.item
    if item is None:
        return {"type": flag.content_type.model, "adresse": ""}
    adapter = moderated.adapter_for(item)
    return {"type": str(adapter.label), "adresse": absolute_url(url_of(item))}


def export(user) -> dict:
    flags = Flag.objects.filter(reporter=user).select_related("content_type")
    return {
        "signalements": [
            {
                "élément_signalé": _target(f),
                "motif": f.get_reason_display(),
                "précisions": f.details,
                "le": iso(f.created_at),
            }
            for f in flags.order_by("created_at", "pk")
        ],
        "décisions_de_modération_prises": [
            {
                "décision": row.action,
                "élément": row.object_repr,
                "état_avant": row.from_state,
                "état_après": row.to_state,
                "motif": row.reason,
                "le": iso(row.created_at),
            }
            for row in ModerationLog.objects.filter(actor=user).order_by("created_at")
        ],
    }


def erase(user, *, erase_content: bool) -> None:
    """Flags stay for moderation, without their reporter (the foreign key becomes NULL) or
    their words."""
    Flag.objects.filter(reporter=user).exclude(details="").update(details="")


registry.register_log(_log_manager)
registry.register(
    registry.Section(
        key="signalements",
        label=gettext_lazy("Signalements et décisions de modération"),
        description=gettext_lazy(
            "les contenus que vous avez signalés à l'équipe municipale et, pour l'équipe, "
            "les décisions de modération que vous avez prises"
        ),
        export=export,
        erase=erase,
        order=25,
    )
)
