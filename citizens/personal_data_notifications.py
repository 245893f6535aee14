"""The notifications part of a resident's data: what they were told, and which emails went."""

from django.utils.translation import gettext_lazy as _

from . import personal_data as registry
from .models import EmailDelivery, Notification, User


def export(user: User) -> dict:
    # Kinds, links and dates only: a notification's parameters may name other residents'
    # items, and who acted is somebody else's data.
    notifications = Notification.objects.filter(recipient=user).order_by("created_at")
    deliveries = EmailDelivery.objects.filter(recipient=user).order_by("created_at")
    return {
        "rythme_des_emails": user.get_email_frequency_display(),
        "notifications": [
            {
                "type": n.kind,
                "lien": n.url,
                "le": n.created_at.isoformat(),
                "lue_le": n.read_at.isoformat() if n.read_at else None,
            }
            for n in notifications.iterator()
        ],
        "emails": [
            {
                "type": d.kind,
                "periode_du": d.period_start.isoformat() if d.period_start else None,
                "etat": d.status,
                "cree_le": d.created_at.isoformat(),
                "envoye_le": d.sent_at.isoformat() if d.sent_at else None,
            }
            for d in deliveries.iterator()
        ],
    }


def erase(user: User, *, erase_content: bool) -> None:
    EmailDelivery.objects.filter(recipient=user).delete()
    Notification.objects.filter(recipient=user).delete()


registry.register(
    registry.Section(
        key="notifications",
        label=_("Notifications"),
        description=_("vos notifications, les e-mails qui vous ont été envoyés et leur rythme"),
        export=export,
        erase=erase,
        order=40,
    )
)
