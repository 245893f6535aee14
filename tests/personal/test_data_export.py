"""The data download: what it holds, who may fetch it, how long, and how it is prepared."""

import io
import json
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from citizens import personal_data as registry
from citizens.models import DataExport, DataExportState
from citizens.tasks import purge_data_exports
from tests.conftest import login
from tests.factories import CommentFactory, NeighbourhoodFactory, ResidentFactory
from tests.personal.data import everything_by, flag_by

pytestmark = pytest.mark.django_db

MINE = "MIEN-7Q"
THEIRS = "AUTRE-3Z"


def request_export(client, capture) -> DataExport:
    with capture(execute=True):
        response = client.post("/compte/donnees/")
    assert response.status_code == 302
    return DataExport.objects.order_by("-requested_at").first()


def download(client, export, fmt="json"):
    return client.get(f"/compte/donnees/{export.token}/mes-donnees.{fmt}")


def body_of(response) -> bytes:
    # Reading the stream to its end lets the test client close the file.
    return b"".join(response.streaming_content)


def test_download_holds_everything_the_resident_created_and_nothing_of_anybody_else(
    resident, other_resident, resident_client, django_capture_on_commit_callbacks, mailoutbox
):
    resident.neighbourhood = NeighbourhoodFactory(name="Cité 5", slug="cite-5")
    resident.save()
    mine = everything_by(resident, marker=MINE)
    theirs = everything_by(
        other_resident,
        marker=THEIRS,
        project=mine.comment.project,
        consultation=mine.contribution.consultation,
    )
    flag_by(resident, theirs.contribution, marker=MINE)
    flag_by(other_resident, mine.contribution, marker=THEIRS)
    CommentFactory(project=mine.comment.project, parent=mine.comment, author=other_resident)
    CommentFactory(author=resident, body=f"<script>alert('{MINE}')</script>")

    export = request_export(resident_client, django_capture_on_commit_callbacks)
    assert (export.state, export.progress) == (DataExportState.READY, 100)
    assert export.expires_at == export.finished_at + timedelta(days=7)

    response = download(resident_client, export)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    raw = body_of(response).decode()
    data = json.loads(raw)

    profile = data["compte"]["profil"]
    assert (profile["adresse_email"], profile["nom_affiché"], profile["quartier"]) == (
        resident.email,
        "Marie L.",
        "Cité 5",
    )
    assert data["compte"]["adresses_email"] == [
        {"adresse": resident.email, "vérifiée": True, "principale": True}
    ]
    projects = data["projets"]
    assert [p["titre"] for p in projects["propositions_de_projet"]] == [f"Proposition {MINE}"]
    comments = {c["texte"]: c for c in projects["commentaires"]}
    assert set(comments) == {
        f"Commentaire {MINE}",
        f"Commentaire masqué {MINE}",
        f"<script>alert('{MINE}')</script>",
    }
    assert comments[f"Commentaire masqué {MINE}"]["motif_de_modération"] == "Propos hors sujet."
    assert comments[f"Commentaire {MINE}"]["adresse"].endswith(mine.comment.get_absolute_url())
    assert [s["projet"] for s in projects["soutiens"]] == [mine.comment.project.title]
    assert [f["projet"] for f in projects["abonnements"]] == [mine.comment.project.title]
    consultations = data["concertations"]
    contributions = {c["texte"]: c for c in consultations["contributions"]}
    assert set(contributions) == {f"Contribution {MINE}", f"Contribution refusée {MINE}"}
    assert contributions[f"Contribution {MINE}"]["réponse_de_l_équipe"].endswith(MINE)
    assert contributions[f"Contribution refusée {MINE}"]["état"] == "Refusée"
    assert [v["option"] for v in consultations["votes"]] == [f"Option {MINE}"]
    [flag] = data["signalements"]["signalements"]
    assert flag["précisions"] == f"Précisions {MINE}"
    assert flag["élément_signalé"]["adresse"].endswith(theirs.contribution.get_absolute_url())

    # Nothing of anybody else's: not their words, not their name, not their address.
    for trace in (THEIRS, other_resident.email, other_resident.display_name):
        assert trace not in raw

    # The ZIP holds the same JSON and a readable page, escaped.
    archive = zipfile.ZipFile(io.BytesIO(body_of(download(resident_client, export, "zip"))))
    assert archive.namelist() == ["mes-donnees.json", "mes-donnees.html"]
    assert json.loads(archive.read("mes-donnees.json")) == data
    html = archive.read("mes-donnees.html").decode()
    assert f"Commentaire masqué {MINE}" in html and "Cité 5" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert THEIRS not in html and other_resident.email not in html

    # The resident is told by email that the download is ready.
    [message] = mailoutbox
    assert message.to == [resident.email]
    assert "/compte/donnees/" in message.body


@pytest.mark.parametrize(
    "who, expected",
    [
        ("owner", 200),
        ("other_resident", 404),
        ("team_member", 404),
        ("superuser", 404),
        ("visitor", 302),
    ],
)
def test_only_the_owner_gets_the_files(
    who, expected, resident, request, client, django_capture_on_commit_callbacks
):
    export = request_export(login(resident), django_capture_on_commit_callbacks)
    if who == "owner":
        viewer = login(resident)
    elif who == "visitor":
        viewer = client
    else:
        viewer = login(request.getfixturevalue(who))
    for fmt in ("json", "zip"):
        response = download(viewer, export, fmt)
        assert response.status_code == expected
        if expected == 302:
            assert response["Location"].startswith("/compte/login/")


def test_unknown_format_or_token_is_404(resident_client, resident):
    assert resident_client.get("/compte/donnees/not-a-uuid/mes-donnees.json").status_code == 404
    unknown = "/compte/donnees/8a7c9a7e-2f47-4a4e-9d5c-1f0e2e3d4c5b/mes-donnees.json"
    assert resident_client.get(unknown).status_code == 404
    export = DataExport.objects.create(user=resident, token="8a7c9a7e-2f47-4a4e-9d5c-1f0e2e3d4c5b")
    assert resident_client.get(unknown.replace(".json", ".exe")).status_code == 404
    # Not ready yet: back to the page, with a message.
    response = resident_client.get(unknown)
    assert (response.status_code, response["Location"]) == (302, "/compte/donnees/")
    assert export.state == DataExportState.PENDING


def test_expired_link_answers_410_in_french_and_its_files_are_purged(
    resident, resident_client, django_capture_on_commit_callbacks, settings
):
    export = request_export(resident_client, django_capture_on_commit_callbacks)
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    files = [root / export.json_name, root / export.zip_name]
    assert all(f.exists() for f in files)
    assert not str(root).startswith(str(settings.MEDIA_ROOT))

    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert download(resident_client, export).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = download(resident_client, export)
        assert response.status_code == 410
        assert "Ce lien de téléchargement a expiré" in response.content.decode()
        assert purge_data_exports.delay().get() == 1
    assert not any(f.exists() for f in files)
    export.refresh_from_db()
    assert export.state == DataExportState.EXPIRED
    assert download(resident_client, export).status_code == 410
    assert "Expiré" in resident_client.get("/compte/donnees/").content.decode()
    # A month later the row itself is forgotten.
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        purge_data_exports.delay().get()
    assert not DataExport.objects.exists()


def test_the_purge_is_scheduled_by_celery_beat(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-expired-data-exports"]
    assert schedule["task"] == purge_data_exports.name


def test_a_second_request_while_one_is_prepared_does_not_double_it(resident, resident_client):
    # Without running the on-commit callbacks, the first download stays pending.
    assert resident_client.post("/compte/donnees/").status_code == 302
    assert resident_client.post("/compte/donnees/").status_code == 302
    [export] = DataExport.objects.all()
    assert export.state == DataExportState.PENDING
    page = resident_client.get("/compte/donnees/").content.decode()
    assert "Une préparation est déjà en cours." in page
    assert f'hx-get="/compte/donnees/{export.token}/etat/"' in page


def test_a_lost_preparation_is_replaced_after_an_hour(resident, resident_client):
    resident_client.post("/compte/donnees/")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        resident_client.post("/compte/donnees/")
    states = sorted(DataExport.objects.values_list("state", flat=True))
    assert states == [DataExportState.FAILED, DataExportState.PENDING]


def test_requests_are_limited_per_day(
    resident, resident_client, django_capture_on_commit_callbacks
):
    for _ in range(5):
        request_export(resident_client, django_capture_on_commit_callbacks)
    response = resident_client.post("/compte/donnees/")
    assert response.status_code == 429
    assert "Réessayez demain" in response.content.decode()
    assert DataExport.objects.count() == 5


def test_status_fragment_for_htmx(resident, resident_client, other_resident):
    resident_client.post("/compte/donnees/")
    export = DataExport.objects.get()
    url = f"/compte/donnees/{export.token}/etat/"
    fragment = resident_client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<progress" in fragment.content.decode() and "<html" not in fragment.content.decode()
    # Without JavaScript the whole page is the answer; nobody else learns anything.
    assert resident_client.get(url)["Location"] == "/compte/donnees/"
    assert login(other_resident).get(url, headers={"HX-Request": "true"}).status_code == 404


def test_a_broken_section_fails_the_download_without_breaking_the_page(
    resident, resident_client, django_capture_on_commit_callbacks
):
    def broken(user):
        raise ValueError("bug")

    section = registry.Section(key="zzz-broken", label="Broken", export=broken, erase=print)
    registry.register(section)
    try:
        export = request_export(resident_client, django_capture_on_commit_callbacks)
    finally:
        registry._sections.pop("zzz-broken")
    assert (export.state, export.error) == (DataExportState.FAILED, "ValueError")
    assert "La préparation a échoué" in resident_client.get("/compte/donnees/").content.decode()


def test_a_new_section_is_exported_once_registered(
    resident, resident_client, django_capture_on_commit_callbacks
):
    section = registry.Section(
        key="zzz-notifications",
        label="Notifications",
        description="vos notifications",
        export=lambda user: {"notifications": [{"texte": f"Pour {user.display_name}"}]},
        erase=lambda user, *, erase_content: None,
    )
    registry.register(section)
    try:
        export = request_export(resident_client, django_capture_on_commit_callbacks)
        assert "vos notifications" in resident_client.get("/compte/donnees/").content.decode()
    finally:
        registry._sections.pop("zzz-notifications")
    data = json.loads(body_of(download(resident_client, export)))
    assert data["zzz-notifications"] == {"notifications": [{"texte": "Pour Marie L."}]}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_prepares_the_download(start_worker, settings):
    user = ResidentFactory(display_name="Paulette V.")
    everything_by(user, marker=MINE)
    start_worker(extra_env={"PRIVATE_STORAGE_ROOT": settings.PRIVATE_STORAGE_ROOT})
    client = login(user)
    assert client.post("/compte/donnees/").status_code == 302
    export = DataExport.objects.get()
    deadline = time.monotonic() + 60
    while export.state != DataExportState.READY and time.monotonic() < deadline:
        time.sleep(0.3)
        export.refresh_from_db()
    assert export.state == DataExportState.READY
    data = json.loads(body_of(download(client, export)))
    assert data["compte"]["profil"]["nom_affiché"] == "Paulette V."
    assert [c["texte"] for c in data["concertations"]["contributions"]] == [
        f"Contribution {MINE}",
        f"Contribution refusée {MINE}",
    ]
