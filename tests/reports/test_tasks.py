"""Celery side of the reports: beat's snapshots, the PDF export task, the purge of old files."""

import datetime as dt
import time

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from loos.celery import app
from reports.models import ExportStatus, ReportExport, ReportSnapshot
from reports.periods import Period
from reports.scopes import PROJECT, TOWN, Scope
from reports.services import report_export_build, report_export_request, report_exports_purge
from reports.tasks import precompute_town_reports
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return tmp_path / "private"


def test_beat_schedules_the_precomputation_and_the_purge():
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name in ("reports-precompute-town", "reports-purge-exports"):
        assert schedule[name]["task"] in app.tasks


def test_precomputation_stores_the_town_report_for_every_standard_period(town):
    precompute_town_reports.delay()
    snapshots = {s.preset: s for s in ReportSnapshot.objects.all()}
    today = dt.date(2025, 12, 15)
    assert {p: (s.period_start, s.period_end) for p, s in snapshots.items()} == {
        "30j": (dt.date(2025, 11, 16), today),
        "annee": (dt.date(2025, 1, 1), today),
        "mandat": (dt.date(2020, 7, 1), today),
        # The first thing that happened: Claire's account, 1 January 2020.
        "tout": (dt.date(2020, 1, 1), today),
    }
    year = snapshots["annee"].data
    assert year["scope"]["key"] == "commune"
    # The four of November, and Emma who supported p1 on 5 December.
    assert year["reach"]["participants"] == 5
    assert year["means"]["rounds_held"] == 3
    # Running it again updates the same rows.
    precompute_town_reports.delay()
    assert ReportSnapshot.objects.count() == 4


def test_the_page_uses_a_matching_snapshot_and_says_when_it_was_computed(
    town, mayors_office, time_machine, django_assert_max_num_queries
):
    time_machine.move_to(timezone.make_aware(dt.datetime(2025, 12, 15, 9, 5)), tick=False)
    precompute_town_reports.delay()
    snapshot = ReportSnapshot.objects.get(preset="annee")
    # A figure the snapshot holds, to tell it from a live computation.
    snapshot.data["reach"]["participants"] = 999
    snapshot.save()
    time_machine.move_to(timezone.make_aware(dt.datetime(2025, 12, 15, 11, 0)), tick=False)
    client = login(mayors_office)
    # 18: the snapshot page, plus the staff second-factor check and the header's counts.
    with django_assert_max_num_queries(18):
        response = client.get(reverse("reports:index"), {"periode": "annee"})
    html = response.content.decode()
    assert "Chiffres calculés le 15 décembre 2025 à 09 h 05." in html
    assert response.context["figures"]["portee"][0]["value"] == "999"

    # The same period for a project is computed live.
    response = client.get(
        reverse("reports:index"), {"periode": "annee", "perimetre": f"projet:{town.p1.slug}"}
    )
    assert "Chiffres calculés à l&#x27;instant." in response.content.decode()


def test_a_snapshot_for_other_dates_or_an_old_format_is_not_used(town, mayors_office, time_machine):
    precompute_town_reports.delay()
    ReportSnapshot.objects.filter(preset="mandat").update(version=0)
    client = login(mayors_office)
    response = client.get(reverse("reports:index"), {"periode": "mandat"})
    assert "à l&#x27;instant" in response.content.decode()
    # The next day, yesterday's snapshots no longer match "the last 30 days".
    time_machine.move_to(timezone.make_aware(dt.datetime(2025, 12, 16, 8, 0)), tick=False)
    client = login(mayors_office)  # a staff session ends after 30 idle minutes
    response = client.get(reverse("reports:index"), {"periode": "30j"})
    assert "à l&#x27;instant" in response.content.decode()


def test_export_build_is_idempotent(
    town, mayors_office, private_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        export = report_export_request(
            owner=mayors_office, scope=Scope(PROJECT, town.p1), period=town.period
        )
    report_export_build(export_id=export.pk)
    export.refresh_from_db()
    first_file = export.file.name
    assert export.status == ExportStatus.DONE and export.scope_label == "Projet : La place"
    # A redelivered task finds the work done and leaves it alone.
    report_export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.file.name == first_file
    assert [p.name for p in private_root.rglob("*.pdf")] == [first_file.rsplit("/", 1)[1]]


def test_export_of_a_scope_deleted_meanwhile_fails_with_a_message(
    town, mayors_office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        export = report_export_request(
            owner=mayors_office, scope=Scope(PROJECT, town.p3), period=town.period
        )
    town.p3.delete()
    report_export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.error == "Le périmètre de ce rapport n'existe plus."


def test_old_exports_and_their_files_are_purged(mayors_office, settings):
    settings.REPORTS_EXPORT_RETENTION_DAYS = 7
    now = timezone.now()
    old = ReportExport.objects.create(
        owner=mayors_office,
        scope_key="commune",
        preset="30j",
        period_start="2025-01-01",
        period_end="2025-01-31",
        created_at=now - dt.timedelta(days=8),
    )
    old.file.save("old.pdf", ContentFile(b"%PDF"), save=True)
    recent = ReportExport.objects.create(
        owner=mayors_office,
        scope_key="commune",
        preset="30j",
        period_start="2025-01-01",
        period_end="2025-01-31",
        created_at=now - dt.timedelta(days=6),
    )
    path = old.file.path
    assert report_exports_purge(now=now) == 1
    assert list(ReportExport.objects.all()) == [recent]
    import os

    assert not os.path.exists(path)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_pdf_while_the_page_shows_progress(
    start_worker, mayors_office, private_root
):
    from pypdf import PdfReader

    from tests.factories import ContributionFactory

    ContributionFactory.create_batch(3)
    start_worker(extra_env={"PRIVATE_MEDIA_ROOT": str(private_root)})
    client = login(mayors_office)
    response = client.post(reverse("reports:export_create"), {"periode": "30j"})
    export = ReportExport.objects.get()
    assert response["Location"] == export.get_absolute_url()
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        page = client.get(export.get_absolute_url()).content.decode()
        state = next(
            text
            for text in (
                "En attente de préparation",
                "Préparation en cours",
                "Le PDF est prêt.",
                "a échoué",
            )
            if text in page
        )
        if not seen or seen[-1] != state:
            seen.append(state)
        if state in ("Le PDF est prêt.", "a échoué"):
            break
        time.sleep(0.2)
    export.refresh_from_db()
    assert seen[-1] == "Le PDF est prêt."
    assert export.status == ExportStatus.DONE, export.error
    download = client.get(reverse("reports:export_download", args=[export.pk]))
    reader = PdfReader(__import__("io").BytesIO(b"".join(download.streaming_content)))
    assert reader.metadata.title == "Rapport de participation — Loos-en-Gohelle"


def test_period_presets_and_buckets():
    from reports.periods import preset_period

    today = dt.date(2026, 3, 4)
    assert preset_period("30j", on=today) == Period(dt.date(2026, 2, 3), today, "30j")
    assert preset_period("annee", on=today).start == dt.date(2026, 1, 1)
    assert preset_period("mandat", on=today).start == dt.date(2020, 7, 1)
    assert preset_period("tout", earliest=dt.date(2019, 5, 2), on=today).start == dt.date(
        2019, 5, 2
    )
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert year.granularity == "month" and len(year.bucket_starts()) == 12
    month = Period(dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert month.bucket_starts()[0] == dt.date(2025, 12, 1)  # a Monday
    assert month.granularity == "week" and len(month.bucket_starts()) == 5


def test_term_start_is_configurable(settings):
    from reports.periods import preset_period

    settings.REPORTS_TERM_START = "2026-03-22"
    assert preset_period("mandat", on=dt.date(2026, 6, 1)).start == dt.date(2026, 3, 22)


def test_a_town_scope_key_is_stable():
    assert Scope(TOWN).key == "commune"


def test_an_export_asked_while_the_broker_is_down_fails_at_once_so_it_can_be_asked_again(
    town, mayors_office, celery_not_eager, django_capture_on_commit_callbacks
):
    from tests.conftest import free_port
    from tests.faults.harness import celery_broker

    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"):
        with django_capture_on_commit_callbacks(execute=True):
            export = report_export_request(
                owner=mayors_office, scope=Scope(PROJECT, town.p1), period=town.period
            )
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    again = report_export_request(
        owner=mayors_office, scope=Scope(PROJECT, town.p1), period=town.period
    )
    assert again.pk != export.pk
