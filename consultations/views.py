"""Pages of the consultations app: thin, permission -> form -> service -> redirect/render."""

import rules
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

import pagecache
from citizens.ratelimit import rate_limited
from citizens.rules import is_verified_resident
from moderation.selectors import flagged_ids_among

from . import selectors
from .cached_pages import ROUND_CONTRIBUTIONS, ROUND_PAGE
from .forms import ContributionForm, VoteForm
from .models import (
    Consultation,
    Contribution,
    ContributionState,
    ModerationMode,
    RoundState,
    round_next_change,
    round_state,
)
from .services import contribution_submit, vote_cast


@require_safe
def consultation_list(request: HttpRequest) -> HttpResponse:
    index = selectors.consultation_index(closed_page=request.GET.get("page"))
    return render(request, "consultations/list.html", {"index": index})


def _refusal(request: HttpRequest, consultation: Consultation, state: str) -> str:
    """Why this person cannot contribute or vote right now, in plain French."""
    if consultation.project.is_hidden:
        return _("Le projet de cette concertation est masqué : elle est fermée à la participation.")
    if state == RoundState.UPCOMING:
        return _("Cette concertation n'est pas encore ouverte : revenez à partir de son ouverture.")
    if state != RoundState.OPEN:
        return _("Cette concertation est close : il n'est plus possible de contribuer ni de voter.")
    if not request.user.is_authenticated:
        return _("Connectez-vous pour contribuer et voter.")
    if not is_verified_resident(request.user):
        return _("Confirmez votre adresse e-mail pour contribuer et voter.")
    return ""


def _render_detail(
    request: HttpRequest,
    consultation: Consultation,
    *,
    contribution_form: ContributionForm | None = None,
    vote_form: VoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The round page, rendered for this reader."""
    context = _detail_context(
        request,
        consultation,
        state=consultation.state_at(),
        contribution_form=contribution_form,
        vote_form=vote_form,
    )
    context["page_title"] = consultation.title
    return render(request, "consultations/detail.html", context, status=status)


def _public_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The round page for logged-out readers, who all see the same page (no form, no
    personal list): cached under the round's content version and state until it next opens,
    closes or shows its synthesis (consultations/cached_pages.py). A hit costs one light
    query."""
    key = selectors.consultation_page_key(slug=slug)
    if key is None or key["project__is_hidden"]:  # hidden with its project
        raise Http404
    now = timezone.now()
    dates = {
        "opens_at": key["opens_at"],
        "closes_at": key["closes_at"],
        "synthesis_published_at": key["synthesis__published_at"],
    }
    state = round_state(now=now, **dates)
    number = _page_number(request)

    def compute():
        consultation = selectors.consultation_get(slug=slug)
        context = _detail_context(
            request, consultation, state=state, contribution_form=None, vote_form=None
        )
        page = {
            "page_title": consultation.title,
            "content_html": render_to_string(
                "consultations/_detail_content.html", context, request
            ),
        }
        return page if context["shared"]["number"] == number else pagecache.uncached(page)

    page = pagecache.cached_value(
        ROUND_PAGE,
        version=key["content_version"],
        parts=(key["pk"], state, number),
        compute=compute,
        until=lambda: round_next_change(now=now, **dates),
    )
    return render(request, "consultations/detail.html", page)


def _page_number(request: HttpRequest) -> int:
    """The page of contributions asked for: one that is not a number shows the first one,
    as `Paginator.get_page` does."""
    return pagecache.page_number(request.GET.get("page")) or 1


def _detail_context(
    request: HttpRequest,
    consultation: Consultation,
    *,
    state: str,
    contribution_form: ContributionForm | None,
    vote_form: VoteForm | None,
) -> dict:
    user = request.user
    options = selectors.option_list(consultation=consultation)
    can_participate = rules.has_perm("consultations.contribute", user, consultation)
    current_vote = None
    if can_participate:
        contribution_form = contribution_form or ContributionForm(options=options)
        if options:
            current_vote = selectors.vote_get(consultation=consultation, user=user)
            initial = {"option": current_vote.option_id if current_vote else None}
            vote_form = vote_form or VoteForm(options=options, initial=initial)
    own = selectors.contribution_list_of_author(consultation=consultation, user=user)
    show_results = bool(options) and state in (RoundState.CLOSED, RoundState.SYNTHESIS)
    results, total_votes = selectors.option_results(options=options) if show_results else ([], 0)
    synthesis = consultation.synthesis if state == RoundState.SYNTHESIS else None
    can_flag = is_verified_resident(user)
    shared = _shared_contributions(request, consultation, state=state, synthesis=synthesis)
    flagged_ids = set()
    if can_flag and shared["items"]:
        flagged_ids = flagged_ids_among(
            user=user, items=[Contribution(pk=item["pk"]) for item in shared["items"]]
        )
    return {
        "consultation": consultation,
        "state": state,
        "RoundState": RoundState,
        "options": options,
        "can_participate": can_participate,
        "refusal": "" if can_participate else _refusal(request, consultation, state),
        "contribution_form": contribution_form,
        "vote_form": vote_form,
        "current_vote": current_vote,
        "shared": shared,
        "own_contributions": own,
        "show_results": show_results,
        "results": results,
        "total_votes": total_votes,
        "synthesis": synthesis,
        "can_flag": can_flag,
        "flagged_ids": flagged_ids,
        "moderated_before": consultation.moderation == ModerationMode.BEFORE,
    }


def _shared_contributions(
    request: HttpRequest, consultation: Consultation, *, state, synthesis
) -> dict:
    """The page of published contributions every reader sees, cached under the round's
    content version and state: each contribution's HTML with its id and author, for the
    template to put this reader's flag link next to it."""
    number = _page_number(request)

    def compute():
        page = selectors.contribution_page(consultation=consultation, page=number)
        items = [
            {
                "pk": contribution.pk,
                "author_id": contribution.author_id,
                "author_name": contribution.author.display_name if contribution.author else "",
                "html": render_to_string(
                    "consultations/_contribution_body.html",
                    {"contribution": contribution, "show_outcome": synthesis, "own": False},
                    request,
                ),
            }
            for contribution in page
        ]
        shared = {
            "number": page.number,
            "count": page.paginator.count,
            "items": items,
            "pagination_html": render_to_string(
                "consultations/_pagination.html",
                {"page": page, "anchor": "contributions", "label": _("Pages des contributions")},
                request,
            ),
        }
        # A page past the last shows the last one (Paginator.get_page): not stored twice.
        return shared if page.number == number else pagecache.uncached(shared)

    return pagecache.cached_value(
        ROUND_CONTRIBUTIONS,
        version=consultation.content_version,
        parts=(consultation.pk, state, number),
        compute=compute,
    )


@require_safe
def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated and pagecache.enabled():
        return _public_detail(request, slug)
    return _render_detail(request, _round_get(request, slug))


def _round_get(request: HttpRequest, slug: str) -> Consultation:
    """The round, or a 404 for whoever may not read it (its project is hidden)."""
    consultation = selectors.consultation_get(slug=slug)
    if not rules.has_perm("consultations.read", request.user, consultation):
        raise Http404
    return consultation


def _refuse_participation(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    state = consultation.state_at()
    if state == RoundState.OPEN and not request.user.is_authenticated:
        return redirect_to_login(consultation.get_absolute_url())
    messages.error(request, _refusal(request, consultation, state))
    return _render_detail(request, consultation, status=403)


@require_POST
@rate_limited("contribute")
def contribute(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _round_get(request, slug)
    if not rules.has_perm("consultations.contribute", request.user, consultation):
        return _refuse_participation(request, consultation)
    options = selectors.option_list(consultation=consultation)
    form = ContributionForm(request.POST, options=options)
    if not form.is_valid():
        return _render_detail(request, consultation, contribution_form=form, status=400)
    try:
        contribution = contribution_submit(
            consultation=consultation,
            author=request.user,
            body=form.cleaned_data["body"],
            option=form.cleaned_data.get("option"),
        )
    except PermissionDenied:
        return _refuse_participation(request, consultation)
    except ValidationError as error:
        _add_errors(form, error)
        return _render_detail(request, consultation, contribution_form=form, status=400)
    if contribution.state == ContributionState.PENDING:
        messages.success(
            request,
            _("Merci ! Votre contribution sera publiée après validation par l'équipe."),
        )
    else:
        messages.success(request, _("Merci ! Votre contribution est publiée."))
    return redirect(f"{consultation.get_absolute_url()}#mes-contributions")


@require_POST
@rate_limited("vote")
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = _round_get(request, slug)
    if not rules.has_perm("consultations.vote", request.user, consultation):
        return _refuse_participation(request, consultation)
    options = selectors.option_list(consultation=consultation)
    form = VoteForm(request.POST, options=options)
    if not form.is_valid():
        return _render_detail(request, consultation, vote_form=form, status=400)
    try:
        vote_cast(consultation=consultation, voter=request.user, option=form.cleaned_data["option"])
    except PermissionDenied:
        return _refuse_participation(request, consultation)
    except ValidationError as error:
        _add_errors(form, error)
        return _render_detail(request, consultation, vote_form=form, status=400)
    messages.success(
        request,
        _("Votre vote est enregistré : « %(option)s ». Vous pouvez le changer jusqu'à la clôture.")
        % {"option": form.cleaned_data["option"].label},
    )
    return redirect(f"{consultation.get_absolute_url()}#vote")


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
