from django.urls import path

from . import views

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
]
