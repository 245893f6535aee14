"""The PDF is built by a worker, away from any request: it speaks its requester's language."""

import io

import pytest
from pypdf import PdfReader

from reports.scopes import PROJECT, Scope
from reports.services import report_export_build, report_export_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("en", "Participation report", "Rapport de participation"),
        ("fr", "Rapport de participation", "Participation report"),
    ],
)
def test_the_pdf_is_written_in_the_requesters_language(
    town, mayors_office, django_capture_on_commit_callbacks, language, expected, absent
):
    mayors_office.language = language
    mayors_office.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=False):
        export = report_export_request(
            owner=mayors_office, scope=Scope(PROJECT, town.p1), period=town.period
        )
    report_export_build(export_id=export.pk)
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert expected in text
    assert absent not in text
