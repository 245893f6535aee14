"""Every URL of the site × every role → the expected answer.

The URLs come from the URL configuration itself (`get_resolver()`, walked recursively); the
expectations from tests/security/matrix_data.py, where each URL needs an entry, and from the
registered ModelAdmins with the roles' permissions for the back office. A URL added without
an entry fails `test_every_url_has_an_entry`, naming it.
"""

from __future__ import annotations

from urllib.parse import unquote, urlencode

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.html import parse_forms
from tests.security.matrix_data import Case, Redirect, all_entries
from tests.security.world import ROLES, SUPERUSER

pytestmark = pytest.mark.django_db

# Patterns that only exist in some deployments (benchmarks, DEBUG's media files).
OPTIONAL = {"bench_floor", "^media/(?P<path>.*)$"}


def url_patterns() -> dict[str, str]:
    """{name or route: full route} for every pattern of the site."""
    found: dict[str, str] = {}

    def walk(resolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, route, ns)
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    key = f"{namespace}:{pattern.name}" if namespace else pattern.name
                else:
                    key = route
                found.setdefault(key, route)

    walk(get_resolver(), "", "")
    return found


ENTRIES = all_entries()


def test_every_url_has_an_entry():
    patterns = url_patterns()
    missing = sorted(k for k in patterns if k not in ENTRIES and k not in OPTIONAL)
    stale = sorted(k for k in ENTRIES if k not in patterns)
    assert not missing, (
        "URLs without an entry in tests/security/matrix_data.py (say who may reach them): "
        + ", ".join(f"{k} ({patterns[k]})" for k in missing)
    )
    assert not stale, f"entries for URLs that no longer exist: {stale}"


def _matches(response, expected, world, path: str) -> bool:
    if isinstance(expected, Redirect):
        if response.status_code != expected.status:
            return False
        location = unquote(response.get("Location", "")).removeprefix("http://testserver")
        return location.startswith(unquote(expected.target(world, path)))
    return response.status_code == expected


def _describe(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code}→{response.get('Location', '')}"
    return str(response.status_code)


def _expected_text(expected, world, path) -> str:
    if isinstance(expected, Redirect):
        return f"{expected.status}→{expected.target(world, path)}"
    return str(expected)


def _form_body(world, path: str) -> list[tuple[str, str]]:
    """The page's own main form, as the superuser sees it, submitted unchanged."""
    response = world.client(SUPERUSER).get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} for the superuser"
    forms = [f for f in parse_forms(response.content.decode(), f"http://testserver{path}")]
    forms = [f for f in forms if f.method == "post" and f.action.endswith(path)]
    assert forms, f"{path}: no POST form to submit"
    return forms[0].default_data()


def request(client, method: str, path: str, body, headers=None):
    """One request, its writes rolled back: every role meets the world as it was built."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(path, headers=headers or {})
        elif isinstance(body, list):  # repeated names, as a form sends them
            response = client.post(
                path,
                urlencode(body, doseq=True),
                content_type="application/x-www-form-urlencoded",
                headers=headers or {},
            )
        else:
            response = client.post(path, body or {}, headers=headers or {})
        transaction.set_rollback(True)
    return response


def check_case(world, case: Case) -> list[str]:
    path = case.build_path(world)
    failures = []
    for method, table in (("GET", case.get), ("POST", case.post)):
        if table is None:
            continue
        body = None
        if method == "POST":
            body = _form_body(world, path) if case.data == "form" else case.build_data(world)
        for role in ROLES:
            expected = table[role]
            response = request(world.client(role), method, path, body, case.headers)
            if not _matches(response, expected, world, path):
                failures.append(
                    f"{method} {path} as {role}: expected "
                    f"{_expected_text(expected, world, path)}, got {_describe(response)}"
                )
    return failures


@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_authorization_matrix(world, key):
    failures = []
    for case in ENTRIES[key]:
        failures.extend(check_case(world, case))
    assert not failures, f"{key}:\n  " + "\n  ".join(failures)
