"""Comments as the moderation queue sees them: flagged or hidden first, decisions with a reason."""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from moderation import services as moderation
from moderation.admin import (
    FlagInline,
    FlagReasonFilter,
    HostileQuerySafeMixin,
    ReasonStepMixin,
    history,
)
from moderation.forms import DecisionFormMixin, decide

from ..models import Comment, CommentState
from ._common import TeamPermissionsMixin

# --- comments ------------------------------------------------------------------------------

CHANGE_PAGE = re.compile(r"/projects/project/(\d+)/change/")


class CommentAdminForm(DecisionFormMixin, forms.ModelForm):
    class Meta:
        model = Comment
        fields: list[str] = []


@admin.register(Comment)
class CommentAdmin(TeamPermissionsMixin, HostileQuerySafeMixin, ReasonStepMixin, admin.ModelAdmin):
    """Every comment, the moderation queue first: hidden ones (waiting for a decision after
    flags), then the most flagged."""

    form = CommentAdminForm
    list_display = [
        "excerpt",
        "author",
        "project",
        "state",
        "is_deleted",
        "by_team",
        "flag_count",
        "created_at",
    ]
    list_filter = ["state", FlagReasonFilter, "is_deleted", "by_team", "created_at"]
    search_fields = ["body", "author__display_name", "author__email", "project__title"]
    list_select_related = ["author", "project"]
    date_hierarchy = "created_at"
    actions = ["hide_comments", "restore_comments"]
    inlines = [FlagInline]
    readonly_fields = [
        "project",
        "parent",
        "author",
        "body",
        "by_team",
        "state",
        "moderation_reason",
        "is_deleted",
        "flag_count",
        "reply_count",
        "created_at",
        "edited_at",
        "history",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "project",
                    "parent",
                    "author",
                    "body",
                    "by_team",
                    "is_deleted",
                    "reply_count",
                    "created_at",
                    "edited_at",
                ]
            },
        ),
        (
            _("Modération"),
            {
                "fields": [
                    "state",
                    "moderation_reason",
                    "flag_count",
                    "decision",
                    "decision_reason",
                    "history",
                ]
            },
        ),
    ]

    def get_ordering(self, request):
        hidden_first = Case(
            When(state=CommentState.HIDDEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [hidden_first.asc(), "-flag_count", "-created_at"]

    @admin.display(description=_("historique de modération"))
    def history(self, obj):
        return history(obj)

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        if not decision:
            return
        try:
            decide(
                item=obj,
                actor=request.user,
                decision=decision,
                reason=form.cleaned_data.get("decision_reason", ""),
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def has_add_permission(self, request, *args):
        return False  # residents write comments; the team answers on the public page

    def has_delete_permission(self, request, obj=None):
        return False  # moderation hides (with a reason, logged); it never erases

    @admin.display(description=_("commentaire"))
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            # Citing in an update: only live comments, of the project being edited.
            queryset = queryset.filter(state=CommentState.PUBLISHED, is_deleted=False)
            match = CHANGE_PAGE.search(request.headers.get("Referer", ""))
            if match:
                queryset = queryset.filter(project_id=int(match.group(1)))
        return queryset, may_have_duplicates

    @admin.action(description=_("Masquer les commentaires sélectionnés (avec un motif)"))
    def hide_comments(self, request, queryset):
        return self.reason_step(
            request,
            queryset,
            title=gettext("Masquer des commentaires"),
            intro=gettext("Ces commentaires disparaîtront de la page de leur projet :"),
            decide=lambda obj, reason: moderation.item_hide(
                item=obj, actor=request.user, reason=reason
            ),
        )

    @admin.action(description=_("Republier les commentaires sélectionnés (avec un motif)"))
    def restore_comments(self, request, queryset):
        return self.reason_step(
            request,
            queryset,
            title=gettext("Republier des commentaires"),
            intro=gettext("Ces commentaires reviendront sur la page de leur projet :"),
            decide=lambda obj, reason: moderation.item_restore(
                item=obj, actor=request.user, reason=reason
            ),
        )
