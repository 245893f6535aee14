"""What the cached pages of projects show, hence what moves their version (pagecache).

A project's version moves with its row (text, status, counters), its comments, updates and
status changes, the comments and contributions its updates cite, its rounds as its page lists
them, the name of its proposer and commenters, and its neighbourhood. Rounds' tables are
named by label: this app does not import consultations.
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
            # The page lists its rounds (title, address, dates); not their counters, which
            # move with every vote.
            On(
                "consultations.Consultation",
                key="project_id",
                fields=["title", "slug", "project", "opens_at", "closes_at"],
                unshown=[
                    "question",
                    "context",
                    "moderation",
                    "author",
                    "contribution_count",
                    "vote_count",
                    "created_at",
                ],
            ),
            On(
                "consultations.Synthesis",
                keys="SELECT project_id FROM consultations_consultation"
                " WHERE id = {row}.consultation_id",
            ),
            # An update cites contributions (their text, author, round).
            On(
                "consultations.Contribution.cited_in_updates",
                keys="SELECT project_id FROM projects_projectupdate"
                " WHERE id = {row}.projectupdate_id",
            ),
            On(
                "consultations.Contribution",
                keys=(
                    "SELECT u.project_id FROM consultations_contribution_cited_in_updates m"
                    " JOIN projects_projectupdate u ON u.id = m.projectupdate_id"
                    " WHERE m.contribution_id = {row}.id"
                ),
            ),
        ],
    )
)

PROJECT_PAGE = pagecache.Page("project-page", kinds=[PROJECT])  # whole, logged-out readers
PROJECT_STORY = pagecache.Page("project-story", kinds=[PROJECT])  # text and timeline
PROJECT_LIST = pagecache.Page("project-list", kinds=[PROJECT])  # /projets/, without a search
