from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("rapport.csv", views.export_csv, name="csv"),
    path("exports/", views.export_create, name="export_create"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/fichier/", views.export_download, name="export_download"),
]
