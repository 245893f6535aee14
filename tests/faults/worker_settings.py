"""Settings of the Celery workers the worker-fault tests start: the test settings, plus the
hooks that pause a task at a chosen point so that the test can kill the worker there."""

from loos.settings.test import *  # noqa: F403

CELERY_IMPORTS = ["tests.faults.worker_hooks"]
