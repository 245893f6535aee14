"""Participation reports for the mayor's office: the page, its CSV and its PDF exports."""

from __future__ import annotations

import csv
import io
from functools import wraps

import rules
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from . import indicators as ind
from .charts import chart_specs, inline_svg
from .forms import ReportForm
from .models import ExportStatus, ReportExport
from .pdf import freshness, report_title
from .periods import CUSTOM
from .selectors import report_get, report_story
from .services import export_filename, report_export_request

# htmx stops polling when it receives this status.
HTMX_STOP_POLLING = 286


def reports_access(view):
    """Visitors go to the login page; people without the permission get a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm("reports.view_reports"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _params(form: ReportForm) -> dict:
    data = form.cleaned_data
    params = {"perimetre": data["perimetre"], "periode": data["periode"]}
    if data.get("du") and data.get("au"):
        params.update(du=data["du"].isoformat(), au=data["au"].isoformat())
    return params


def _render_invalid(request, form: ReportForm):
    return render(
        request,
        "reports/index.html",
        {"form": form, "title": report_title(), "exports": _recent_exports(request.user)},
        status=400,
    )


def _recent_exports(user):
    return list(ReportExport.objects.filter(owner=user).order_by("-created_at")[:5])


@require_safe
@reports_access
def index(request):
    form = ReportForm(request.GET)
    if not form.is_valid():
        return _render_invalid(request, form)
    scope, period = form.scope, form.period
    report = report_get(scope=scope, period=period)
    story = report_story(scope=scope, period=period)
    for entry in story["entries"]:
        for citation in entry["citations"]:
            citation["outcome_label"] = (
                ind.outcome_label(citation["outcome"]) if citation["outcome"] else ""
            )
    data = report.data
    if period.preset != CUSTOM:
        # Show the dates the preset stands for, ready to adjust.
        form.data = {**form.data, "du": period.start.isoformat(), "au": period.end.isoformat()}
    specs = chart_specs(data)
    tables = ind.tables(data)
    charts = {
        key: {"spec": spec, "svg": inline_svg(spec), "table": tables[key]}
        for key, spec in specs.items()
        if spec is not None
    }
    params = {
        "perimetre": scope.key,
        "periode": period.preset,
        "du": period.start.isoformat(),
        "au": period.end.isoformat(),
    }
    context = {
        "form": form,
        "title": report_title(),
        "data": data,
        "report": report,
        "freshness": freshness(report),
        "period_label": {"start": ind.fmt_date(period.start), "end": ind.fmt_date(period.end)},
        "figures": ind.key_figures(data),
        "tables": tables,
        "charts": charts,
        "sections": ind.SECTION_TITLES,
        "intros": ind.SECTION_INTROS,
        "glossary": ind.glossary(),
        "story": story,
        "params": params,
        "csv_query": urlencode(params),
        "exports": _recent_exports(request.user),
    }
    return render(request, "reports/index.html", context)


@require_safe
@reports_access
def export_csv(request):
    form = ReportForm(request.GET)
    if not form.is_valid():
        return _render_invalid(request, form)
    scope, period = form.scope, form.period
    data = report_get(scope=scope, period=period).data
    buffer = io.StringIO()
    # The BOM lets Excel (French) read UTF-8; ";" and decimal commas are what it expects.
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=ind.CSV_COLUMNS, delimiter=";")
    writer.writeheader()
    for row in ind.csv_rows(data):
        value = row["value"]
        if isinstance(value, float):
            value = f"{value:g}".replace(".", ",")
        writer.writerow({**row, "value": "" if value is None else value})
    name = slugify(scope.key.replace(":", "-")) or "commune"
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="rapport-participation-{name}-{period.start}-{period.end}.csv"'
    )
    return response


@require_POST
@reports_access
def export_create(request):
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _render_invalid(request, form)
    export = report_export_request(owner=request.user, scope=form.scope, period=form.period)
    return redirect(export)


def _own_export(request, pk: int) -> ReportExport:
    export = get_object_or_404(ReportExport, pk=pk)
    # rules.has_perm, not user.has_perm: Django lets superusers through every permission,
    # and an export is only ever its owner's. Somebody else's is as if it did not exist.
    if not rules.has_perm("reports.view_export", request.user, export):
        raise Http404
    return export


@require_safe
@reports_access
def export_detail(request, pk: int):
    export = _own_export(request, pk)
    context = {"export": export, "ExportStatus": ExportStatus}
    if request.headers.get("HX-Request"):
        status = HTMX_STOP_POLLING if export.is_finished else 200
        return render(request, "reports/_export_status.html", context, status=status)
    report_query = urlencode(
        {
            "perimetre": export.scope_key,
            "periode": CUSTOM,
            "du": export.period_start.isoformat(),
            "au": export.period_end.isoformat(),
        }
    )
    return render(request, "reports/export_detail.html", {**context, "report_query": report_query})


@require_safe
@reports_access
def export_download(request, pk: int):
    export = _own_export(request, pk)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=export_filename(export, "pdf"),
        content_type="application/pdf",
    )
