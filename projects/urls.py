from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("proposer/", views.project_propose, name="propose"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/soutenir/", views.project_support, name="support"),
    path("<slug:slug>/retirer-mon-soutien/", views.project_unsupport, name="unsupport"),
    path("<slug:slug>/suivre/", views.project_follow, name="follow"),
    path("<slug:slug>/ne-plus-suivre/", views.project_unfollow, name="unfollow"),
    path("<slug:slug>/commenter/", views.comment_create, name="comment"),
    path("<slug:slug>/commentaires/<int:pk>/", views.comment_thread, name="comment_thread"),
    path("<slug:slug>/commentaires/<int:pk>/repondre/", views.comment_reply, name="reply"),
    path("<slug:slug>/commentaires/<int:pk>/modifier/", views.comment_edit, name="comment_edit"),
    path(
        "<slug:slug>/commentaires/<int:pk>/supprimer/", views.comment_delete, name="comment_delete"
    ),
]
