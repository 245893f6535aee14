"""The header's "Rapports" link: shown to the roles that see the reports, and a resident's
pages spend no query on their groups to hide it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import login
from tests.factories import MayorsOfficeFactory, ResidentFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


def header(client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        html = client.get("/confidentialite/").content.decode()
    return html, [q["sql"] for q in captured.captured_queries]


def test_mayors_office_sees_the_reports_link():
    html, _ = header(login(MayorsOfficeFactory()))
    assert 'href="/rapports/"' in html


@pytest.mark.parametrize("factory", [ResidentFactory, TeamMemberFactory])
def test_others_do_not(factory):
    html, _ = header(login(factory()))
    assert 'href="/rapports/"' not in html


def test_a_residents_page_does_not_read_their_groups():
    _, queries = header(login(ResidentFactory()))
    assert not [sql for sql in queries if "auth_group" in sql]
