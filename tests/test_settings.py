"""The three ways the site starts: embedded default, tests, production."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "EMAIL_URL"}
}


def manage(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_embedded_default_boots_on_sqlite_with_eager_celery_and_console_email(tmp_path):
    env = {**CLEAN_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    code = (
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER,"
        " settings.EMAIL_BACKEND, settings.DEBUG)"
    )
    result = manage("shell", "-v", "0", "-c", code, env={**CLEAN_ENV})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "True",
    ]
    migrated = manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    seeded = manage("seed_demo", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "loos-demo-2026" in seeded.stdout
    again = manage("seed_demo", env=env)  # idempotent
    assert again.returncode == 0, again.stderr
    count = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from citizens.models import User; print(User.objects.count())",
        env=env,
    )
    assert count.stdout.strip() == "8"


def test_production_settings_pass_check_deploy_without_warning():
    env = {
        **CLEAN_ENV,
        "DJANGO_SETTINGS_MODULE": "loos.settings.production",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-value-0123456789",
        "ALLOWED_HOSTS": "participation.loos-en-gohelle.fr",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_secret_key():
    env = {
        **CLEAN_ENV,
        "DJANGO_SETTINGS_MODULE": "loos.settings.production",
        "ALLOWED_HOSTS": "participation.loos-en-gohelle.fr",
    }
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_static_files_collect_with_the_manifest_storage(tmp_path):
    # Every vendored file a CSS/JS file references (source maps, images) must be present,
    # or the production deploy fails at collectstatic.
    env = {
        **CLEAN_ENV,
        "DJANGO_SETTINGS_MODULE": "loos.settings.production",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-value-0123456789",
        "ALLOWED_HOSTS": "participation.loos-en-gohelle.fr",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    result = manage("collectstatic", "--noinput", "-v", "0", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_every_beat_entry_and_route_names_a_registered_task():
    from django.conf import settings

    from loos.celery import app

    app.loader.import_default_modules()
    named = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    named += list(settings.CELERY_TASK_ROUTES)
    assert [name for name in named if name not in app.tasks] == []
