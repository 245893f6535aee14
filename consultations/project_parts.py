"""What this app shows on a project's page (projects/page_parts.py): the rounds held on the
project, and the contributions its updates cite. Their tables are declared on the project
kind in cached_pages.py."""

from datetime import datetime

from django.utils import timezone

from projects import page_parts

from .models import Consultation, Contribution, ContributionState


def project_rounds(project) -> dict:
    """The project's rounds, newest first, with their synthesis (for their state): one query."""
    rounds = list(
        Consultation.objects.filter(project=project)
        .select_related("synthesis")
        .order_by("-opens_at")
    )
    return {"rounds": rounds}


def project_rounds_change(context: dict) -> datetime | None:
    """When one of these rounds next opens, closes or shows its synthesis: their state on
    the page changes then, without any write."""
    now = timezone.now()
    moments = [round_.next_change(now) for round_ in context["rounds"]]
    return min((m for m in moments if m is not None), default=None)


def project_cited_contributions(updates) -> dict[int, list[Contribution]]:
    """The published contributions each of these updates cites, oldest first: one query."""
    links = (
        Contribution.cited_in_updates.through.objects.filter(
            projectupdate_id__in=[update.pk for update in updates],
            contribution__state=ContributionState.PUBLISHED,
        )
        .select_related("contribution__author", "contribution__consultation")
        .order_by("contribution__created_at", "contribution_id")
    )
    cited: dict[int, list[Contribution]] = {}
    for link in links:
        cited.setdefault(link.projectupdate_id, []).append(link.contribution)
    return cited


page_parts.register(
    page_parts.Part(
        key="consultations",
        order=10,
        template="consultations/_project_rounds.html",
        context=project_rounds,
        until=project_rounds_change,
    )
)
page_parts.register_citations(
    page_parts.Citations(
        key="contributions",
        order=10,
        template="consultations/_project_citation.html",
        cite=project_cited_contributions,
    )
)
