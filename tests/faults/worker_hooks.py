"""Imported by test workers (tests/faults/worker_settings.py): pause the data-download task at
the point named by FAULTS_PAUSE_AT, the first time any worker reaches it, so that the test can
kill the worker mid-task. Later runs (the redelivered task) pass straight through.

- FAULTS_PAUSE_AT=build: after the resident's data is read, before any file is written;
- FAULTS_PAUSE_AT=files: after the files are written, before the download is marked ready.

The pausing process writes its pid to FAULTS_DIR/paused (created exclusively: only the first
run pauses) and waits there until it is killed.
"""

import os
import time
from pathlib import Path

from citizens import exports

PAUSE_AT = os.environ.get("FAULTS_PAUSE_AT", "")
FAULTS_DIR = Path(os.environ.get("FAULTS_DIR", "."))
# A worker nobody kills gives up waiting after this long (the test has failed by then).
MAX_PAUSE = 120


def pause_once() -> None:
    try:
        fd = os.open(FAULTS_DIR / "paused", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    deadline = time.monotonic() + MAX_PAUSE
    while time.monotonic() < deadline:
        time.sleep(0.1)


def _after(function, point: str):
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        if PAUSE_AT == point:
            pause_once()
        return result

    return wrapper


if PAUSE_AT:
    # citizens.services imports these names when the task runs, so patching the module works.
    exports.build_export = _after(exports.build_export, "build")
    exports.write_export_files = _after(exports.write_export_files, "files")
