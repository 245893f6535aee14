"""Building a resident's data download: the JSON document, its readable HTML page, the ZIP,
and the private storage that holds them (PRIVATE_STORAGE_ROOT, never MEDIA or static)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from . import personal_data as registry

FORMAT = "loos-donnees-personnelles/1"
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def private_storage() -> Storage:
    """Read at call time, so tests and deployments may point it elsewhere."""
    return FileSystemStorage(
        location=settings.PRIVATE_STORAGE_ROOT,
        base_url=None,
        file_permissions_mode=0o600,
        directory_permissions_mode=0o700,
    )


def build_export(user, *, progress: Callable[[int], None] | None = None) -> dict:
    """Everything every registered section holds about `user`, as one JSON-ready dict."""
    data: dict = {
        "à_propos": {
            "format": FORMAT,
            "généré_le": timezone.now().isoformat(),
            "commune": settings.TOWN_NAME,
            "site": settings.SITE_URL,
        }
    }
    sections = registry.sections()
    for index, section in enumerate(sections, start=1):
        data[section.key] = section.export(user)
        if progress:
            progress(10 + int(80 * index / len(sections)))
    return data


def humanise(key: str) -> str:
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _scalar(value) -> tuple[str, bool]:
    if value is None or value == "" or value == []:
        return "—", False
    if value is True:
        return _("oui"), False
    if value is False:
        return _("non"), False
    if isinstance(value, str) and ISO_DATETIME.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value, False
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT"), False
    text = str(value)
    return text, text.startswith(settings.SITE_URL.rstrip("/") + "/")


def _node(key: str, value) -> dict:
    label = humanise(key)
    if isinstance(value, dict):
        return {"label": label, "kind": "dict", "children": [_node(k, v) for k, v in value.items()]}
    if isinstance(value, list) and value:
        return {"label": label, "kind": "list", "items": [_node("", v) for v in value]}
    text, is_url = _scalar(value)
    return {"label": label, "kind": "scalar", "text": text, "is_url": is_url}


def render_readable_html(data: dict, *, language: str = "fr") -> str:
    with translation.override(language):
        labels = {section.key: str(section.label) for section in registry.sections()}
        sections = [
            {"key": key, "title": labels.get(key, humanise(key)), "node": _node(key, value)}
            for key, value in data.items()
            if key != "à_propos"
        ]
        return render_to_string(
            "citizens/export/readable.html",
            {
                "about": data.get("à_propos", {}),
                "generated_at": _scalar(data.get("à_propos", {}).get("généré_le"))[0],
                "sections": sections,
                "TOWN_NAME": settings.TOWN_NAME,
                "LANGUAGE_CODE": language,
            },
        )


def write_export_files(*, token: str, data: dict, language: str = "fr", attempt: str = "") -> dict:
    """Write the JSON and the ZIP (JSON + readable HTML); return their names and sizes.

    Each preparation writes in a folder of its own (`attempt`): a run interrupted after
    writing (a worker killed) and the run that replaces it never share files, so the
    download and the leftovers can be told apart (`delete_other_attempts`)."""
    storage = private_storage()
    document = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    html = render_readable_html(data, language=language).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mes-donnees.json", document)
        archive.writestr("mes-donnees.html", html)
    folder = f"exports/{token}/{attempt}" if attempt else f"exports/{token}"
    json_name = storage.save(f"{folder}/mes-donnees.json", ContentFile(document))
    zip_name = storage.save(f"{folder}/mes-donnees.zip", ContentFile(buffer.getvalue()))
    return {
        "json_name": json_name,
        "zip_name": zip_name,
        "json_size": len(document),
        "zip_size": len(buffer.getvalue()),
    }


def delete_export_files(names) -> None:
    storage = private_storage()
    for name in names:
        if name and storage.exists(name):
            storage.delete(name)


def delete_other_attempts(*, token: str, keep: list[str]) -> None:
    """Delete the files of a download's other preparations (interrupted runs), not `keep`."""
    storage = private_storage()
    folder = f"exports/{token}"
    if not storage.exists(folder):
        return
    subfolders, files = storage.listdir(folder)
    names = [f"{folder}/{name}" for name in files]
    for sub in subfolders:
        names += [f"{folder}/{sub}/{name}" for name in storage.listdir(f"{folder}/{sub}")[1]]
    delete_export_files([name for name in names if name not in keep])
