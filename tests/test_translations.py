"""English translation: the language switch, key pages in English, a complete catalogue.

The platform's source language is French (every msgid is French); English lives in
locale/en/LC_MESSAGES/django.po and its compiled django.mo is committed, so a fresh clone
runs without gettext. These tests catch a half-translated catalogue (untranslated or fuzzy
entries, placeholders or HTML tags lost in translation) and a stale .mo.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import login
from tests.factories import PASSWORD, ConsultationFactory, ProjectFactory, ResidentFactory

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo"


# --- A small .po parser (polib is not a dependency) -----------------------------------


def _unquote(text: str) -> str:
    """Decode one PO string literal (C-style escapes) without touching non-ASCII text."""
    assert text.startswith('"') and text.endswith('"'), text
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r", "a": "\a", "b": "\b"}
    out, chars, i = [], text[1:-1], 0
    while i < len(chars):
        if chars[i] == "\\":
            out.append(escapes[chars[i + 1]])
            i += 2
        else:
            out.append(chars[i])
            i += 1
    return "".join(out)


def parse_po(path: Path) -> list[dict]:
    """Entries as dicts: msgctxt, msgid, msgid_plural, msgstr (str or {index: str}), flags."""
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):  # obsolete entry: not part of the catalogue
            continue
        if line.startswith("#"):
            if entry is not None and "msgid" in entry and field is not None:
                finish()
                entry, field = None, None
            if entry is None:
                entry = {"flags": set(), "msgstr": None}
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith('"'):
            value = _unquote(line)
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += value
            else:
                entry[field] += value
            continue
        keyword, _, literal = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and entry is not None and "msgstr_seen" in entry:
            finish()
            entry = None
        if entry is None:
            entry = {"flags": set(), "msgstr": None}
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            index = int(match.group(1))
            if not isinstance(entry["msgstr"], dict):
                entry["msgstr"] = {}
            entry["msgstr"][index] = _unquote(literal)
            entry["msgstr_seen"] = True
            field = ("msgstr", index)
        elif keyword == "msgstr":
            entry["msgstr"] = _unquote(literal)
            entry["msgstr_seen"] = True
            field = "msgstr"
        else:
            assert keyword in ("msgctxt", "msgid", "msgid_plural"), line
            entry[keyword] = _unquote(literal)
            field = keyword
    finish()
    return entries


def _key(entry: dict) -> str:
    msgid = entry["msgid"]
    return f"{entry['msgctxt']}\x04{msgid}" if "msgctxt" in entry else msgid


def _is_translated(entry: dict) -> bool:
    if isinstance(entry["msgstr"], dict):
        return all(entry["msgstr"].values())
    return bool(entry["msgstr"])


@pytest.fixture(scope="module")
def po_entries():
    entries = parse_po(PO_PATH)
    assert len(entries) > 500  # the parser read the real catalogue, not an empty file
    return entries


def _messages(entries):
    return [e for e in entries if e["msgid"] != ""]


def test_every_message_is_translated(po_entries):
    untranslated = [e["msgid"] for e in _messages(po_entries) if not _is_translated(e)]
    assert untranslated == []


def test_no_fuzzy_message(po_entries):
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    assert fuzzy == []


PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[sd]|%[sd]|\{[A-Za-z_]+\}")  # also str.format fields
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def test_translations_keep_placeholders_and_html_tags(po_entries):
    problems = []
    for entry in _messages(po_entries):
        if isinstance(entry["msgstr"], dict):
            # The plural form must keep every placeholder of msgid_plural; the singular
            # may say "one" in words ("See the reply") when the French does too.
            pairs = [(entry["msgid_plural"], entry["msgstr"][1])]
            if PLACEHOLDER.findall(entry["msgid"]):
                pairs.append((entry["msgid"], entry["msgstr"][0]))
        else:
            pairs = [(entry["msgid"], entry["msgstr"])]
        for source, translation in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                problems.append(("placeholders", source, translation))
            if sorted(TAG.findall(source)) != sorted(TAG.findall(translation)):
                problems.append(("tags", source, translation))
    assert problems == []


def test_committed_mo_matches_the_po(po_entries):
    """The .mo in git is what `compilemessages` would produce from the .po today."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for entry in po_entries:
        if "fuzzy" in entry["flags"] and entry["msgid"] != "":
            continue
        if not _is_translated(entry):
            continue
        if isinstance(entry["msgstr"], dict):
            for index, text in entry["msgstr"].items():
                expected[(_key(entry), index)] = text
        else:
            expected[_key(entry)] = entry["msgstr"]
    # msgfmt leaves out the POT-Creation-Date header line (it changes on every makemessages).
    expected[""] = re.sub(r"POT-Creation-Date: [^\n]*\n", "", expected.get("", ""))
    assert "Plural-Forms: nplurals=2" in expected[""]  # the header is compiled in
    assert compiled == expected


def test_english_plural_forms_are_used():
    with MO_PATH.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.ngettext("%(counter)s projet", "%(counter)s projets", 1) == (
        "%(counter)s project"
    )
    assert catalogue.ngettext("%(counter)s projet", "%(counter)s projets", 3) == (
        "%(counter)s projects"
    )


# --- The real language switch and pages in English ------------------------------------


def _switch(client: Client, language: str, next_url: str = "/") -> None:
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url


PAGES = [
    ("/", ["Let's build", "Recent projects", "Current consultations", "Skip to content"]),
    ("/projets/", ["The town's projects", "Propose a project", "Search and filter"]),
    ("/consultations/", ["Consultations", "Under way", "Finished", "Until "]),
    ("/compte/login/", ["Log in", "No account yet?", "Forgotten your password?"]),
    ("/compte/signup/", ["Create an account", "Create my account", "Already have an account?"]),
]
FRENCH = ["Aller au contenu", "Navigation principale", "Pied de page"]


@pytest.fixture
def some_content(db):
    ProjectFactory(title="Jardin partagé")
    ConsultationFactory(title="La place de demain")


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "phrases"), PAGES)
def test_visitor_pages_in_english_after_switching(client, some_content, path, phrases):
    before = client.get(path)
    assert before.status_code == 200
    assert '<html lang="fr"' in before.content.decode()

    _switch(client, "en", path)
    html = client.get(path).content.decode()
    assert '<html lang="en"' in html
    missing = [p for p in phrases + ["Main navigation", "Footer"] if p not in html]
    assert missing == []
    assert [f for f in FRENCH if f in html] == []

    _switch(client, "fr", path)
    html = client.get(path).content.decode()
    assert '<html lang="fr"' in html
    assert [f for f in FRENCH if f not in html] == []


@pytest.mark.django_db
def test_project_status_and_consultation_state_are_translated(client, some_content):
    _switch(client, "en")
    assert "Under study" in client.get("/projets/").content.decode()
    home = client.get("/").content.decode()
    assert "Jardin partagé" in home  # residents' content is never translated
    # Dates and times too: English month names, and no French "à" in the format.
    consultations = client.get("/consultations/").content.decode()
    assert re.search(r"Until \d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}", consultations)
    assert " à " not in consultations
    missing = client.get("/projets/pas-de-projet-ici/")
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
    assert "No projects yet." not in home


@pytest.mark.django_db
def test_account_page_in_english(resident):
    client = login(resident)
    _switch(client, "en", "/compte/")
    html = client.get("/compte/").content.decode()
    for phrase in ["My space", "My profile", "Download my data", "Delete my account", "Save"]:
        assert phrase in html
    assert "Mon espace" not in html


# --- The choice is remembered on the account -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("posted", "saved"), [("en", "en"), ("fr", "fr"), ("xx", "fr"), ("", "fr")]
)
def test_switching_language_saves_it_on_the_account(resident, posted, saved):
    client = login(resident)
    response = client.post("/i18n/setlang/", {"language": posted, "next": "/projets/"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.language == saved


@pytest.mark.django_db
def test_visitor_switch_only_sets_the_cookie(client):
    _switch(client, "en", "/projets/")
    assert client.cookies["django_language"].value == "en"


@pytest.mark.django_db
def test_emails_follow_the_language_picked_in_the_footer(
    resident, django_capture_on_commit_callbacks, mailoutbox
):
    client = login(resident)
    _switch(client, "en", "/compte/donnees/")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/compte/donnees/").status_code == 302
    [message] = mailoutbox
    assert "Your data is ready to download" in message.subject
    assert "Hello Marie L.," in message.body
    assert "Bonjour" not in message.body


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "heading"), [("en", "My space"), ("fr", "Mon espace")])
def test_logging_in_brings_back_the_account_language(language, heading):
    user = ResidentFactory(language=language)
    client = Client()
    _switch(client, "fr" if language == "en" else "en", "/")
    response = client.post(
        "/compte/login/", {"login": user.email, "password": PASSWORD, "next": "/compte/"}
    )
    assert response.status_code == 302
    assert client.cookies["django_language"].value == language
    assert heading in client.get("/compte/").content.decode()


@pytest.mark.django_db
def test_notifications_read_in_the_language_picked_in_the_footer(
    resident, other_resident, django_capture_on_commit_callbacks, mailoutbox
):
    from citizens.models import EmailFrequency
    from citizens.notifications import notify

    resident.email_frequency = EmailFrequency.IMMEDIATE
    resident.save(update_fields=["email_frequency"])
    project = ProjectFactory(title="Jardin partagé")
    client = login(resident)
    _switch(client, "en", "/compte/notifications/")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[resident],
            kind="project_comment",
            actor=other_resident,
            target=project,
            params={"project": project.title},
        )
    html = client.get("/compte/notifications/").content.decode()
    assert "My notifications" in html
    assert "Karim B. commented on the project “Jardin partagé”." in html
    [message] = mailoutbox
    assert "New comment on “Jardin partagé”" in message.subject
    assert "Unsubscribe in one click" in message.alternatives[0][0]
    assert "Mes préférences d'e-mails" not in client.get("/compte/preferences/").content.decode()
