"""What a resident's cached notifications page shows, hence what moves its version
(pagecache): their notifications (new, read, deleted) and the names of their actors."""

import pagecache
from pagecache import On

# Columns of a resident that pages load (select_related) but never show.
USER_UNSHOWN = (
    "password",
    "last_login",
    "is_superuser",
    "email",
    "neighbourhood",
    "language",
    "email_frequency",
    "is_staff",
    "is_active",
    "date_joined",
)

INBOX = pagecache.register(
    pagecache.Kind(
        "inbox",
        doc="A resident's notifications, cached for them alone.",
        depends_on=[
            On("citizens.Notification", key="recipient_id"),
            On(
                "citizens.User",
                fields=["display_name"],
                unshown=USER_UNSHOWN,
                keys="SELECT DISTINCT recipient_id FROM citizens_notification"
                " WHERE actor_id = {row}.id",
            ),
        ],
    )
)

NOTIFICATIONS = pagecache.Page("inbox-page", kinds=[INBOX])
