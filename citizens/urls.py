from django.urls import path

from . import views
from .notifications import views as notification_views

app_name = "citizens"

urlpatterns = [
    path("", views.account, name="account"),
    path("activite/<slug:kind>/", views.activity, name="activity"),
    path("donnees/", views.data_export, name="data_export"),
    path("donnees/<uuid:token>/etat/", views.data_export_status, name="data_export_status"),
    path(
        "donnees/<uuid:token>/mes-donnees.<str:fmt>",
        views.data_export_download,
        name="data_export_download",
    ),
    path("supprimer/", views.account_delete, name="account_delete"),
    path("supprime/", views.account_deleted, name="account_deleted"),
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
