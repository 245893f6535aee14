"""The project page's parts (projects/page_parts.py): consultations shows its rounds and the
contributions updates cite through them, projects names nothing of consultations, and the
project page works with no part registered."""

import io
import re
import tokenize
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations import project_parts
from projects import page_parts, selectors
from tests.conftest import login
from tests.factories import (
    ConsultationFactory,
    ContributionFactory,
    ProjectFactory,
    ProjectUpdateFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
# What `projects` may not name: the app above it, and the ways around an import.
FORBIDDEN = re.compile(r"\bconsultations\b|related_model|get_model\(|cited_contributions", re.I)
# Files allowed to name one of those, and what: none.
KNOWN: dict[str, tuple[str, ...]] = {}


def _python_code(source: str) -> str:
    """The code of a module without its comments and docstrings."""
    kept, previous = [], tokenize.NEWLINE
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        is_docstring = token.type == tokenize.STRING and previous in (
            tokenize.NEWLINE,
            tokenize.NL,
            tokenize.INDENT,
            tokenize.DEDENT,
        )
        if token.type != tokenize.COMMENT and not is_docstring:
            kept.append(token.string)
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            previous = token.type
    return " ".join(kept)


def _template_code(source: str) -> str:
    source = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", "", source, flags=re.S)
    return re.sub(r"\{#.*?#\}", "", source, flags=re.S)


def _files():
    for path in sorted((ROOT / "projects").rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, _python_code(path.read_text())
    for path in sorted((ROOT / "templates" / "projects").rglob("*.html")):
        yield path, _template_code(path.read_text())


def test_projects_names_nothing_of_consultations():
    found = {}
    for path, code in _files():
        name = str(path.relative_to(ROOT))
        if name in KNOWN:
            for known in KNOWN[name]:
                assert known in code, f"{name} no longer names {known}: remove its exception"
                code = code.replace(known, "")
        hits = sorted({match.group(0) for match in FORBIDDEN.finditer(code)})
        if hits:
            found[name] = hits
    assert not found, f"projects names what is above it: {found}"


def test_the_check_sees_code_and_not_comments():
    assert FORBIDDEN.search(_python_code("from consultations.models import Consultation\n"))
    assert not FORBIDDEN.search(_python_code('"""Shown by consultations."""\n# consultations\n'))
    assert FORBIDDEN.search(_template_code("{% url 'consultations:detail' slug %}"))
    assert not FORBIDDEN.search(_template_code("{# consultations #}<p>Concertations</p>"))


# --- consultations' parts on the project page ----------------------------------------------


def _project_with_a_round_and_a_citation():
    project = ProjectFactory()
    round_ = ConsultationFactory(project=project, title="Quel mobilier ?")
    update = ProjectUpdateFactory(project=project, title="Le plan est arrêté")
    ContributionFactory(consultation=round_, body="Des bancs à dossier").cited_in_updates.add(
        update
    )
    return project, round_


@pytest.mark.parametrize("who", ["visitor", "resident"])
def test_the_rounds_are_a_section_of_the_page_under_its_one_h1(who):
    project, round_ = _project_with_a_round_and_a_citation()
    client = Client() if who == "visitor" else login(ResidentFactory())
    html = client.get(project.get_absolute_url()).content.decode()
    assert html.count("<h1") == 1
    section = re.search(r'<section aria-labelledby="consultations-title".*?</section>', html, re.S)
    assert section is not None
    assert '<h2 id="consultations-title" class="h5">Concertations</h2>' in section.group(0)
    assert f'href="{round_.get_absolute_url()}"' in section.group(0)
    assert f'href="{round_.get_absolute_url()}#contribution-' in html  # the citation's link
    assert "Des bancs à dossier" in html


@pytest.mark.parametrize("n", [5, 50])
def test_each_part_loads_in_one_query_whatever_the_number_of_items(
    n, django_assert_max_num_queries
):
    project = ProjectFactory()
    opens = timezone.now() - timedelta(days=1)
    for _ in range(n):
        round_ = ConsultationFactory(project=project, opens_at=opens)
        update = ProjectUpdateFactory(project=project)
        ContributionFactory(consultation=round_).cited_in_updates.add(update)
    updates = list(project.updates.all())
    with django_assert_max_num_queries(1):
        context = project_parts.project_rounds(project)
    with django_assert_max_num_queries(0):
        assert project_parts.project_rounds_change(context) is not None
    with django_assert_max_num_queries(1):
        cited = page_parts.cited_by(updates)
    assert sum(len(items) for items in cited.values()) == n
    with django_assert_max_num_queries(0):  # what they show is loaded
        for items in cited.values():
            [(c.item.author.display_name, c.item.consultation.slug) for c in items]


# --- projects alone ------------------------------------------------------------------------


@pytest.fixture
def no_parts(monkeypatch):
    monkeypatch.setattr(page_parts, "_parts", {})
    monkeypatch.setattr(page_parts, "_citations", {})


@pytest.mark.parametrize("who", ["visitor", "resident"])
def test_the_project_page_works_with_no_part_registered(no_parts, who):
    project, round_ = _project_with_a_round_and_a_citation()
    client = Client() if who == "visitor" else login(ResidentFactory())
    response = client.get(project.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le plan est arrêté" in html  # the page itself
    assert "Quel mobilier ?" not in html and "consultations-title" not in html
    assert "Des bancs à dossier" not in html
    assert round_.get_absolute_url() not in html


def test_the_timeline_with_no_part_registered_cites_only_comments(no_parts):
    project, _round = _project_with_a_round_and_a_citation()
    with CaptureQueriesContext(connection) as captured:
        entries = selectors.project_timeline(project=project)
    assert [entry.citations for entry in entries] == [()]
    assert not any("consultations_" in query["sql"] for query in captured.captured_queries)
