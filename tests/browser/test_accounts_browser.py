"""A resident signs up through the real pages in Chromium; the pages pass axe-core."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signup_confirm_and_reach_the_account_page(page, mailoutbox, settings):
    page.goto("/")
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Courriel").fill("theo@example.org")
    page.get_by_label("Nom affiché").fill("Théo P.")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre adresse e-mail")

    [message] = mailoutbox
    link = re.search(r"https?://[^/\s]+(/compte/confirm-email/\S+/)", message.body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Je confirme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.get_by_text("Bonjour Théo P.")).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/compte/signup/", "/compte/login/"])
def test_public_pages_have_no_axe_violation(page, path):
    page.goto(path)
    assert axe_violations(page) == []


def test_signup_errors_have_no_axe_violation_and_are_announced(page):
    page.goto("/compte/signup/")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_text("Ce champ est obligatoire.").first).to_be_visible()
    assert axe_violations(page) == []


def test_home_is_usable_at_360_px(mobile_page):
    mobile_page.goto("/")
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    expect(mobile_page.get_by_role("link", name="Créer un compte")).to_be_visible()


def test_pages_raise_no_content_security_policy_violation(page):
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    for path in ["/", "/compte/login/", "/compte/signup/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert violations == []
