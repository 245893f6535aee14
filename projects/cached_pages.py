"""What the cached pages of projects show, hence what moves their version (pagecache).

A project's version moves with its row (text, status, counters), its comments, updates and
status changes, the comments its updates cite, the name of its proposer and commenters, and
its neighbourhood. The apps that show their own parts on a project's page (page_parts.py)
declare those parts' tables on this kind themselves (`pagecache.extend`).
"""

import pagecache
from citizens.cached_pages import USER_UNSHOWN
from pagecache import On

PROJECT = pagecache.register(
    pagecache.Kind(
        "project",
        doc="A project's page, and the lists of projects.",
        depends_on=[
            On("projects.Project", key="id"),
            On("projects.Comment", key="project_id"),
            On("projects.ProjectUpdate", key="project_id"),
            On("projects.StatusChange", key="project_id"),
            On(
                "projects.ProjectUpdate.cited_comments",
                keys="SELECT project_id FROM projects_projectupdate"
                " WHERE id = {row}.projectupdate_id",
            ),
            On(
                "citizens.User",
                fields=["display_name"],
                unshown=USER_UNSHOWN,
                keys=(
                    "SELECT id FROM projects_project WHERE author_id = {row}.id"
                    " UNION SELECT project_id FROM projects_comment WHERE author_id = {row}.id"
                    " UNION SELECT project_id FROM projects_projectupdate"
                    " WHERE author_id = {row}.id"
                ),
            ),
            # Project 0 is none: it moves the lists, whose filters name every neighbourhood.
            On(
                "citizens.Neighbourhood",
                keys="SELECT id FROM projects_project WHERE neighbourhood_id = {row}.id"
                " UNION SELECT 0",
            ),
        ],
    )
)

PROJECT_PAGE = pagecache.Page("project-page", kinds=[PROJECT])  # whole, logged-out readers
PROJECT_STORY = pagecache.Page("project-story", kinds=[PROJECT])  # text and timeline
PROJECT_LIST = pagecache.Page("project-list", kinds=[PROJECT])  # /projets/, without a search
