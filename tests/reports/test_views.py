"""The report page and its exports, through Django's test client."""

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reports.models import ExportStatus, ReportExport
from tests.conftest import login
from tests.factories import (
    ContributionFactory,
    MayorsOfficeFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    ResidentFactory,
    SuperuserFactory,
    TeamMemberFactory,
)

pytestmark = pytest.mark.django_db

NOVEMBER = {"perimetre": "commune", "periode": "dates", "du": "2025-11-01", "au": "2025-11-30"}


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return tmp_path / "private"


def client_for(role):
    if role == "visitor":
        from django.test import Client

        return Client(), None
    factory = {
        "resident": ResidentFactory,
        "team": TeamMemberFactory,
        "mayors_office": MayorsOfficeFactory,
        "superuser": SuperuserFactory,
    }[role]
    user = factory()
    return login(user), user


def done_export(owner, private_root):
    export = ReportExport.objects.create(
        owner=owner,
        scope_key="commune",
        scope_label="Toute la commune",
        preset="dates",
        period_start="2025-11-01",
        period_end="2025-11-30",
        status=ExportStatus.DONE,
        progress=100,
    )
    from django.core.files.base import ContentFile

    export.file.save("rapport.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return export


ROLES = ["visitor", "resident", "team", "mayors_office", "superuser"]
EXPECTED = {"visitor": 302, "resident": 403, "team": 403, "mayors_office": 200, "superuser": 200}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["index", "csv", "export_create", "export_detail", "download"])
def test_who_may_see_reports(role, page, private_root, django_capture_on_commit_callbacks):
    client, user = client_for(role)
    owner = user or ResidentFactory()
    export = done_export(owner, private_root)
    with django_capture_on_commit_callbacks(execute=True):
        if page == "index":
            response = client.get(reverse("reports:index"))
        elif page == "csv":
            response = client.get(reverse("reports:csv"), NOVEMBER)
        elif page == "export_create":
            response = client.post(reverse("reports:export_create"), NOVEMBER)
        elif page == "export_detail":
            response = client.get(reverse("reports:export_detail", args=[export.pk]))
        else:
            response = client.get(reverse("reports:export_download", args=[export.pk]))
    expected = EXPECTED[role]
    if page == "export_create" and expected == 200:
        expected = 302  # to the new export's page
    assert response.status_code == expected
    if role == "visitor":
        assert response["Location"].startswith("/compte/login/?next=/rapports/")
    if expected == 403:
        assert "Accès refusé" in response.content.decode()


def test_someone_elses_export_is_not_found(private_root):
    export = done_export(MayorsOfficeFactory(), private_root)
    colleague = login(MayorsOfficeFactory())
    for name in ("reports:export_detail", "reports:export_download"):
        assert colleague.get(reverse(name, args=[export.pk])).status_code == 404
    # Not even a superuser reads another person's export.
    assert login(SuperuserFactory()).get(export.get_absolute_url()).status_code == 404


@pytest.fixture
def mayor_client(mayors_office):
    return login(mayors_office)


@pytest.mark.parametrize(
    "params, field, message",
    [
        (
            {"periode": "dates", "du": "2025-11-30", "au": "2025-11-01"},
            "au",
            "Le dernier jour doit venir après le premier.",
        ),
        (
            {"periode": "dates", "du": "", "au": "2025-11-01"},
            "du",
            "Indiquez le premier jour de la période.",
        ),
        (
            {"periode": "dates", "du": "pas une date", "au": "2025-11-01"},
            "du",
            "Saisissez une date valide.",
        ),
        (
            {"periode": "dates", "du": "1850-01-01", "au": "2025-11-01"},
            "du",
            "Choisissez une date à partir du 1er janvier 2000.",
        ),
        ({"periode": "siècle"}, "periode", "Sélectionnez un choix valide"),
        ({"perimetre": "projet:nexiste-pas"}, "perimetre", "Sélectionnez un choix valide"),
        ({"perimetre": "planete:terre"}, "perimetre", "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_is_a_400_with_a_french_message(mayor_client, params, field, message):
    for url in (reverse("reports:index"), reverse("reports:csv")):
        response = mayor_client.get(url, params)
        assert response.status_code == 400
        form = response.context["form"]
        assert any(message in error for error in form.errors[field])
        assert message in response.content.decode()


def test_export_request_with_bad_input_is_a_400(mayor_client):
    response = mayor_client.post(reverse("reports:export_create"), {"periode": "nimporte"})
    assert response.status_code == 400
    assert not ReportExport.objects.exists()


def test_report_page_shows_figures_charts_tables_and_story(mayor_client, town):
    response = mayor_client.get(reverse("reports:index"), NOVEMBER)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Du 1er novembre 2025 au 30 novembre 2025." in html
    assert "Chiffres calculés à l&#x27;instant." in html
    # Key figures, with their definition.
    assert "Concertations tenues" in html and "75\u00a0%" in html
    assert "3 sur 4" in html
    # Three charts, each an SVG with an accessible name, followed by its table.
    assert html.count('<svg role="img" aria-label="') == 3
    assert '<caption id="table-participation-caption">Participation par semaine</caption>' in html
    assert '<th scope="row">semaine du 3 nov. 2025</th>' in html
    # The story, in order, with Markdown rendered and what residents said.
    assert html.index("Ce que vous avez changé") < html.index("Suite du jardin")
    assert "<strong>plus d'arbres</strong>" in html
    assert "Contribution numéro" in html
    # The glossary.
    assert 'id="definition-participants"' in html


def test_neighbourhood_names_never_reach_the_markup_unescaped(mayor_client, town):
    town.gare.name = '<script>alert("x")</script>'
    town.gare.save()
    html = mayor_client.get(reverse("reports:index"), NOVEMBER).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html  # in the table, escaped


def test_csv_has_every_indicator_with_the_right_columns(mayor_client, town):
    response = mayor_client.get(reverse("reports:csv"), NOVEMBER)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0].keys()) == [
        "section",
        "indicator",
        "label",
        "scope",
        "period_start",
        "period_end",
        "key",
        "value",
        "unit",
    ]
    by = {(r["indicator"], r["key"]): r for r in rows}
    assert by[("participants", "")]["value"] == "4"
    assert by[("contributions_answered_share", "")]["value"] == "75"
    assert by[("comments_answered_share", "")]["value"] == "66,7"
    assert by[("median_answer_hours_comments", "")]["value"] == "30"
    assert by[("contributions", "2025-11-03")]["value"] == "2"
    assert by[("participants_by_neighbourhood", "cite-5")]["value"] == "1"
    assert by[("participants_share_of_population", "cite-5")]["value"] == "0,2"
    assert by[("outcomes", "yes")]["value"] == "1"
    assert by[("proposals_decided", "")]["value"] == "2"
    assert {r["scope"] for r in rows} == {"commune"}
    assert {(r["period_start"], r["period_end"]) for r in rows} == {("2025-11-01", "2025-11-30")}
    sections = {r["section"] for r in rows}
    assert sections == {"moyens", "portee", "participation", "resultats"}


def test_pdf_export_goes_through_a_task_and_is_a_valid_pdf(
    mayor_client, mayors_office, town, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = mayor_client.post(reverse("reports:export_create"), NOVEMBER)
    export = ReportExport.objects.get()
    assert response["Location"] == export.get_absolute_url()
    export.refresh_from_db()
    assert (export.owner, export.status, export.progress) == (mayors_office, "done", 100)
    page = mayor_client.get(export.get_absolute_url())
    assert "Le PDF est prêt." in page.content.decode()

    download = mayor_client.get(reverse("reports:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata.title == "Rapport de participation — Loos-en-Gohelle"
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Rapport de participation — Loos-en-Gohelle" in text
    assert "Ce que vous avez changé" in text
    assert "Participants" in text
    images = [image for page in reader.pages for image in page.images]
    assert len(images) >= 1


def test_the_file_lives_outside_media_and_static(
    mayor_client, town, private_root, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mayor_client.post(reverse("reports:export_create"), NOVEMBER)
    export = ReportExport.objects.get()
    path = export.file.path
    assert path.startswith(str(private_root))
    assert not path.startswith(str(settings.MEDIA_ROOT))


def test_asking_twice_reuses_the_export_in_progress(mayor_client):
    mayor_client.post(reverse("reports:export_create"), NOVEMBER)  # on_commit not run: pending
    mayor_client.post(reverse("reports:export_create"), NOVEMBER)
    assert ReportExport.objects.count() == 1


def test_export_status_polls_with_htmx_until_finished(mayor_client, mayors_office):
    export = ReportExport.objects.create(
        owner=mayors_office,
        scope_key="commune",
        preset="dates",
        period_start="2025-11-01",
        period_end="2025-11-30",
        status="running",
        progress=40,
    )
    page = mayor_client.get(export.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert '<progress id="export-progress" class="w-100" max="100" value="40">' in page
    assert "Actualiser la page" in page
    partial = mayor_client.get(export.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    ReportExport.objects.filter(pk=export.pk).update(status="failed", error="Échec de test")
    partial = mayor_client.get(export.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert partial.status_code == 286  # htmx stops polling
    assert "Échec de test" in partial.content.decode()


def test_report_page_query_count_does_not_grow_with_data(mayor_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project = ProjectFactory()

    def add(count):
        for _index in range(count):
            update = ProjectUpdateFactory(project=project)
            update.cited_contributions.set(
                [ContributionFactory(consultation__project=project) for _ in range(2)]
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = mayor_client.get(reverse("reports:index"), {"periode": "30j"})
        assert response.status_code == 200
        return len(captured.captured_queries), response.context["story"]["shown"]

    add(5)
    with_5, shown = queries()
    assert shown == 5
    add(45)
    with_50, shown = queries()
    assert shown == 50
    # 36 with the staff second-factor check (2) and the header (bell, reports link).
    assert with_5 == with_50 <= 36
