"""Thin views: permission -> form -> service -> redirect (or render with a 4xx)."""

from .comments import comment_create, comment_delete, comment_edit, comment_reply, comment_thread
from .engagement import project_follow, project_support, project_unfollow, project_unsupport
from .pages import project_detail, project_list, project_propose

__all__ = [
    "comment_create",
    "comment_delete",
    "comment_edit",
    "comment_reply",
    "comment_thread",
    "project_detail",
    "project_follow",
    "project_list",
    "project_propose",
    "project_support",
    "project_unfollow",
    "project_unsupport",
]
