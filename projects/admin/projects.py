"""Projects: the lifecycle with its official answers, updates, hiding with a reason."""

import rules
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from moderation import services as moderation
from moderation.admin import ReasonStepMixin
from moderation.forms import ReasonForm

from .. import services
from ..forms import StatusChangeForm
from ..models import STATUS_TRANSITIONS, Project, ProjectUpdate, StatusChange
from ._common import TeamPermissionsMixin

# --- projects ------------------------------------------------------------------------------


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "answer", "author"]
    readonly_fields = fields
    verbose_name_plural = _("Historique des états (avec les réponses officielles)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return rules.has_perm("projects.moderate", request.user)


class ProjectUpdateInlineForm(forms.ModelForm):
    class Meta:
        model = ProjectUpdate
        fields = ["title", "body", "cited_comments", "published_at"]

    def clean_cited_comments(self):
        cited = self.cleaned_data["cited_comments"]
        project_id = self.instance.project_id
        if any(comment.project_id != project_id for comment in cited):
            raise ValidationError(gettext("Ne citez que des commentaires de ce projet."))
        return cited


class ProjectUpdateInline(admin.StackedInline):
    model = ProjectUpdate
    form = ProjectUpdateInlineForm
    extra = 0
    autocomplete_fields = ["cited_comments"]
    fields = ["title", "body", "cited_comments", "published_at"]
    verbose_name = _("actualité")
    verbose_name_plural = _("Actualités (ce qui a changé grâce aux habitants)")

    def has_view_permission(self, request, obj=None):
        return rules.has_perm("projects.moderate", request.user)

    def has_change_permission(self, request, obj=None):
        return rules.has_perm("projects.moderate", request.user)

    def has_add_permission(self, request, obj=None):
        # Updates are posted on an existing project (they may cite its comments).
        return obj is not None and rules.has_perm("projects.moderate", request.user)

    def has_delete_permission(self, request, obj=None):
        return rules.has_perm("projects.moderate", request.user)


@admin.register(Project)
class ProjectAdmin(TeamPermissionsMixin, ReasonStepMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "status",
        "category",
        "origin",
        "neighbourhood",
        "support_count",
        "comment_count",
        "is_hidden",
        "created_at",
    ]
    list_filter = ["status", "category", "origin", "neighbourhood", "is_hidden"]
    search_fields = ["title", "summary", "slug"]
    list_select_related = ["neighbourhood"]
    date_hierarchy = "created_at"
    inlines = [ProjectUpdateInline, StatusChangeInline]
    actions = ["hide_projects", "unhide_projects"]
    counters = ["support_count", "comment_count", "follower_count"]

    def get_fieldsets(self, request, obj=None):
        main = ["title", "slug", "summary", "body", "category", "neighbourhood", "origin"]
        if obj is None:
            main.append("status")
        else:
            main = ["team_actions", "status", *main]
        return [
            (None, {"fields": main}),
            (_("Lieu"), {"fields": ["latitude", "longitude"]}),
            (
                _("Suivi"),
                {
                    "fields": [
                        "author",
                        "is_hidden",
                        "hidden_reason",
                        *self.counters,
                        "created_at",
                        "status_changed_at",
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["author", "is_hidden", "hidden_reason", *self.counters, "status_changed_at"]
        if obj is not None:
            readonly += ["team_actions", "status", "slug", "created_at"]
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["title"]} if obj is None else {}

    @admin.display(description=_("Actions de l'équipe"))
    def team_actions(self, obj):
        links = []
        if STATUS_TRANSITIONS.get(obj.status):
            url = reverse("admin:projects_project_status", args=[obj.pk])
            links.append((url, gettext("Changer l'état (avec la réponse officielle)…")))
        url = reverse("admin:projects_project_visibility", args=[obj.pk])
        label = gettext("Réafficher le projet…") if obj.is_hidden else gettext("Masquer le projet…")
        links.append((url, label))
        links.append((obj.get_absolute_url(), gettext("Voir la page publique")))
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = obj.author or request.user
            obj.save()
            return
        # Only what the form changed: never overwrite counters moved meanwhile by residents.
        fields = [f for f in form.changed_data if f not in self.counters]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProjectUpdate:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            if inline_form.instance.pk is None:
                data = inline_form.cleaned_data
                services.project_update_post(
                    project=form.instance,
                    author=request.user,
                    title=data["title"],
                    body=data["body"],
                    cited_comments=data["cited_comments"],
                    published_at=data["published_at"],
                )
            else:
                inline_form.save()

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/etat/", view(self.status_view), name="projects_project_status"),
            path(
                "<int:pk>/visibilite/",
                view(self.visibility_view),
                name="projects_project_visibility",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, obj, *, title, form, template):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "original": obj,
            "opts": self.model._meta,
            "change_url": reverse("admin:projects_project_change", args=[obj.pk]),
        }
        return TemplateResponse(request, template, context, status=400 if form.errors else 200)

    def status_view(self, request, pk: int):
        if not self._is_team(request):
            raise PermissionDenied
        project = get_object_or_404(Project, pk=pk)
        form = StatusChangeForm(request.POST or None, project=project)
        if request.method == "POST" and form.is_valid():
            try:
                services.project_change_status(
                    project=project,
                    actor=request.user,
                    to_status=form.cleaned_data["to_status"],
                    answer=form.cleaned_data["answer"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    gettext("« %(project)s » passe à l'état « %(status)s ».")
                    % {"project": project, "status": project.get_status_display()},
                    messages.SUCCESS,
                )
                return redirect("admin:projects_project_change", project.pk)
        return self._page(
            request,
            project,
            title=gettext("Changer l'état de « %(project)s »") % {"project": project},
            form=form,
            template="admin/projects/status_form.html",
        )

    def visibility_view(self, request, pk: int):
        if not self._is_team(request):
            raise PermissionDenied
        project = get_object_or_404(Project, pk=pk)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            decide = moderation.item_restore if project.is_hidden else moderation.item_hide
            try:
                decide(item=project, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request, gettext("C'est fait, et noté au journal."), messages.SUCCESS
                )
                return redirect("admin:projects_project_change", project.pk)
        if project.is_hidden:
            title = gettext("Réafficher « %(project)s »") % {"project": project}
        else:
            title = gettext("Masquer « %(project)s »") % {"project": project}
        return self._page(
            request, project, title=title, form=form, template="admin/projects/visibility_form.html"
        )

    @admin.action(description=_("Masquer les projets sélectionnés (avec un motif)"))
    def hide_projects(self, request, queryset):
        return self.reason_step(
            request,
            queryset,
            title=gettext("Masquer des projets"),
            intro=gettext("Ces projets disparaîtront des pages publiques :"),
            decide=lambda obj, reason: moderation.item_hide(
                item=obj, actor=request.user, reason=reason
            ),
        )

    @admin.action(description=_("Réafficher les projets sélectionnés (avec un motif)"))
    def unhide_projects(self, request, queryset):
        return self.reason_step(
            request,
            queryset,
            title=gettext("Réafficher des projets"),
            intro=gettext("Ces projets reviendront sur les pages publiques :"),
            decide=lambda obj, reason: moderation.item_restore(
                item=obj, actor=request.user, reason=reason
            ),
        )
