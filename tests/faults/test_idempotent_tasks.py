"""The data download's preparation run again after an interrupted run, in-process: one set of
files, one email. The real kill, with a worker SIGKILLed mid-task, is in test_worker_killed.py."""

import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from citizens import exports
from citizens.exports import write_export_files
from citizens.models import DataExport, DataExportState
from citizens.services import data_export_prepare

pytestmark = pytest.mark.django_db


def test_a_run_after_an_interrupted_one_leaves_one_set_of_files_and_one_email(
    settings, tmp_path, resident, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path)
    # A run claimed the download, wrote its files, and was killed before marking it ready.
    export = DataExport.objects.create(
        user=resident, token=uuid.uuid4(), state=DataExportState.RUNNING, started_at=timezone.now()
    )
    write_export_files(token=str(export.token), data={"interrompu": True}, attempt="killed")

    with django_capture_on_commit_callbacks(execute=True):
        data_export_prepare(export_id=export.pk)  # the task, delivered again
    with django_capture_on_commit_callbacks(execute=True):
        data_export_prepare(export_id=export.pk)  # and once more: exits quietly

    export.refresh_from_db()
    assert export.state == DataExportState.READY
    folder = tmp_path / "exports" / str(export.token)
    files = sorted(str(p.relative_to(tmp_path)) for p in folder.rglob("*") if p.is_file())
    assert files == sorted([export.json_name, export.zip_name])
    assert {Path(name).name for name in files} == {"mes-donnees.json", "mes-donnees.zip"}
    assert b"interrompu" not in (tmp_path / export.json_name).read_bytes()
    assert [m.to for m in mailoutbox] == [[resident.email]]


def test_a_run_that_finishes_second_removes_only_its_own_files(
    settings, tmp_path, resident, monkeypatch
):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path)
    export = DataExport.objects.create(user=resident, token=uuid.uuid4())
    data_export_prepare(export_id=export.pk)
    export.refresh_from_db()
    ready = [export.json_name, export.zip_name]
    # A duplicate that had claimed it before the first finished: it writes, then loses.
    DataExport.objects.filter(pk=export.pk).update(state=DataExportState.RUNNING)
    written = []
    original = exports.write_export_files

    def spy(**kwargs):
        files = original(**kwargs)
        written.extend([files["json_name"], files["zip_name"]])
        # Meanwhile the other run finished.
        DataExport.objects.filter(pk=export.pk).update(state=DataExportState.READY)
        return files

    monkeypatch.setattr(exports, "write_export_files", spy)
    data_export_prepare(export_id=export.pk)
    assert written and not any((tmp_path / name).exists() for name in written)
    assert all((tmp_path / name).exists() for name in ready)
