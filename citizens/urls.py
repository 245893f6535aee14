from django.urls import path

from . import views
from .notifications import views as notification_views

app_name = "citizens"

urlpatterns = [
    path("", views.account, name="account"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/tout-lire/",
        notification_views.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "notifications/<int:pk>/lire/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/<int:pk>/ouvrir/",
        notification_views.notification_open,
        name="notification_open",
    ),
    path("preferences/", notification_views.preferences, name="preferences"),
    path("desabonnement/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
]
