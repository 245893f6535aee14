"""A resident's notifications in a real browser: the bell, the list, preferences, unsubscribe."""

import re

import pytest
from playwright.sync_api import expect

from citizens.models import EmailFrequency, Notification
from citizens.notifications import notify
from citizens.notifications.tokens import unsubscribe_token
from tests.conftest import axe_violations, browser_login
from tests.factories import ResidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_follows_the_bell_reads_notifications_and_chooses_a_rhythm(page, project):
    resident = ResidentFactory(display_name="Josiane D.")
    actor = ResidentFactory(display_name="Karim B.")
    for _ in range(3):
        notify(
            recipients=[resident],
            kind="project_comment",
            actor=actor,
            target=project,
            params={"project": project.title},
        )
    browser_login(page, resident)

    bell = page.get_by_role("link", name=re.compile(r"Notifications.*3 non lues"))
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes notifications")
    assert axe_violations(page) == []

    page.get_by_role("button", name=re.compile("^Marquer comme lue")).first.click()
    expect(page.get_by_role("link", name=re.compile(r"Notifications.*2 non lues"))).to_be_visible()

    # Follow one of the two still unread: it opens its object and is read on the way.
    unread = page.locator("li.notification-item.unread")
    expect(unread).to_have_count(2)
    unread.first.get_by_role("link", name=re.compile("Karim B. a commenté")).click()
    expect(page).to_have_url(re.compile(re.escape(project.get_absolute_url()) + "$"))
    assert Notification.objects.filter(read_at__isnull=True).count() == 1

    page.goto("/compte/notifications/")
    page.get_by_role("button", name="Tout marquer comme lu").click()
    expect(page.get_by_text("Toutes vos notifications sont marquées comme lues.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("non lue"))).to_have_count(0)

    page.goto("/compte/")
    page.get_by_role("link", name="Mes préférences d'e-mails").click()
    assert axe_violations(page) == []
    page.get_by_label("Un résumé par semaine").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Vos préférences sont enregistrées.")).to_be_visible()
    resident.refresh_from_db()
    assert resident.email_frequency == EmailFrequency.WEEKLY


def test_unsubscribe_page_works_without_login_and_is_accessible(page):
    reader = ResidentFactory()
    page.goto(f"/compte/desabonnement/{unsubscribe_token(reader.pk)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se désabonner des e-mails")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Me désabonner").click()
    expect(page.get_by_role("status")).to_contain_text("ne recevra plus")
    reader.refresh_from_db()
    assert reader.email_frequency == EmailFrequency.NEVER


def test_notification_list_fits_a_360_pixel_screen(mobile_page, project):
    resident = ResidentFactory()
    notify(
        recipients=[resident],
        kind="project_update",
        target=project,
        params={"project": project.title, "title": "Une actualité au titre " + "très " * 20},
    )
    browser_login(mobile_page, resident)
    mobile_page.goto("/compte/notifications/")
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    expect(mobile_page.get_by_role("link", name=re.compile("1 non lue"))).to_be_visible()
