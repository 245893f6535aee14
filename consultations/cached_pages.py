"""What the cached pages of rounds show, hence what moves their version (pagecache).

A round's version moves with its row, options (labels, results), contributions, synthesis,
the updates citing its contributions (title, project), its project's title and address, and
its contributors' names. The home page lists rounds and projects: it is declared here, where
both kinds are known.

A project's page shows this app's parts (project_parts.py): its rounds and the contributions
its updates cite. Their tables are declared here, on the project kind, so that projects
names nothing of this app.
"""

import pagecache
from citizens.cached_pages import USER_UNSHOWN
from pagecache import On
from projects.cached_pages import PROJECT

ROUND = pagecache.register(
    pagecache.Kind(
        "round",
        doc="A round's page, and the lists of rounds.",
        depends_on=[
            On("consultations.Consultation", key="id"),
            On("consultations.Option", key="consultation_id"),
            On("consultations.Contribution", key="consultation_id"),
            On("consultations.Synthesis", key="consultation_id"),
            On(
                "consultations.Contribution.cited_in_updates",
                keys="SELECT consultation_id FROM consultations_contribution"
                " WHERE id = {row}.contribution_id",
            ),
            On(
                "projects.ProjectUpdate",
                fields=["title", "project", "published_at"],
                unshown=["author", "body"],
                keys=(
                    "SELECT c.consultation_id FROM consultations_contribution_cited_in_updates m"
                    " JOIN consultations_contribution c ON c.id = m.contribution_id"
                    " WHERE m.projectupdate_id = {row}.id"
                ),
            ),
            On(
                "projects.Project",
                fields=["slug", "title"],
                # Loaded with the round (select_related), not shown on its page.
                unshown=[
                    "summary",
                    "body",
                    "category",
                    "neighbourhood",
                    "latitude",
                    "longitude",
                    "origin",
                    "status",
                    "author",
                    "is_hidden",
                    "hidden_reason",
                    "support_count",
                    "comment_count",
                    "follower_count",
                    "search_vector",
                    "created_at",
                    "updated_at",
                    "status_changed_at",
                ],
                keys=(
                    "SELECT id FROM consultations_consultation WHERE project_id = {row}.id"
                    " UNION SELECT c.consultation_id FROM projects_projectupdate u"
                    " JOIN consultations_contribution_cited_in_updates m"
                    " ON m.projectupdate_id = u.id"
                    " JOIN consultations_contribution c ON c.id = m.contribution_id"
                    " WHERE u.project_id = {row}.id"
                ),
            ),
            On(
                "citizens.User",
                fields=["display_name"],
                unshown=USER_UNSHOWN,
                keys="SELECT consultation_id FROM consultations_contribution"
                " WHERE author_id = {row}.id",
            ),
        ],
    )
)

# What project_parts.py shows on a project's page.
pagecache.extend(
    PROJECT,
    [
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
            keys="SELECT project_id FROM projects_projectupdate WHERE id = {row}.projectupdate_id",
        ),
        On(
            "consultations.Contribution",
            keys=(
                "SELECT u.project_id FROM consultations_contribution_cited_in_updates m"
                " JOIN projects_projectupdate u ON u.id = m.projectupdate_id"
                " WHERE m.contribution_id = {row}.id"
            ),
        ),
        # The names of the contributors cited.
        On(
            "citizens.User",
            fields=["display_name"],
            unshown=USER_UNSHOWN,
            keys=(
                "SELECT u.project_id FROM consultations_contribution c"
                " JOIN consultations_contribution_cited_in_updates m ON m.contribution_id = c.id"
                " JOIN projects_projectupdate u ON u.id = m.projectupdate_id"
                " WHERE c.author_id = {row}.id"
            ),
        ),
    ],
)

ROUND_PAGE = pagecache.Page("round-page", kinds=[ROUND])  # whole, for logged-out readers
ROUND_CONTRIBUTIONS = pagecache.Page("round-contributions", kinds=[ROUND])  # every reader
HOME = pagecache.Page("home", kinds=[PROJECT, ROUND])
