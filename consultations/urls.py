from django.urls import path

from . import views

app_name = "consultations"

urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("signaler/contribution/<int:pk>/", views.flag_contribution, name="flag_contribution"),
    path("signaler/commentaire/<int:pk>/", views.flag_comment, name="flag_comment"),
    path("<slug:slug>/", views.consultation_detail, name="detail"),
    path("<slug:slug>/contribuer/", views.contribute, name="contribute"),
    path("<slug:slug>/voter/", views.vote, name="vote"),
]
