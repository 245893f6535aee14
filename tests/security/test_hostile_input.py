"""Hostile input on every form and every query parameter of the site.

Forms are discovered by fetching each page of the authorisation matrix as a role that may
use it and reading its `<form>`s (tests/security/hostile_data.py). Each form is submitted
with every payload of the corpus in its text fields (the other fields valid), with wrong
values in its other fields, with its fields missing, repeated, and with a 1 MB text. Then
a combined script/handler/link payload is submitted for keeps, and the pages that display
what people write are read back. Expected everywhere: a 4xx or a form error (or a redirect
for valid-but-odd text), never a 500, never active HTML that the site did not put there,
never another resident's private data.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import PASSWORD
from tests.security.hostile_data import (
    ADMIN_QUERY_VALUES,
    ADMIN_TEXT_PAYLOADS,
    ADMIN_WRONG_VALUES,
    ONE_MEGABYTE,
    QUERY_VALUES,
    STORED,
    STORED_SHORT,
    TEXT_PAYLOADS,
    WRONG_VALUES,
    Discovery,
    FoundForm,
    discover,
)
from tests.security.html import active_html
from tests.security.world import MAYOR, OTHER, RESIDENT, SUPERUSER, TEAM, VISITOR

pytestmark = pytest.mark.django_db

ERROR_MARKERS = (
    "errorlist",
    "invalid-feedback",
    "alert-danger",
    "errornote",
    "is-invalid",
    'role="alert"',
)
STAFF_ROLES = {TEAM, SUPERUSER}


@pytest.fixture(scope="module")
def discovery(world, django_db_blocker) -> Discovery:
    with django_db_blocker.unblock():
        return discover(world)


# --- building bodies -----------------------------------------------------------------------

_counter = iter(range(10**6))

SKIP_FIELDS = {"csrfmiddlewaretoken"}
STRUCTURED_CSS = (
    "vDateField",
    "vTimeField",
    "vForeignKeyRawIdAdminField",
    "vManyToManyRawIdAdminField",
    "vIntegerField",
    "vBigIntegerField",
)


def _free_text(found: FoundForm) -> list[str]:
    """Fields where people write words (the payloads' home), as opposed to slugs, dates,
    emails, passwords and ids typed as text."""
    names = []
    for f in found.form.fields:
        if f.name in SKIP_FIELDS or f.disabled or f.name in names:
            continue
        if f.kind not in ("text", "textarea", "search", ""):
            continue
        if "__prefix__" in f.name or f.name.endswith("slug") or f.name in ("username", "code"):
            continue
        if any(css in f.css for css in STRUCTURED_CSS):
            continue
        if f.name in ("data",):  # allauth's authenticator JSON: structured
            continue
        names.append(f.name)
    return names


def _structured(found: FoundForm) -> list[str]:
    """Selects, radios, checkboxes, numbers, hidden ids, dates: where wrong types go."""
    free = set(_free_text(found))
    names = []
    for f in found.form.fields:
        if f.name in SKIP_FIELDS or not f.name or f.name in free or f.name in names:
            continue
        if "__prefix__" in f.name or f.name.endswith(("TOTAL_FORMS", "MAX_NUM_FORMS")):
            continue
        if f.name.endswith(("INITIAL_FORMS", "MIN_NUM_FORMS")) or f.name.startswith("initial-"):
            continue
        if f.kind in ("password", "email", "submit"):
            continue
        names.append(f.name)
    return names


def _fill(world, found: FoundForm) -> list[tuple[str, str]]:
    """The form as a person fills it in correctly: its defaults, and the empty required
    fields given plausible values."""
    today = timezone.localtime()
    n = next(_counter)
    data = []
    for name, value in found.form.default_data():
        if value == "" and "__prefix__" not in name:
            fields = found.form.by_name(name)
            f = fields[0] if fields else None
            css = f.css if f else ""
            if f is not None and f.kind == "select":
                value = next((o for o in f.options if o), "")
            elif name in ("email", "login") and "login" in found.action_path:
                value = "a@example.org"
            elif name == "email" or (f is not None and f.kind == "email"):
                value = f"hostile{n}@example.org"
            elif name in ("password", "oldpassword", "old_password"):
                value = PASSWORD
            elif name in ("password1", "password2", "new_password1", "new_password2"):
                value = "une-phrase-tres-solide-77"
            elif "vDateField" in css:
                shift = timedelta(days=10) if name.startswith("closes") else timedelta(0)
                value = (today + shift).strftime("%d/%m/%Y")
            elif "vTimeField" in css:
                value = "12:00:00"
            elif name.endswith("slug"):
                value = f"hostile-{n}"
            elif name == "project":
                value = str(world.town_project.pk)
            elif name == "user":
                value = str(world.users[RESIDENT].pk)
            elif name in ("latitude", "longitude", "last_used_at_0", "last_used_at_1"):
                value = ""
            elif f is not None and f.kind in ("text", "textarea", "search"):
                value = f"Texte ordinaire {n}"
        data.append((name, value))
    names = {name for name, _ in data}
    for f in found.form.fields:  # radio groups with nothing checked: the first choice
        if f.kind == "radio" and f.name not in names and f.name:
            data.append((f.name, f.value))
            names.add(f.name)
    return data


def _replace(data, name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k == name else v) for k, v in data]


# --- sending and judging -------------------------------------------------------------------


def _post(world, role: str, path: str, data, *, keep: bool = False):
    body = urlencode(data, doseq=True)
    client = world.client(role)
    with transaction.atomic():
        response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        if not keep:
            transaction.set_rollback(True)
    response.sent = data
    return response


def _get(world, role: str, path: str):
    return world.client(role).get(path)


def _other_people(world, role: str) -> list[str]:
    """Private data of people other than `role` that must never reach `role`: their email
    addresses and A's data download link."""
    if role in STAFF_ROLES:
        return []
    own = world.users.get(role)
    private = [u.email for r, u in world.users.items() if u != own]
    private.append(world.filler.email)
    if role != RESIDENT:
        private.append(str(world.export_a.token))
    return private


def judge(world, role: str, what: str, response, *, parse: bool = True, sent=()) -> list[str]:
    problems = []
    status = response.status_code
    if status >= 500:
        problems.append(f"{what}: {status}")
        return problems
    content_type = response.get("Content-Type", "")
    if "html" not in content_type or not parse:
        return problems
    html = response.content.decode(errors="replace")
    problems.extend(f"{what}: {p}" for p in active_html(html))
    if status == 400 and "<form" in html and not any(m in html for m in ERROR_MARKERS):
        problems.append(f"{what}: 400 without an error message next to a field")
    typed = " ".join(str(v) for _, v in getattr(response, "sent", sent))
    for secret in _other_people(world, role):
        if secret in html and secret not in typed:  # echoing what one typed is no leak
            problems.append(f"{what}: shows another person's data ({secret})")
    return problems


def attack_form(world, found: FoundForm, *, admin: bool) -> list[str]:
    """Every payload in the free text, wrong values elsewhere, missing/repeated fields, 1 MB."""
    role, path = found.role, found.action_path
    base = _fill(world, found)
    free = _free_text(found)
    problems: list[str] = []
    payloads = ADMIN_TEXT_PAYLOADS if admin else TEXT_PAYLOADS
    if free:
        for label, payload in payloads.items():
            data = base
            for name in free:
                data = _replace(data, name, payload)
            problems += judge(world, role, f"{label} in {free}", _post(world, role, path, data))
        data = _replace(base, free[0], ONE_MEGABYTE)
        problems += judge(
            world, role, f"1 MB in {free[0]}", _post(world, role, path, data), parse=False
        )
    values = ADMIN_WRONG_VALUES if admin else WRONG_VALUES
    for name in _structured(found):
        for value in values:
            what = f"{name}={value!r}"
            problems += judge(
                world, role, what, _post(world, role, path, _replace(base, name, value))
            )
    # Nothing at all, and every field twice with different values.
    problems += judge(world, role, "no fields", _post(world, role, path, []))
    doubled = base + [(k, f"{v}-bis" if v else "x") for k, v in base if k != "csrfmiddlewaretoken"]
    problems += judge(world, role, "every field repeated", _post(world, role, path, doubled))
    return problems


def store_form(world, found: FoundForm) -> tuple[list[str], object]:
    """The combined payload, kept: what the display pages are then read for."""
    free = _free_text(found)
    if not free or not found.kept:
        return [], None
    base = _fill(world, found)
    data = base
    for name in free:
        f = found.form.by_name(name)[0]
        short = name in ("display_name", "title", "name", "label", "q", "login") or f.kind == "text"
        data = _replace(data, name, STORED_SHORT if short else STORED)
    response = _post(world, found.role, found.action_path, data, keep=True)
    return judge(world, found.role, "stored payload", response), response


def display_pages(world) -> list[tuple[str, str]]:
    """Where what people write is shown, and to whom."""
    w = world
    project = f"/projets/{w.project.slug}/"
    pages = [
        (VISITOR, "/"),
        (VISITOR, "/projets/"),
        (VISITOR, project),
        (VISITOR, f"{project}commentaires/{w.comment_a.pk}/"),
        (VISITOR, "/consultations/"),
        (VISITOR, f"/consultations/{w.open_round.slug}/"),
        (VISITOR, f"/consultations/{w.closed_round.slug}/"),
        (RESIDENT, f"/consultations/{w.moderated_round.slug}/"),
        (RESIDENT, project),
        (RESIDENT, "/compte/"),
        (RESIDENT, "/compte/activite/propositions/"),
        (RESIDENT, "/compte/activite/commentaires/"),
        (RESIDENT, "/compte/activite/contributions/"),
        (RESIDENT, "/compte/donnees/"),
        (OTHER, "/compte/"),
        (RESIDENT, "/compte/notifications/"),
        (OTHER, "/compte/notifications/"),
        (MAYOR, "/rapports/"),
        (MAYOR, f"/rapports/exports/{w.report_export.pk}/"),
        (TEAM, "/admin/"),
        (TEAM, "/admin/projects/project/"),
        (TEAM, f"/admin/projects/project/{w.project.pk}/change/"),
        (TEAM, "/admin/projects/comment/"),
        (TEAM, f"/admin/projects/comment/{w.comment_a.pk}/change/"),
        (TEAM, "/admin/projects/projectupdate/"),
        (TEAM, "/admin/consultations/consultation/"),
        (TEAM, f"/admin/consultations/consultation/{w.open_round.pk}/change/"),
        (TEAM, "/admin/consultations/contribution/"),
        (TEAM, f"/admin/consultations/contribution/{w.contribution_a.pk}/change/"),
        (TEAM, f"/admin/projects/comment/{w.flagged_comment.pk}/change/"),
        (TEAM, "/admin/moderation/flag/"),
        (TEAM, "/admin/moderation/moderationlog/"),
        (TEAM, "/admin/citizens/user/"),
        (TEAM, "/admin/citizens/neighbourhood/"),
        (TEAM, "/admin/citizens/emaildelivery/"),
        (SUPERUSER, f"/admin/citizens/user/{w.users[RESIDENT].pk}/change/"),
        (SUPERUSER, "/admin/auth/group/"),
    ]
    return pages


def read_back(world, extra: list[tuple[str, str]]) -> list[str]:
    problems = []
    for role, path in display_pages(world) + extra:
        response = _get(world, role, path)
        problems += judge(world, role, f"GET {path} as {role} afterwards", response)
    return problems


# --- the forms, by area --------------------------------------------------------------------

AREAS = {
    "projects": r"^/projets/",
    "consultations": r"^/consultations/",
    "moderation": r"^/signaler/",
    "resident-space": r"^/compte/(|donnees/|supprimer/)$",
    "notifications": r"^/compte/(notifications|preferences|desabonnement)/",
    "allauth": r"^/compte/(login|logout|signup|password|email|confirm-email|reauthenticate|2fa)/",
    "site": r"^/i18n/",
    "reports": r"^/rapports/",
    "admin-projects": r"^/admin/projects/",
    "admin-consultations": r"^/admin/consultations/",
    "admin-citizens": r"^/admin/citizens/",
    "admin-other": r"^/admin/(?!projects/|consultations/|citizens/)",
}
# Forms whose combined payload must be accepted and kept (so that reading it back proves
# something): where residents and the team write free text.
MUST_STORE = [
    r"^/projets/proposer/$",
    r"/commenter/$",
    r"/repondre/$",
    r"/modifier/$",
    r"/contribuer/$",
    r"^/signaler/",
    r"^/admin/projects/project/\d+/etat/$",
    r"^/admin/projects/project/\d+/visibilite/$",
    r"^/admin/consultations/contribution/\d+/change/$",
    r"^/admin/projects/project/\d+/change/$",
    r"^/admin/consultations/consultation/\d+/change/$",
]


def forms_of(discovery: Discovery, area: str) -> list[FoundForm]:
    pattern = re.compile(AREAS[area])
    found = [f for f in discovery.forms.values() if f.form.method == "post"]
    return [f for f in found if pattern.search(f.action_path)]


def test_every_form_belongs_to_an_area(discovery):
    posts = [f for f in discovery.forms.values() if f.form.method == "post"]
    orphans = [f.key for f in posts if not any(re.search(p, f.action_path) for p in AREAS.values())]
    assert not orphans, f"forms no area of this suite covers: {orphans}"
    assert len(posts) >= 40, f"only {len(posts)} forms discovered: discovery is broken"


@pytest.mark.parametrize("area", list(AREAS))
def test_hostile_input_on_forms(world, discovery, area):
    failures: dict[str, list[str]] = {}
    extra_pages: list[tuple[str, str]] = []
    not_stored = []
    forms = forms_of(discovery, area)
    assert forms, f"no form discovered in {area}: discovery or AREAS is out of date"
    for found in forms:
        admin = found.action_path.startswith("/admin/")
        role = SUPERUSER if admin and found.role not in STAFF_ROLES else found.role
        found = FoundForm(page=found.page, role=role, form=found.form)
        problems = attack_form(world, found, admin=admin)
        stored_problems, response = store_form(world, found)
        problems += stored_problems
        if response is not None and response.status_code in (301, 302):
            target = urlsplit(response["Location"])
            if not target.netloc or target.netloc == "testserver":
                extra_pages.append(
                    (found.role, target.path + (f"?{target.query}" if target.query else ""))
                )
        must = any(re.search(p, found.action_path) for p in MUST_STORE)
        if must and (response is None or response.status_code not in (301, 302)):
            status = "not sent" if response is None else response.status_code
            not_stored.append(f"{found.key}: the combined payload was not kept ({status})")
        if problems:
            failures[f"{found.key} (as {found.role}, from {found.page})"] = problems
    read = read_back(world, extra_pages)
    if read:
        failures["pages read back after the payloads were kept"] = read
    if not_stored:
        failures["forms expected to keep the payload (else reading back proves nothing)"] = (
            not_stored
        )
    report = "\n".join(
        f"- {form}:\n    " + "\n    ".join(sorted(set(problems))[:25])
        for form, problems in failures.items()
    )
    assert not failures, f"{len(failures)} form(s) misbehave in {area}:\n{report}"


# --- query parameters ----------------------------------------------------------------------


def test_hostile_query_parameters(world, discovery):
    failures: dict[str, list[str]] = {}
    pages = dict(discovery.parameters)
    # Pagination exists on every list even when the world is too small to show its links.
    for path, role in (
        ("/projets/", VISITOR),
        (f"/projets/{world.project.slug}/", VISITOR),
        (f"/projets/{world.project.slug}/commentaires/{world.comment_a.pk}/", VISITOR),
        ("/consultations/", VISITOR),
        (f"/consultations/{world.open_round.slug}/", VISITOR),
        ("/compte/activite/commentaires/", RESIDENT),
        ("/compte/activite/contributions/", RESIDENT),
    ):
        role_params = pages.get(path, (role, {}))
        params = dict(role_params[1])
        params.setdefault("page", {"2"})
        pages[path] = (role_params[0], params)
    for path, (role, params) in sorted(pages.items()):
        problems = []
        values = ADMIN_QUERY_VALUES if path.startswith("/admin/") else QUERY_VALUES
        for name in sorted(params):
            for value in values:
                query = urlencode({name: value})
                response = _get(world, role, f"{path}?{query}")
                problems += judge(world, role, f"?{name}={value!r}", response)
        # Several at once, and one repeated.
        query = urlencode([(n, QUERY_VALUES[0]) for n in params] + [(n, "1") for n in params])
        problems += judge(
            world, role, "all at once, repeated", _get(world, role, f"{path}?{query}")
        )
        if problems:
            failures[f"{path} (as {role})"] = problems
    report = "\n".join(
        f"- {page}:\n    " + "\n    ".join(problems[:25]) for page, problems in failures.items()
    )
    assert not failures, f"{len(failures)} page(s) misbehave on hostile query parameters:\n{report}"


def test_pages_are_clean_before_any_payload(world):
    """The baseline: no page of the site carries active HTML of its own making."""
    problems = read_back(world, [])
    assert not problems, "\n".join(problems)


def test_forms_are_found_as_every_kind_of_user(discovery):
    """Visitors (login, signup), residents, the team and the mayor's office each have forms of
    their own: discovery reaches the pages of every role."""
    roles_seen = {f.role for f in discovery.forms.values()}
    assert roles_seen >= {VISITOR, RESIDENT, OTHER, TEAM, MAYOR, SUPERUSER}


# --- fixes found by this suite, pinned -------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "status__exact=%00",  # PostgreSQL refuses NUL in text: was a 500
        "q=caf%00e",
        "created_at__year=999999999999999999999999999999",  # OverflowError: was a 500
        "created_at__year=2026&created_at__month=99999999999",
    ],
)
def test_admin_changelist_answers_400_to_impossible_queries(world, query):
    response = world.client(TEAM).get(f"/admin/projects/project/?{query}")
    assert response.status_code == 400
    assert "Adresse invalide" in response.content.decode()


def test_public_pages_read_nul_in_the_query_as_a_bad_value(world):
    """Outside the admin, each page's own form ignores such values with its message."""
    response = world.client(VISITOR).get("/projets/?theme=%00")
    assert response.status_code == 400
    assert "Adresse invalide" not in response.content.decode()
    assert world.client(VISITOR).get("/consultations/?page=%00").status_code == 200


# --- forged ids: other residents' items ----------------------------------------------------


def test_forged_ids_never_reach_another_residents_items(world):
    """B (other) tries A's items by their ids; every attempt is refused and changes nothing."""
    from consultations.models import Contribution, Vote
    from moderation.models import Flag
    from projects.models import Comment

    w = world
    project = f"/projets/{w.project.slug}/"
    a_comment = f"{project}commentaires/{w.comment_a.pk}/"
    token = w.export_a.token
    attempts = [
        # (what, method, path, data, acceptable statuses)
        ("edit A's comment", "POST", f"{a_comment}modifier/", {"body": "Piraté"}, {403}),
        ("delete A's comment", "POST", f"{a_comment}supprimer/", {}, {403}),
        (
            "A's comment through another project's address",
            "POST",
            f"/projets/{w.town_project.slug}/commentaires/{w.comment_a.pk}/modifier/",
            {"body": "Piraté"},
            {404},
        ),
        (
            "reply to a comment of another project",
            "POST",
            f"/projets/{w.town_project.slug}/commentaires/{w.comment_a.pk}/repondre/",
            {"body": "Réponse égarée"},
            {404},
        ),
        ("A's download status", "GET", f"/compte/donnees/{token}/etat/", None, {404}),
        ("A's download", "GET", f"/compte/donnees/{token}/mes-donnees.zip", None, {404}),
        (
            "flag A's pending contribution",
            "POST",
            f"/signaler/contribution/{w.pending_a.pk}/",
            {"reason": "spam"},
            {404},
        ),
        (
            "vote with an option of another round",
            "POST",
            f"/consultations/{w.second_round.slug}/voter/",
            {"option": w.options[0].pk},
            {400},
        ),
        (
            "contribute citing an option of another round",
            "POST",
            f"/consultations/{w.second_round.slug}/contribuer/",
            {"body": "Avec une option étrangère", "option": w.options[0].pk},
            {400},
        ),
        (
            "admin change page of A's comment",
            "GET",
            f"/admin/projects/comment/{w.comment_a.pk}/change/",
            None,
            {302},
        ),
    ]

    def state():
        return (
            Comment.objects.get(pk=w.comment_a.pk).body,
            Comment.objects.count(),
            Contribution.objects.count(),
            Flag.objects.count(),
            list(Vote.objects.values_list("user_id", "option_id").order_by("pk")),
        )

    before = state()
    failures = []
    client = w.client(OTHER)
    for what, method, path, data, acceptable in attempts:
        with transaction.atomic():
            if method == "GET":
                status = client.get(path).status_code
            else:
                status = client.post(path, data).status_code
            changed = state() != before
            transaction.set_rollback(True)
        if status not in acceptable:
            failures.append(f"{what}: {method} {path} answered {status}, expected {acceptable}")
        if changed:
            failures.append(f"{what}: {method} {path} changed the database")
    assert not failures, "\n".join(failures)


def test_extra_fields_cannot_raise_privileges_or_change_ownership(world):
    """Mass assignment: fields a form does not offer are ignored (profile, proposal)."""
    from citizens.models import User
    from projects.models import Project

    w = world
    a, b = w.users[RESIDENT], w.users[OTHER]
    profile = [
        ("display_name", "Alice"),
        ("neighbourhood", ""),
        ("language", "fr"),
        ("email", b.email),
        ("is_staff", "on"),
        ("is_superuser", "on"),
        ("groups", "1"),
        ("id", str(b.pk)),
    ]
    with transaction.atomic():
        response = w.client(RESIDENT).post(
            "/compte/", urlencode(profile), content_type="application/x-www-form-urlencoded"
        )
        a_after = User.objects.get(pk=a.pk)
        b_after = User.objects.get(pk=b.pk)
        assert response.status_code == 302
        assert (a_after.email, a_after.is_staff, a_after.is_superuser) == (a.email, False, False)
        assert not a_after.groups.exists()
        assert b_after.display_name == b.display_name
        transaction.set_rollback(True)
    proposal = {
        "title": "Une proposition signée par un autre",
        "summary": "Résumé.",
        "body": "Texte.",
        "category": "other",
        "author": b.pk,
        "status": "completed",
        "is_hidden": "on",
        "support_count": "9999",
    }
    with transaction.atomic():
        response = w.client(RESIDENT).post("/projets/proposer/", proposal)
        assert response.status_code == 302
        project = Project.objects.get(title=proposal["title"])
        assert project.author_id == a.pk
        assert (project.status, project.is_hidden, project.support_count) == ("proposed", False, 0)
        transaction.set_rollback(True)


def test_one_residents_pages_never_show_anothers_private_data(world):
    """B's pages (account, data, activity) carry nothing of A's: no email, no download link,
    no pending contribution."""
    w = world
    secrets = [w.users[RESIDENT].email, str(w.export_a.token), w.pending_a.body]
    pages = ["/compte/", "/compte/donnees/", "/compte/activite/contributions/"]
    pages += [f"/consultations/{w.moderated_round.slug}/", f"/projets/{w.project.slug}/"]
    leaks = []
    for path in pages:
        html = _get(w, OTHER, path).content.decode()
        leaks += [f"{path} shows {s!r}" for s in secrets if s in html]
    assert not leaks
    # ...while A sees their own pending contribution and their download.
    assert (
        w.pending_a.body
        in _get(w, RESIDENT, f"/consultations/{w.moderated_round.slug}/").content.decode()
    )
    assert str(w.export_a.token) in _get(w, RESIDENT, "/compte/donnees/").content.decode()


@pytest.mark.parametrize("next_value", ["abc", "-1", "//evil.example/", "https://evil.example/"])
def test_mark_read_ignores_a_next_that_is_not_a_path_of_the_site(world, next_value):
    """A bare word as `next` was read as a URL name by redirect(): NoReverseMatch, a 500."""
    w = world
    for path in (
        "/compte/notifications/tout-lire/",
        f"/compte/notifications/{w.notification_a.pk}/lire/",
    ):
        response = _post(w, RESIDENT, path, [("next", next_value)])
        assert response.status_code == 302, path
        assert response["Location"] == "/compte/notifications/", path
