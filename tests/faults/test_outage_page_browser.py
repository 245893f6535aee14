"""The 503 page in Chromium: no axe-core violation, usable at 360 px."""

import pytest

from tests.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _faults_urls(settings):
    settings.ROOT_URLCONF = "tests.faults.urls"


def test_the_outage_page_is_accessible_and_fits_a_phone(page, mobile_page):
    response = page.goto("/test-panne/")
    assert response.status == 503
    assert page.locator("h1").all_inner_texts() == ["Service momentanément indisponible"]
    assert axe_violations(page) == []
    mobile_page.goto("/test-panne/")
    assert mobile_page.evaluate("document.documentElement.scrollWidth") == 360
