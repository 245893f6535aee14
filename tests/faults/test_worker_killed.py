"""A Celery worker killed in the middle of a task: the task's effect happens exactly once.

The task is the preparation of a resident's data download (citizens.tasks.prepare_data_export):
its effects are the files, the download marked ready, and the "your data is ready" email.
A hook (tests/faults/worker_hooks.py) holds the first run at a chosen point, the test kills the
worker there with SIGKILL, and the delivery guarantees do the rest:

- the whole worker killed (a crashed container, a host gone): the message was never
  acknowledged (acks_late), so Redis hands it to another worker once the visibility timeout
  has passed (2 h in production, a few seconds here through CELERY_VISIBILITY_TIMEOUT);
- a pool process killed (the kernel's OOM killer): its parent sees the child die and puts the
  message back at once (task_reject_on_worker_lost).
"""

import os
import signal
import time
from pathlib import Path

import pytest

from citizens.models import DataExport, DataExportState
from citizens.services import data_export_request
from tests.faults.harness import celery_broker, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 3  # seconds, for the test workers only


@pytest.fixture
def faults_dir(tmp_path) -> Path:
    folder = tmp_path / "faults"
    folder.mkdir()
    return folder


@pytest.fixture
def worker_env(throwaway_redis, smtp_sink, tmp_path, faults_dir):
    """Workers on a Redis of their own (no other test's messages), with the pause hook."""
    return {
        "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
        "REDIS_URL": throwaway_redis.url(),
        "EMAIL_URL": smtp_sink.url,
        "PRIVATE_STORAGE_ROOT": str(tmp_path / "private"),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "FAULTS_DIR": str(faults_dir),
    }


def ask_for_data(resident, throwaway_redis, django_capture_on_commit_callbacks) -> DataExport:
    with celery_broker(throwaway_redis.url()), django_capture_on_commit_callbacks(execute=True):
        return data_export_request(user=resident)


def paused_pid(faults_dir: Path) -> int:
    path = faults_dir / "paused"
    wait_until(
        lambda: path.exists() and path.read_text(), timeout=40, what="the task to reach the pause"
    )
    return int(path.read_text())


def files_of(tmp_path: Path, export: DataExport) -> list[str]:
    folder = tmp_path / "private" / "exports" / str(export.token)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def assert_effect_happened_once(export, resident, smtp_sink, throwaway_redis, tmp_path):
    wait_until(
        lambda: DataExport.objects.get(pk=export.pk).state == DataExportState.READY,
        timeout=40,
        what="the download to be ready",
    )
    # The email is enqueued after the download is marked ready: wait for it, then for every
    # message to be handled (queues empty, nothing unacknowledged) before counting emails.
    wait_until(
        lambda: any(m["To"] == resident.email for m in smtp_sink.messages),
        timeout=40,
        what="the download-ready email",
    )
    broker = throwaway_redis.client()
    wait_until(
        lambda: (
            sum(broker.llen(q) for q in ("default", "emails")) == 0 and broker.hlen("unacked") == 0
        ),
        timeout=30,
        what="the broker's queues to drain",
    )
    export.refresh_from_db()
    assert (export.state, export.progress) == (DataExportState.READY, 100)
    assert DataExport.objects.filter(user=resident).count() == 1
    # One JSON and one ZIP, the ones the download points at: nothing left by the killed run.
    files = files_of(tmp_path, export)
    assert len(files) == 2, files
    assert {Path(export.json_name).name, Path(export.zip_name).name} == {
        "mes-donnees.json",
        "mes-donnees.zip",
    }
    assert all((tmp_path / "private" / n).is_file() for n in (export.json_name, export.zip_name))
    ready = [m for m in smtp_sink.messages if m["To"] == resident.email]
    assert len(ready) == 1, [m["Subject"] for m in ready]


@pytest.mark.parametrize("pause_at", ["build", "files"])
def test_whole_worker_killed_mid_task_the_download_is_prepared_once(
    pause_at,
    resident,
    throwaway_redis,
    smtp_sink,
    start_worker,
    worker_env,
    faults_dir,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    first = start_worker(extra_env={**worker_env, "FAULTS_PAUSE_AT": pause_at})
    export = ask_for_data(resident, throwaway_redis, django_capture_on_commit_callbacks)
    assert paused_pid(faults_dir) == first.process.pid  # solo pool: the worker runs it
    assert DataExport.objects.get(pk=export.pk).state == DataExportState.RUNNING

    first.kill()  # SIGKILL: no chance to acknowledge, reject or clean up

    # Redis redelivers a message once it has been unacknowledged for the visibility timeout;
    # a new worker looks for such messages when it starts.
    broker = throwaway_redis.client()
    [(_, delivered_at)] = broker.zrange("unacked_index", 0, -1, withscores=True)
    wait_until(
        lambda: time.time() > delivered_at + VISIBILITY_TIMEOUT + 0.5,
        timeout=VISIBILITY_TIMEOUT + 5,
        what="the visibility timeout to pass",
    )
    start_worker(extra_env={**worker_env, "FAULTS_PAUSE_AT": pause_at})

    assert_effect_happened_once(export, resident, smtp_sink, throwaway_redis, tmp_path)


def test_pool_process_killed_mid_task_the_download_is_prepared_once(
    resident,
    throwaway_redis,
    smtp_sink,
    start_worker,
    worker_env,
    faults_dir,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    parent = start_worker(extra_env={**worker_env, "FAULTS_PAUSE_AT": "files"}, pool="prefork")
    export = ask_for_data(resident, throwaway_redis, django_capture_on_commit_callbacks)
    child = paused_pid(faults_dir)
    assert child != parent.process.pid

    os.kill(child, signal.SIGKILL)

    assert_effect_happened_once(export, resident, smtp_sink, throwaway_redis, tmp_path)
    assert "WorkerLostError" in parent.log.read_text()
